"""CSAT: a 1–5 rating asked once per ticket when it is resolved, answered by signed link or in the portal.

A low rating (at or below the configured threshold) notifies the lead of the ticket's team (admins when the team has
no lead), who can reopen the ticket with one button.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from upstream.accounts.models import Role, User
from upstream.core import clock
from upstream.core.errors import Conflict, Forbidden, InvalidInput
from upstream.customers.queries import preferred_language
from upstream.notifications.outbox import queue_email
from upstream.notifications.services import notify
from upstream.surveys import rules, tokens
from upstream.surveys.models import CsatSurvey, SurveySettings
from upstream.tickets import services as tickets
from upstream.tickets.models import Status, Ticket

log = logging.getLogger(__name__)

COMMENT_CHARS = 5000
# A ticket closed without passing through "resolved" (closed by the customer or in bulk) is asked too.
SURVEYED_STATUSES = (Status.RESOLVED, Status.CLOSED)


class AlreadyAnswered(Conflict):
    def __init__(self) -> None:
        super().__init__("this survey has already been answered")


def clean_comment(comment: str | None) -> str:
    text = (comment or "").replace("\x00", "").strip()
    if len(text) > COMMENT_CHARS:
        raise InvalidInput(f"the comment is longer than {COMMENT_CHARS} characters", field="comment")
    return text


def checked_score(score: object) -> int:
    try:
        return rules.check_csat(score)
    except rules.ScoreOutOfRange as exc:
        raise InvalidInput(str(exc), field="score") from None


@transaction.atomic
def send_survey(ticket_id: int, now: datetime | None = None) -> CsatSurvey | None:
    """Ask the requester of a just-resolved ticket for a rating (the task after `ticket.updated`).

    One survey per ticket: resolved again after a reopen, an answered survey is not asked twice; an unanswered one
    is sent again with a fresh date (the customer may have missed the first mail). None when nothing was sent."""
    now = now or clock.now()
    config = SurveySettings.current()
    if not config.csat_enabled:
        return None
    ticket = (
        Ticket.objects.select_related("requester__user", "organisation", "assignee", "team")
        .filter(id=ticket_id)
        .first()
    )
    if ticket is None or ticket.status not in SURVEYED_STATUSES or ticket.merged_into_id is not None:
        return None
    survey = CsatSurvey.objects.select_for_update().filter(ticket=ticket).first()
    if not rules.should_create_csat(None if survey is None else survey.is_answered):
        return None
    if survey is None:
        survey = CsatSurvey(ticket=ticket, contact=ticket.requester, organisation=ticket.organisation)
    survey.agent, survey.team, survey.sent_at = ticket.assignee, ticket.team, now
    survey.save()
    _email(survey, ticket)
    return survey


def _email(survey: CsatSurvey, ticket: Ticket) -> None:
    contact = ticket.requester
    language = preferred_language(contact, ticket.subject)
    choices = [(score, tokens.link("csat", survey.id, score=score)) for score in range(rules.CSAT_MAX, 0, -1)]
    context = {"ticket": ticket, "contact": contact, "choices": choices, "link": tokens.link("csat", survey.id)}
    with translation.override(language):
        subject = _("How did we do? %(ref)s %(subject)s") % {"ref": ticket.reference, "subject": ticket.subject}
        text = render_to_string("surveys/email/csat.txt", context).strip()
        html = render_to_string("surveys/email/csat.html", context)
    queue_email(
        to=[contact.email], subject=subject, text=text, html=html, ticket=ticket, language=language,
        auto_submitted="auto-generated",
    )  # fmt: skip


@transaction.atomic
def answer(survey: CsatSurvey, *, score: object, comment: str | None = "", by: User | None = None) -> CsatSurvey:
    """Record the customer's rating, once. Raises InvalidInput for a bad score, AlreadyAnswered on a second use."""
    value = checked_score(score)
    text = clean_comment(comment)
    locked = CsatSurvey.objects.select_for_update(of=("self",)).select_related("ticket", "team__lead").get(id=survey.id)
    if locked.answered_at is not None:
        raise AlreadyAnswered()
    locked.score, locked.comment, locked.answered_at, locked.answered_by = value, text, clock.now(), by
    locked.save(update_fields=["score", "comment", "answered_at", "answered_by"])
    if rules.is_low_csat(value, SurveySettings.current().csat_low_threshold):
        _notify_low_rating(locked)
    survey.score, survey.comment, survey.answered_at = locked.score, locked.comment, locked.answered_at
    return locked


def low_rating_recipients(survey: CsatSurvey) -> list[User]:
    """The lead of the ticket's team; the admins when there is no (active) lead."""
    lead = survey.team.lead if survey.team is not None else None
    if lead is not None and lead.is_active:
        return [lead]
    return list(User.objects.filter(is_active=True, role=Role.ADMIN).order_by("id"))


def _notify_low_rating(survey: CsatSurvey) -> None:
    url = reverse("tickets:detail", kwargs={"ref": survey.ticket.reference})
    for user in low_rating_recipients(survey):
        with translation.override(user.language or settings.LANGUAGE_CODE):
            text = _("Low rating %(score)s/5 on %(ref)s %(subject)s: %(comment)s") % {
                "score": survey.score, "ref": survey.ticket.reference, "subject": survey.ticket.subject,
                "comment": survey.comment or _("no comment"),
            }  # fmt: skip
        notify(user, text=text, ticket=survey.ticket, url=url)
    survey.lead_notified_at = clock.now()
    survey.save(update_fields=["lead_notified_at"])


def can_reopen(user: User, survey: CsatSurvey) -> bool:
    """Admins and the lead of the survey's team."""
    if user.is_admin:
        return True
    return user.is_staff_member and survey.team is not None and survey.team.lead_id == user.id


def reopen_blocker(survey: CsatSurvey, threshold: int) -> str:
    """Why the ticket of a rated survey cannot be reopened from it ("" when it can)."""
    if survey.score is None or not rules.is_low_csat(survey.score, threshold):
        return _("Only a low rating reopens a ticket.")
    if survey.reopened_at is not None:
        return _("The ticket was already reopened after this rating.")
    if survey.ticket.status != Status.RESOLVED:
        return _("Only a resolved ticket can be reopened; a closed ticket is final.")
    return ""


@transaction.atomic
def reopen(*, by: User, survey: CsatSurvey) -> CsatSurvey:
    """The lead's one button after a low rating: the ticket goes back to Open, assigned as it was."""
    if not can_reopen(by, survey):
        raise Forbidden("only the team lead or an admin can reopen a ticket after a rating")
    locked = CsatSurvey.objects.select_for_update().select_related("ticket").get(id=survey.id)
    problem = reopen_blocker(locked, SurveySettings.current().csat_low_threshold)
    if problem:
        raise Conflict(problem)
    tickets.change_status(by=by, ticket=locked.ticket, status=Status.OPEN)
    locked.reopened_at = clock.now()
    locked.save(update_fields=["reopened_at"])
    survey.reopened_at = locked.reopened_at
    return locked
