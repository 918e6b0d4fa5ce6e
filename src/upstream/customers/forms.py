"""Forms of the contract pages: renew, end with an exit reason, and the churn report's period."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from upstream.core.errors import DomainError
from upstream.customers import lifecycle
from upstream.customers.models import Contract, ExitReason, SupportPlan

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal next to the field it names (or at the top of the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class RenewForm(forms.Form):
    starts_on = forms.DateField(label=_("Next term starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Next term ends on"), widget=DATE)
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=SupportPlan.objects.order_by("name"), empty_label=None)
    consulting_hours = forms.DecimalField(
        label=_("Prepaid consulting hours"), min_value=Decimal("0"), max_digits=8, decimal_places=2
    )
    reference = forms.CharField(label=_("Reference of the next term"), max_length=64)

    @classmethod
    def initial_for(cls, contract: Contract) -> dict[str, Any]:
        """The same plan and hours, a term of the same length starting the day after this one ends."""
        starts_on = contract.ends_on + timedelta(days=1)
        length = contract.ends_on - contract.starts_on
        return {
            "starts_on": starts_on,
            "ends_on": starts_on + length,
            "plan": contract.plan_id,
            "consulting_hours": contract.consulting_hours,
            "reference": lifecycle.suggested_reference(contract),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The term must end on or after the day it starts."))
        return data


class EndForm(forms.Form):
    NOW = "now"
    TERM_END = "term_end"

    reason = forms.ChoiceField(
        label=_("Why is the customer leaving?"), choices=ExitReason.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=lifecycle.MAX_COMMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for “Other”: say what the reason is."),
    )
    when = forms.ChoiceField(
        label=_("When does it end?"),
        choices=[
            (TERM_END, _("At the end of the term: do not renew (no grace period)")),
            (NOW, _("Now: terminate the contract today")),
        ],
        initial=TERM_END,
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == ExitReason.OTHER and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what the other reason is."))
        return data


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("To"), widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end of the period is before its start."))
        if start and end and (end - start).days > 3660:
            self.add_error("start", _("Choose a period of at most ten years."))
        return data


class OrganisationFilter(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
