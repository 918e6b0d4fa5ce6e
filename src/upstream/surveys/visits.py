"""Return visits (回访): a follow-up interview over four dimensions (catalogue, product, documentation, service).

Scheduled automatically N days (a setting) after an organisation's first non-trial contract starts, by the daily
job, or on demand by staff (the account manager) from the organisation's page. The contact answers through a signed
link in their language, or the account manager records the answers during a phone call. Each question is scored
1–5 with an optional comment; a question may be skipped, but a visit needs at least one score.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Min, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from upstream.accounts.models import User
from upstream.core import clock
from upstream.core.errors import Conflict, Forbidden, InvalidInput
from upstream.customers.models import Contact, ContractStatus, Membership, Organisation
from upstream.customers.queries import preferred_language
from upstream.notifications.outbox import queue_email
from upstream.notifications.services import notify
from upstream.surveys import rules, tokens
from upstream.surveys.csat import AlreadyAnswered, clean_comment
from upstream.surveys.models import (
    ReturnVisit,
    ReturnVisitAnswer,
    ReturnVisitQuestion,
    SurveySettings,
    VisitReason,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnswerInput:
    question_id: int
    score: object  # None or "" = skipped; anything else must be 1–5
    comment: str = ""


def active_questions() -> list[ReturnVisitQuestion]:
    return list(ReturnVisitQuestion.objects.filter(active=True).order_by("position", "id"))


def default_contact(organisation: Organisation) -> Contact | None:
    """Whom to ask: the organisation's admin contact, else its longest-standing member."""
    membership = (
        Membership.objects.filter(organisation=organisation)
        .select_related("contact__user")
        .order_by("-is_admin", "contact__created_at", "contact_id")
        .first()
    )
    return membership.contact if membership else None


def schedule_onboarding(now: datetime | None = None) -> int:
    """The daily job: an onboarding visit for each organisation whose first non-trial contract started the
    configured number of days ago (within a grace window). The link goes to the contact at once, and the account
    manager is told. Returns how many visits were created."""
    now = now or clock.now()
    config = SurveySettings.current()
    if not config.return_visits_enabled:
        return 0
    today = timezone.localdate(now)
    latest_start = today - timedelta(days=config.return_visit_after_days)
    earliest_start = latest_start - timedelta(days=rules.ONBOARDING_GRACE_DAYS)
    already = ReturnVisit.objects.filter(organisation_id=OuterRef("pk"), reason=VisitReason.ONBOARDING)
    candidates = (
        Organisation.objects.exclude(Exists(already))
        .annotate(
            first_start=Min("contracts__starts_on", filter=~Q(contracts__status=ContractStatus.TRIAL)),
        )
        .filter(first_start__gte=earliest_start, first_start__lte=latest_start)
        .select_related("account_manager")
        .order_by("id")
    )
    created = 0
    for organisation in candidates:
        first_start: date = getattr(organisation, "first_start")  # noqa: B009 (annotation)
        if not rules.onboarding_visit_due(first_start, today, config.return_visit_after_days):
            continue
        _create_onboarding(organisation, rules.onboarding_visit_date(first_start, config.return_visit_after_days))
        created += 1
    return created


@transaction.atomic
def _create_onboarding(organisation: Organisation, scheduled_for: date) -> ReturnVisit:
    visit = ReturnVisit.objects.create(
        organisation=organisation, contact=default_contact(organisation),
        account_manager=organisation.account_manager, reason=VisitReason.ONBOARDING, scheduled_for=scheduled_for,
    )  # fmt: skip
    if visit.contact is not None:
        send_link(visit)
    if organisation.account_manager is not None and organisation.account_manager.is_active:
        manager = organisation.account_manager
        with translation.override(manager.language or settings.LANGUAGE_CODE):
            text = _("Onboarding return visit due for %(org)s: call them or wait for their answers.") % {
                "org": organisation.name
            }
        notify(manager, text=text, url=reverse("surveys:visit", kwargs={"visit_id": visit.id}))
    return visit


def _check_staff(by: User) -> None:
    if not by.is_staff_member:
        raise Forbidden("only staff can manage return visits")


@transaction.atomic
def create_visit(
    *, by: User, organisation: Organisation, contact: Contact | None, scheduled_for: date, email_link: bool
) -> ReturnVisit:
    """An on-demand visit by staff. `email_link` sends the signed questionnaire to the contact now; otherwise the
    account manager records the answers (a phone call)."""
    _check_staff(by)
    if contact is not None and not Membership.objects.filter(contact=contact, organisation=organisation).exists():
        raise InvalidInput("the contact does not belong to this organisation", field="contact")
    if email_link and contact is None:
        raise InvalidInput("choose a contact to email the questionnaire to", field="contact")
    visit = ReturnVisit.objects.create(
        organisation=organisation, contact=contact, account_manager=organisation.account_manager or by,
        reason=VisitReason.ON_DEMAND, scheduled_for=scheduled_for,
    )  # fmt: skip
    if email_link:
        send_link(visit)
    return visit


def send_link(visit: ReturnVisit) -> None:
    """Email the signed questionnaire to the visit's contact, in their language."""
    contact = visit.contact
    if contact is None or not contact.email:
        raise InvalidInput("the visit has no contact with an email address", field="contact")
    language = preferred_language(contact)
    context = {"contact": contact, "organisation": visit.organisation, "link": tokens.link("visit", visit.id)}
    with translation.override(language):
        subject = _("A few questions about your experience with us")
        text = render_to_string("surveys/email/visit.txt", context).strip()
        html = render_to_string("surveys/email/visit.html", context)
    queue_email(to=[contact.email], subject=subject, text=text, html=html, language=language,
                auto_submitted="auto-generated")  # fmt: skip
    visit.sent_at = clock.now()
    visit.save(update_fields=["sent_at"])


def _checked_answers(answers: Sequence[AnswerInput]) -> list[ReturnVisitAnswer]:
    """Every answer validated before anything is saved: one bad score refuses the whole submission."""
    questions = {q.id: q for q in ReturnVisitQuestion.objects.filter(id__in=[a.question_id for a in answers])}
    rows: list[ReturnVisitAnswer] = []
    for item in answers:
        question = questions.get(item.question_id)
        if question is None:
            raise InvalidInput(f"no question {item.question_id}", field="answers")
        if item.score is None or item.score == "":
            continue
        try:
            score = rules.check_csat(item.score)
        except rules.ScoreOutOfRange as exc:
            raise InvalidInput(f"{question.text_en}: {exc}", field=f"score_{question.id}") from None
        rows.append(
            ReturnVisitAnswer(
                question=question,
                dimension=question.dimension,
                question_text=question.text_en,
                score=score,
                comment=clean_comment(item.comment),
            )
        )
    if not rows:
        raise InvalidInput("score at least one question", field="answers")
    return rows


@transaction.atomic
def record_answers(
    visit: ReturnVisit, answers: Sequence[AnswerInput], *, by: User | None, notes: str = ""
) -> ReturnVisit:
    """The contact's answers through the link (`by=None`), or staff recording a phone call; once."""
    if by is not None:
        _check_staff(by)
    rows = _checked_answers(answers)
    locked = ReturnVisit.objects.select_for_update().get(id=visit.id)
    if locked.completed_at is not None:
        raise AlreadyAnswered()
    for row in rows:
        row.visit = locked
    ReturnVisitAnswer.objects.bulk_create(rows)
    locked.completed_at, locked.completed_by = clock.now(), by
    locked.notes = clean_comment(notes) if by is not None else locked.notes
    locked.save(update_fields=["completed_at", "completed_by", "notes"])
    visit.completed_at = locked.completed_at
    return locked


@transaction.atomic
def cancel(*, by: User, visit: ReturnVisit) -> None:
    """Staff remove a visit that has not been answered (scheduled by mistake, customer declined)."""
    _check_staff(by)
    locked = ReturnVisit.objects.select_for_update().get(id=visit.id)
    if locked.completed_at is not None:
        raise Conflict("an answered visit is kept")
    locked.delete()
