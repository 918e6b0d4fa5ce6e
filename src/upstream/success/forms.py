"""The quick forms on an organisation's page: log a call, a meeting or a note; snooze a task."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from upstream.core import clock
from upstream.customers.models import Contact, Organisation
from upstream.success.models import MAX_DURATION_MINUTES, InteractionKind
from upstream.success.services import FUTURE_SLACK, MAX_AGE_DAYS, MAX_SNOOZE_DAYS, MAX_SUMMARY

LOGGED_KINDS = (InteractionKind.CALL, InteractionKind.MEETING, InteractionKind.NOTE)


class InteractionForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in LOGGED_KINDS], widget=forms.HiddenInput)
    contact = forms.ModelChoiceField(
        label=_("Who"), queryset=Contact.objects.none(), required=False, empty_label=_("— nobody in particular —")
    )
    happened_at = forms.DateTimeField(
        label=_("When"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), required=False, min_value=1, max_value=MAX_DURATION_MINUTES
    )
    summary = forms.CharField(label=_("Summary"), max_length=MAX_SUMMARY, widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_on = forms.DateField(
        label=_("Follow up on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("creates a task for you, due that day"),
    )

    def __init__(self, *args: Any, organisation: Organisation, kind: str = InteractionKind.CALL, **kwargs: Any):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("kind", kind)
        kwargs.setdefault("auto_id", f"id_{kind}_%s")  # three forms on one page: ids must differ
        kwargs["initial"].setdefault("happened_at", timezone.localtime(clock.now()).replace(second=0, microsecond=0))
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        contact_field = self.fields["contact"]
        assert isinstance(contact_field, forms.ModelChoiceField)
        contact_field.queryset = Contact.objects.filter(memberships__organisation=organisation).order_by("name")
        kind_value = self.data.get(self.add_prefix("kind")) if self.is_bound else kind
        self.interaction_kind = kind_value if kind_value in InteractionKind.values else InteractionKind.CALL
        if self.interaction_kind == InteractionKind.NOTE:
            # A note has no counterpart or duration.
            del self.fields["duration_minutes"]
            self.fields["happened_at"].required = False

    def clean_summary(self) -> str:
        summary = str(self.cleaned_data["summary"]).strip()
        if not summary:
            raise forms.ValidationError(_("Write what was discussed."))
        if "\x00" in summary:
            raise forms.ValidationError(_("The summary contains a character that cannot be stored."))
        return summary

    def clean_happened_at(self) -> datetime:
        value: datetime | None = self.cleaned_data.get("happened_at")
        now = clock.now()
        if value is None:
            return now
        if value > now + FUTURE_SLACK:
            raise forms.ValidationError(_("This is in the future; log an interaction once it has happened."))
        if value < now - timedelta(days=MAX_AGE_DAYS):
            raise forms.ValidationError(_("This is more than ten years ago."))
        return value

    def clean_follow_up_on(self) -> date | None:
        value: date | None = self.cleaned_data.get("follow_up_on")
        if value is not None and value < timezone.localdate(clock.now()):
            raise forms.ValidationError(_("The follow-up date is in the past."))
        if value is not None and value > timezone.localdate(clock.now()) + timedelta(days=MAX_SNOOZE_DAYS):
            raise forms.ValidationError(_("The follow-up date is more than a year away."))
        return value


class SnoozeForm(forms.Form):
    until = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_until(self) -> date:
        value: date = self.cleaned_data["until"]
        today = timezone.localdate(clock.now())
        if value <= today:
            raise forms.ValidationError(_("Choose a day after today."))
        if value > today + timedelta(days=MAX_SNOOZE_DAYS):
            raise forms.ValidationError(_("At most a year ahead."))
        return value
