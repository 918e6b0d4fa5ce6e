"""NPS: a periodic 0–10 "would you recommend us?" survey per contact, answered by signed link.

The daily job asks contacts of organisations with an entitling contract today, whose email is not known to bounce,
and who were not asked within the configured gap (the cadence, and never less than the minimum days between
surveys). A contact in several such organisations is asked about the first of them (by name), once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from upstream.core import clock
from upstream.core.errors import InvalidInput
from upstream.customers.models import ENTITLING_STATUSES, Contact, Contract, Membership
from upstream.customers.queries import preferred_language
from upstream.notifications.models import EmailAddressState
from upstream.notifications.outbox import queue_email
from upstream.surveys import rules, tokens
from upstream.surveys.csat import AlreadyAnswered, clean_comment
from upstream.surveys.models import NpsSurvey, SurveySettings

log = logging.getLogger(__name__)

# Contacts asked per run: a large customer base is spread over a few days instead of one burst of mail.
BATCH = 500


def due_contacts(now: datetime, config: SurveySettings, limit: int = BATCH) -> QuerySet[Contact]:
    """Contacts to ask now, each annotated with `nps_organisation_id` (the organisation the survey is about)."""
    today = timezone.localdate(now)
    entitled = Contract.objects.filter(
        organisation_id=OuterRef("organisation_id"),
        status__in=ENTITLING_STATUSES,
        starts_on__lte=today,
        ends_on__gte=today,
    )
    eligible_memberships = (
        Membership.objects.filter(contact_id=OuterRef("pk"))
        .filter(Exists(entitled))
        .order_by("organisation__name", "organisation_id")
    )
    recently_asked = NpsSurvey.objects.filter(
        contact_id=OuterRef("pk"),
        sent_at__gt=rules.nps_due_since(now, config.nps_cadence_days, config.nps_min_days_between),
    )
    bouncing = EmailAddressState.objects.filter(email=Lower(OuterRef("email")), undeliverable=True)
    return (
        Contact.objects.annotate(nps_organisation_id=Subquery(eligible_memberships.values("organisation_id")[:1]))
        .filter(nps_organisation_id__isnull=False)
        .exclude(email="")
        .exclude(Exists(recently_asked))
        .exclude(Exists(bouncing))
        .select_related("user")
        .order_by("id")[:limit]
    )


def send_due(now: datetime | None = None) -> int:
    """The daily job: one survey (and one email) per due contact. Returns how many were sent."""
    now = now or clock.now()
    config = SurveySettings.current()
    if not config.nps_enabled:
        return 0
    sent = 0
    for contact in due_contacts(now, config):
        if _send_one(contact, getattr(contact, "nps_organisation_id"), now, config):  # noqa: B009 (annotation)
            sent += 1
    return sent


@transaction.atomic
def _send_one(contact: Contact, organisation_id: int, now: datetime, config: SurveySettings) -> NpsSurvey | None:
    # Re-checked under a lock on the contact: two overlapping runs must not both ask the same person.
    Contact.objects.select_for_update().filter(id=contact.id).first()
    last = NpsSurvey.objects.filter(contact=contact).order_by("-sent_at").values_list("sent_at", flat=True).first()
    if not rules.nps_due(last, now, config.nps_cadence_days, config.nps_min_days_between):
        return None
    survey = NpsSurvey.objects.create(contact=contact, organisation_id=organisation_id, sent_at=now)
    language = preferred_language(contact)
    context = {
        "contact": contact,
        "organisation": survey.organisation,
        "choices": [(score, tokens.link("nps", survey.id, score=score)) for score in range(rules.NPS_MIN, 11)],
        "link": tokens.link("nps", survey.id),
        "site_name": getattr(settings, "SITE_NAME", "Upstream"),
    }
    with translation.override(language):
        subject = _("How likely are you to recommend us?")
        text = render_to_string("surveys/email/nps.txt", context).strip()
        html = render_to_string("surveys/email/nps.html", context)
    queue_email(to=[contact.email], subject=subject, text=text, html=html, language=language,
                auto_submitted="auto-generated")  # fmt: skip
    return survey


def checked_score(score: object) -> int:
    try:
        return rules.check_nps(score)
    except rules.ScoreOutOfRange as exc:
        raise InvalidInput(str(exc), field="score") from None


@transaction.atomic
def answer(survey: NpsSurvey, *, score: object, comment: str | None = "") -> NpsSurvey:
    """Record the contact's answer, once."""
    value = checked_score(score)
    text = clean_comment(comment)
    locked = NpsSurvey.objects.select_for_update().get(id=survey.id)
    if locked.answered_at is not None:
        raise AlreadyAnswered()
    locked.score, locked.comment, locked.answered_at = value, text, clock.now()
    locked.save(update_fields=["score", "comment", "answered_at"])
    survey.score, survey.comment, survey.answered_at = locked.score, locked.comment, locked.answered_at
    return locked
