"""Who sees which survey results, and the figures the pages show (each a fixed number of queries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, Max, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from upstream.accounts.models import User
from upstream.core.errors import NotFound
from upstream.customers.queries import contact_of
from upstream.surveys import rules
from upstream.surveys.models import CsatSurvey, Dimension, NpsSurvey, ReturnVisit, ReturnVisitAnswer
from upstream.tickets.models import Ticket


def led_team_ids(user: User) -> list[int]:
    return list(user.led_teams.values_list("id", flat=True))


def visible_csat(user: User) -> QuerySet[CsatSurvey]:
    """Admins see every rating; a team lead their teams' ratings and their own; an agent their own; customers none
    here (they see their own rating on their ticket)."""
    if not user.is_authenticated or not user.is_staff_member:
        return CsatSurvey.objects.none()
    if user.is_admin:
        return CsatSurvey.objects.all()
    return CsatSurvey.objects.filter(Q(agent=user) | Q(team_id__in=led_team_ids(user)))


def is_lead_or_admin(user: User) -> bool:
    return user.is_admin or (user.is_staff_member and user.led_teams.exists())


def answered_between(surveys: QuerySet[CsatSurvey], start: date | None, end: date | None) -> QuerySet[CsatSurvey]:
    """Answered surveys whose answer falls on `start`..`end` (inclusive local dates)."""
    found = surveys.filter(answered_at__isnull=False)
    if start is not None:
        found = found.filter(answered_at__gte=_local_midnight(start))
    if end is not None:
        found = found.filter(answered_at__lt=_local_midnight(end + timedelta(days=1)))
    return found


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


@dataclass
class AgentFigures:
    agent_id: int | None
    name: str
    count: int
    average: float | None
    distribution: list[int] = field(default_factory=list)  # counts of 1, 2, 3, 4, 5

    @property
    def distribution_pairs(self) -> list[tuple[int, int]]:
        return list(zip(range(rules.CSAT_MIN, rules.CSAT_MAX + 1), self.distribution, strict=True))


def _distribution_aggregates() -> dict[str, Any]:
    return {f"s{n}": Count("id", filter=Q(score=n)) for n in range(rules.CSAT_MIN, rules.CSAT_MAX + 1)}


def per_agent(answered: QuerySet[CsatSurvey]) -> list[AgentFigures]:
    """Average, count and distribution per agent, best average first; one query."""
    rows = (
        answered.values("agent_id", "agent__full_name", "agent__username")
        .annotate(count=Count("id"), average=Avg("score"), **_distribution_aggregates())
        .order_by("-average", "agent__full_name", "agent_id")
    )
    return [
        AgentFigures(
            agent_id=row["agent_id"],
            name=row["agent__full_name"] or row["agent__username"] or "",
            count=row["count"],
            average=round(float(row["average"]), 2) if row["average"] is not None else None,
            distribution=[row[f"s{n}"] for n in range(rules.CSAT_MIN, rules.CSAT_MAX + 1)],
        )
        for row in rows
    ]


def overall(answered: QuerySet[CsatSurvey]) -> AgentFigures:
    row = answered.aggregate(count=Count("id"), average=Avg("score"), **_distribution_aggregates())
    return AgentFigures(
        agent_id=None,
        name="",
        count=row["count"],
        average=round(float(row["average"]), 2) if row["average"] is not None else None,
        distribution=[row[f"s{n}"] for n in range(rules.CSAT_MIN, rules.CSAT_MAX + 1)],
    )


def recent_responses(answered: QuerySet[CsatSurvey], limit: int = 15) -> QuerySet[CsatSurvey]:
    return answered.select_related("ticket", "agent", "contact", "organisation").order_by("-answered_at", "-id")[:limit]


def csat_for_ticket(ticket: Ticket) -> CsatSurvey | None:
    return CsatSurvey.objects.filter(ticket=ticket).select_related("agent", "team").first()


def portal_survey(user: User, ticket: Ticket) -> CsatSurvey | None:
    """The survey the signed-in requester may answer or see on their own ticket (never a colleague's)."""
    contact = contact_of(user)
    if contact is None:
        return None
    return CsatSurvey.objects.filter(ticket=ticket, contact=contact).first()


# --- NPS ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NpsMonth:
    month: date
    figures: rules.NpsFigures


def nps_trend(organisation_id: int, months: int = 12, now: datetime | None = None) -> list[NpsMonth]:
    """Monthly NPS of an organisation (answered surveys, by month of the answer), oldest first; one query."""
    now = now or timezone.now()
    since = (timezone.localdate(now).replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    rows = (
        NpsSurvey.objects.filter(organisation_id=organisation_id, answered_at__gte=_local_midnight(since))
        .annotate(month=TruncMonth("answered_at"))
        .values("month")
        .annotate(**_nps_aggregates())
        .order_by("month")
    )
    return [NpsMonth(_as_date(row["month"]), _figures(row)) for row in rows]


def _nps_aggregates() -> dict[str, Any]:
    return {
        "responses": Count("id", filter=Q(score__isnull=False)),
        "promoters": Count("id", filter=Q(score__gte=rules.PROMOTER_FROM)),
        "detractors": Count("id", filter=Q(score__lte=rules.DETRACTOR_UNTIL)),
    }


def _figures(row: dict[str, Any]) -> rules.NpsFigures:
    passives = row["responses"] - row["promoters"] - row["detractors"]
    return rules.NpsFigures(row["responses"], row["promoters"], passives, row["detractors"])


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class OrganisationNps:
    organisation_id: int
    name: str
    figures: rules.NpsFigures
    last_answer: datetime | None


def nps_by_organisation(since: datetime | None = None) -> list[OrganisationNps]:
    """NPS per organisation over answered surveys (since a moment, or ever), most responses first; one query."""
    answered = NpsSurvey.objects.filter(answered_at__isnull=False)
    if since is not None:
        answered = answered.filter(answered_at__gte=since)
    rows = (
        answered.values("organisation_id", "organisation__name")
        .annotate(**_nps_aggregates(), last_answer=Max("answered_at"))
        .order_by("-responses", "organisation__name")
    )
    return [
        OrganisationNps(row["organisation_id"], row["organisation__name"], _figures(row), row["last_answer"])
        for row in rows
    ]


def nps_responses(organisation_id: int, limit: int = 30) -> QuerySet[NpsSurvey]:
    return (
        NpsSurvey.objects.filter(organisation_id=organisation_id, answered_at__isnull=False)
        .select_related("contact")
        .order_by("-answered_at", "-id")[:limit]
    )


# --- return visits ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionResult:
    dimension: str
    label: str
    average: float | None
    answers: int


def results_by_dimension(answers: QuerySet[ReturnVisitAnswer]) -> list[DimensionResult]:
    """Average score per dimension, in the dimensions' order (those without answers too); one query."""
    rows = {
        row["dimension"]: row
        for row in answers.values("dimension").annotate(average=Avg("score"), answers=Count("id")).order_by()
    }
    return [
        DimensionResult(
            dimension.value,
            str(dimension.label),
            round(float(rows[dimension.value]["average"]), 2) if dimension.value in rows else None,
            rows[dimension.value]["answers"] if dimension.value in rows else 0,
        )
        for dimension in Dimension
    ]


def organisation_visits(organisation_id: int) -> QuerySet[ReturnVisit]:
    return (
        ReturnVisit.objects.filter(organisation_id=organisation_id)
        .select_related("contact", "account_manager")
        .annotate(answer_count=Count("answers"))
        .order_by("-scheduled_for", "-id")
    )


def access_visit(user: User, visit_id: int) -> ReturnVisit:
    """Staff only: a visit is the vendor's working record."""
    if not user.is_authenticated or not user.is_staff_member:
        raise NotFound("no such return visit")
    visit = (
        ReturnVisit.objects.select_related("organisation", "contact", "account_manager", "completed_by")
        .filter(id=visit_id)
        .first()
    )
    if visit is None:
        raise NotFound("no such return visit")
    return visit


def open_visits() -> QuerySet[ReturnVisit]:
    """Visits not answered yet, oldest date first (the account managers' to-do list)."""
    return (
        ReturnVisit.objects.filter(completed_at__isnull=True)
        .select_related("organisation", "contact", "account_manager")
        .order_by("scheduled_for", "id")
    )
