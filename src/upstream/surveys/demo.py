"""Demo surveys for `upstream generate --demo`: ratings on the resolved demo tickets, a few months of NPS answers,
and return visits (one answered, one to do). Deterministic; does nothing when answered surveys exist already."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from upstream.accounts.models import User
from upstream.customers.models import ENTITLING_STATUSES, Membership, Organisation
from upstream.surveys.models import (
    CsatSurvey,
    NpsSurvey,
    ReturnVisit,
    ReturnVisitAnswer,
    ReturnVisitQuestion,
    VisitReason,
)
from upstream.tickets.models import Status, Ticket

CSAT_WEIGHTS = {5: 46, 4: 28, 3: 12, 2: 8, 1: 6}
CSAT_COMMENTS = {
    5: ["Fast and very clear, thank you!", "问题解决得很快，非常感谢！", "Great follow-up."],
    4: ["Good, but it took a day to get a first answer.", "回复很专业。"],
    3: ["OK in the end.", "解决了，但沟通来回好几次。"],
    2: ["I had to explain the problem three times.", "响应太慢了。"],
    1: ["The workaround broke our staging cluster.", "问题没有真正解决。"],
}
NPS_WEIGHTS = {10: 20, 9: 22, 8: 18, 7: 12, 6: 8, 5: 6, 4: 4, 3: 4, 2: 3, 1: 2, 0: 1}
NPS_COMMENTS = ["Reliable product, responsive team.", "价格有点高，但服务不错。", "Docs could be better.", ""]


def _weighted(rng: random.Random, weights: dict[int, int]) -> int:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@transaction.atomic
def load_surveys_demo(*, now: datetime) -> int:
    """Returns how many survey rows were written (0 when demo answers exist already)."""
    if CsatSurvey.objects.filter(answered_at__isnull=False).exists():
        return 0
    rng = random.Random(20261124)
    return _csat(rng, now) + _nps(rng, now) + _visits(rng, now)


def _csat(rng: random.Random, now: datetime) -> int:
    tickets = (
        Ticket.objects.filter(status__in=[Status.RESOLVED, Status.CLOSED], merged_into__isnull=True)
        .select_related("requester", "organisation")
        .order_by("id")
    )
    written = 0
    for ticket in tickets:
        sent_at = ticket.resolved_at or ticket.closed_at or now
        survey, _created = CsatSurvey.objects.get_or_create(
            ticket=ticket,
            defaults={"contact": ticket.requester, "organisation": ticket.organisation, "agent_id": ticket.assignee_id,
                      "team_id": ticket.team_id, "sent_at": sent_at},
        )  # fmt: skip
        survey.sent_at = sent_at
        if rng.random() < 0.7:  # about seven in ten customers answer
            survey.score = _weighted(rng, CSAT_WEIGHTS)
            survey.comment = rng.choice(CSAT_COMMENTS[survey.score]) if rng.random() < 0.6 else ""
            survey.answered_at = min(now, sent_at + timedelta(hours=rng.randint(1, 72)))
        survey.save()
        written += 1
    return written


def _nps(rng: random.Random, now: datetime) -> int:
    today = timezone.localdate(now)
    memberships = (
        Membership.objects.filter(
            organisation__contracts__status__in=ENTITLING_STATUSES,
            organisation__contracts__ends_on__gte=today,
        )
        .select_related("contact", "organisation")
        .distinct()
        .order_by("contact_id", "organisation__name")
    )
    rows: list[NpsSurvey] = []
    seen: set[int] = set()
    for membership in memberships:
        if membership.contact_id in seen:
            continue
        seen.add(membership.contact_id)
        for months_ago in (8, 5, 2):
            sent_at = now - timedelta(days=30 * months_ago + rng.randint(0, 20))
            answered = rng.random() < 0.65
            score = _weighted(rng, NPS_WEIGHTS) if answered else None
            rows.append(
                NpsSurvey(
                    contact=membership.contact,
                    organisation=membership.organisation,
                    sent_at=sent_at,
                    score=score,
                    comment=rng.choice(NPS_COMMENTS) if answered else "",
                    answered_at=sent_at + timedelta(hours=rng.randint(2, 96)) if answered else None,
                )
            )
    NpsSurvey.objects.bulk_create(rows)
    return len(rows)


def _visits(rng: random.Random, now: datetime) -> int:
    questions = list(ReturnVisitQuestion.objects.filter(active=True).order_by("position"))
    organisations = list(Organisation.objects.order_by("name")[:3])
    manager = User.objects.filter(username="james").first() or User.objects.filter(role="admin").first()
    written = 0
    for index, organisation in enumerate(organisations):
        contact = Membership.objects.filter(organisation=organisation).order_by("-is_admin", "id").first()
        completed = index < 2
        visit = ReturnVisit.objects.create(
            organisation=organisation, contact=contact.contact if contact else None,
            account_manager=organisation.account_manager or manager,
            reason=VisitReason.ONBOARDING if index == 0 else VisitReason.ON_DEMAND,
            scheduled_for=timezone.localdate(now) - timedelta(days=40 - 15 * index),
            sent_at=now - timedelta(days=40 - 15 * index) if index != 1 else None,
            completed_at=now - timedelta(days=35 - 15 * index) if completed else None,
            completed_by=manager if index == 1 else None,
            notes="电话回访：客户对安装过程满意，希望文档增加离线部署说明。" if index == 1 else "",
        )  # fmt: skip
        written += 1
        if completed:
            ReturnVisitAnswer.objects.bulk_create(
                ReturnVisitAnswer(
                    visit=visit,
                    question=q,
                    dimension=q.dimension,
                    question_text=q.text_en,
                    score=rng.choice([3, 4, 4, 5, 5]) if q.dimension != "documentation" else rng.choice([2, 3, 4]),
                    comment="离线安装文档不够详细" if q.dimension == "documentation" and rng.random() < 0.5 else "",
                )
                for q in questions
            )
    return written
