"""Survey forms: the customer's answers (CSAT, NPS, return visit) and staff scheduling a return visit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from upstream.customers.models import Contact, Organisation
from upstream.surveys import rules
from upstream.surveys.csat import COMMENT_CHARS
from upstream.surveys.models import ReturnVisitQuestion


def _score_choices(low: int, high: int) -> list[tuple[int, str]]:
    return [(n, str(n)) for n in range(low, high + 1)]


class _ScoreForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=COMMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip


class CsatForm(_ScoreForm):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with how we handled your request?"), coerce=int,
        choices=_score_choices(rules.CSAT_MIN, rules.CSAT_MAX),
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose a rating from 1 to 5."), "required": _("Choose a rating.")},
    )  # fmt: skip
    field_order = ["score", "comment"]


class NpsForm(_ScoreForm):
    score = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a friend or colleague?"), coerce=int,
        choices=_score_choices(rules.NPS_MIN, rules.NPS_MAX), widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose a score from 0 to 10."), "required": _("Choose a score.")},
    )  # fmt: skip
    field_order = ["score", "comment"]


def initial_score(raw: str | None, low: int, high: int) -> int | None:
    """The score a one-click link pre-selects; anything else pre-selects nothing."""
    try:
        return rules.check_score(int(raw or ""), low, high)
    except (ValueError, rules.ScoreOutOfRange):
        return None


class VisitAnswersForm(forms.Form):
    """One optional 1–5 score and comment per active question, labelled in the reader's language."""

    def __init__(self, *args: Any, questions: list[ReturnVisitQuestion], language: str, staff: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"score_{question.id}"] = forms.TypedChoiceField(
                label=question.text_for(language), coerce=int, required=False, empty_value=None,
                choices=[("", "—"), *_score_choices(rules.CSAT_MIN, rules.CSAT_MAX)], widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("Choose a score from 1 to 5.")},
            )  # fmt: skip
            self.fields[f"comment_{question.id}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=COMMENT_CHARS,
                widget=forms.TextInput(
                    attrs={"aria-label": question.text_for(language), "placeholder": _("Comment (optional)")}
                ),
            )  # fmt: skip
        if staff:
            self.fields["notes"] = forms.CharField(
                label=_("Call notes"), required=False, max_length=COMMENT_CHARS,
                widget=forms.Textarea(attrs={"rows": 3}),
            )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not any(cleaned.get(f"score_{q.id}") for q in self.questions):
            raise forms.ValidationError(_("Score at least one question."))
        return cleaned

    def rows(self) -> list[tuple[ReturnVisitQuestion, forms.BoundField, forms.BoundField]]:
        return [(q, self[f"score_{q.id}"], self[f"comment_{q.id}"]) for q in self.questions]


class VisitCreateForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    scheduled_for = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    email_link = forms.BooleanField(
        label=_("Email the questionnaire to the contact now"), required=False,
        help_text=_("Leave unticked to record the answers yourself during a call."),
    )  # fmt: skip

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any):
        super().__init__(*args, **kwargs)
        contact_field = self.fields["contact"]
        assert isinstance(contact_field, forms.ModelChoiceField)
        contact_field.queryset = Contact.objects.filter(memberships__organisation=organisation).order_by("name")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("email_link") and not cleaned.get("contact"):
            self.add_error("contact", _("Choose a contact to email the questionnaire to."))
        return cleaned
