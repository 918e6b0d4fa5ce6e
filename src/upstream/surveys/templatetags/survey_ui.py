"""Survey figures in templates, and the survey panels the ticket pages load (`{% load survey_ui %}`)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from upstream.accounts.models import User
from upstream.surveys import csat, queries
from upstream.surveys.forms import CsatForm
from upstream.surveys.models import ReturnVisitQuestion, SurveySettings
from upstream.tickets.models import Ticket

register = template.Library()


@register.simple_tag
def csat_average(value: float | None) -> SafeString:
    """ "4.3" (out of 5), or a muted dash without ratings."""
    if value is None:
        return format_html('<span class="muted" title="{}">—</span>', _("no ratings"))
    return format_html("{}", number_format(value, 1))


@register.simple_tag
def nps_value(value: float | None) -> SafeString:
    if value is None:
        return format_html('<span class="muted">—</span>')
    css = "nps-good" if value >= 30 else "nps-bad" if value < 0 else "nps-ok"
    text = f"{value:+.0f}" if round(value) else "0"
    return format_html('<span class="{}">{}</span>', css, text)


@register.simple_tag
def percent_of(part: int, whole: int) -> str:
    """A CSS width: 0–100 with one decimal (dot), 0 for an empty whole."""
    return "0" if not whole else f"{100 * part / whole:.1f}"


@register.simple_tag
def question_text(question: ReturnVisitQuestion, language: str) -> str:
    return question.text_for(language)


@register.inclusion_tag("surveys/_csat_panel.html", takes_context=True)
def csat_panel(context: dict[str, Any], ticket: Ticket) -> dict[str, Any]:
    """The agent's ticket page: the customer's rating (or that one was asked), and the lead's reopen button."""
    user: User = context["user"]
    survey = queries.csat_for_ticket(ticket)
    threshold = SurveySettings.current().csat_low_threshold
    show_reopen = False
    if survey is not None and survey.score is not None and csat.can_reopen(user, survey):
        survey.ticket = ticket
        show_reopen = not csat.reopen_blocker(survey, threshold)
    return {
        "survey": survey, "threshold": threshold, "show_reopen": show_reopen,
        "low": survey is not None and survey.score is not None and survey.score <= threshold,
        "csrf_token": context.get("csrf_token"), "request": context.get("request"),
    }  # fmt: skip


@register.inclusion_tag("surveys/_csat_prompt.html", takes_context=True)
def csat_prompt(context: dict[str, Any], ticket: Ticket) -> dict[str, Any]:
    """The portal ticket page: "rate this ticket" for its requester once the survey was sent, or their rating."""
    user: User = context["user"]
    survey = queries.portal_survey(user, ticket) if user.is_authenticated else None
    if survey is not None and survey.answered_at is None and ticket.is_active:
        survey = None  # reopened: the customer is asked again once it is resolved
    return {"survey": survey, "ticket": ticket, "form": CsatForm(), "csrf_token": context.get("csrf_token")}
