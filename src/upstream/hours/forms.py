"""The time-entry form of the ticket page; the service does the validation, the form only carries the fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from upstream.hours.services import MAX_NOTE_CHARS, EntryInput

# Service error fields → form fields.
FIELD_OF = {"minutes": "duration", "note": "note", "worked_on": "worked_on"}


class TimeEntryForm(forms.Form):
    duration = forms.CharField(
        label=_("Time spent"),
        max_length=40,
        help_text=_("Minutes or hours: 45, 1h30, 1.5h"),
        widget=forms.TextInput(attrs={"placeholder": "1h30", "inputmode": "text", "autocomplete": "off"}),
    )
    worked_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=MAX_NOTE_CHARS,
        help_text=_("The customer's organisation admin sees this note on statements."),
    )

    def entry(self) -> EntryInput:
        data = self.cleaned_data
        return EntryInput(
            duration=data["duration"], billable=data["billable"], note=data["note"], worked_on=data["worked_on"]
        )
