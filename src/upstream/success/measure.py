"""What the health score is computed from, measured for many organisations at once.

Set-based: one grouped query per data source whatever the number of organisations (about ten in all), never a query
per organisation. The point rules live in the pure `health` module.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from django.db.models import Avg, Count, Max, Model, Q, QuerySet
from django.utils import timezone

from upstream.customers.models import ENTITLING_STATUSES, Contract, Organisation, Priority
from upstream.hours.queries import usage_by_contract
from upstream.sla.models import SlaEvent, SlaEventKind
from upstream.success import health
from upstream.success.models import Interaction
from upstream.surveys.models import CsatSurvey, NpsSurvey
from upstream.tickets import rules
from upstream.tickets.models import Message, MessageKind, Ticket

M = TypeVar("M", bound=Model)

# How far back "the last interaction" is looked for; older silence scores 0 points anyway (INTERACTION_COLD_DAYS).
INTERACTION_LOOKBACK_DAYS = 365


@dataclass(frozen=True)
class Measured:
    inputs: health.Inputs
    last_interaction_at: datetime | None
    renewal_contract_id: int | None
    renewal_on: date | None


def _scope(queryset: QuerySet[M], field: str, org_ids: list[int] | None) -> QuerySet[M]:
    return queryset if org_ids is None else queryset.filter(**{f"{field}__in": org_ids})


def _ticket_counts(now: datetime, org_ids: list[int] | None) -> dict[int, dict[str, int]]:
    recent_from = now - timedelta(days=health.TREND_RECENT_DAYS)
    baseline_from = recent_from - timedelta(days=health.TREND_BASELINE_DAYS)
    active = Q(status__in=rules.ACTIVE_STATUSES)
    rows = (
        _scope(Ticket.objects.all(), "organisation_id", org_ids)
        .filter(Q(created_at__gte=baseline_from) | (active & Q(priority__lte=Priority.P2)))
        .filter(merged_into__isnull=True)
        .values("organisation_id")
        .annotate(
            recent=Count("id", filter=Q(created_at__gte=recent_from)),
            baseline=Count("id", filter=Q(created_at__gte=baseline_from, created_at__lt=recent_from)),
            p1=Count("id", filter=active & Q(priority=Priority.P1)),
            p2=Count("id", filter=active & Q(priority=Priority.P2)),
        )
    )
    return {row["organisation_id"]: row for row in rows}


def _sla_breaches(now: datetime, org_ids: list[int] | None) -> dict[int, int]:
    rows = (
        _scope(SlaEvent.objects.all(), "ticket__organisation_id", org_ids)
        .filter(kind=SlaEventKind.BREACHED, at__gte=now - timedelta(days=health.SLA_WINDOW_DAYS))
        .values("ticket__organisation_id")
        .annotate(n=Count("id"))
    )
    return {row["ticket__organisation_id"]: row["n"] for row in rows}


def _csat(now: datetime, org_ids: list[int] | None) -> dict[int, tuple[float, int]]:
    rows = (
        _scope(CsatSurvey.objects.all(), "organisation_id", org_ids)
        .filter(answered_at__gte=now - timedelta(days=health.SURVEY_WINDOW_DAYS), score__isnull=False)
        .values("organisation_id")
        .annotate(average=Avg("score"), n=Count("id"))
    )
    return {row["organisation_id"]: (float(row["average"]), row["n"]) for row in rows}


def _nps(now: datetime, org_ids: list[int] | None) -> dict[int, tuple[float | None, int]]:
    rows = (
        _scope(NpsSurvey.objects.all(), "organisation_id", org_ids)
        .filter(answered_at__gte=now - timedelta(days=health.SURVEY_WINDOW_DAYS), score__isnull=False)
        .values("organisation_id")
        .annotate(
            promoters=Count("id", filter=Q(score__gte=9)),
            detractors=Count("id", filter=Q(score__lte=6)),
            n=Count("id"),
        )
    )
    return {
        row["organisation_id"]: (health.nps_from_counts(row["promoters"], row["detractors"], row["n"]), row["n"])
        for row in rows
    }


def last_interactions(now: datetime, org_ids: list[int] | None) -> dict[int, datetime]:
    """Each organisation's latest contact with the vendor: a logged interaction, a customer's message or a new
    ticket (three grouped queries)."""
    since = now - timedelta(days=INTERACTION_LOOKBACK_DAYS)
    latest: dict[int, datetime] = {}

    def merge(rows: Iterable[tuple[int, datetime | None]]) -> None:
        for org_id, at in rows:
            if at is not None and (org_id not in latest or at > latest[org_id]):
                latest[org_id] = at

    interactions = _scope(Interaction.objects.all(), "organisation_id", org_ids)
    merge(
        interactions.filter(happened_at__gte=since, happened_at__lte=now)
        .values("organisation_id")
        .annotate(at=Max("happened_at"))
        .values_list("organisation_id", "at")
    )
    messages = _scope(Message.objects.all(), "ticket__organisation_id", org_ids)
    merge(
        messages.filter(created_at__gte=since, author_contact__isnull=False, kind=MessageKind.PUBLIC)
        .values("ticket__organisation_id")
        .annotate(at=Max("created_at"))
        .values_list("ticket__organisation_id", "at")
    )
    tickets = _scope(Ticket.objects.all(), "organisation_id", org_ids)
    merge(
        tickets.filter(created_at__gte=since)
        .values("organisation_id")
        .annotate(at=Max("created_at"))
        .values_list("organisation_id", "at")
    )
    return latest


def renewals(today: date, org_ids: list[int] | None) -> tuple[dict[int, tuple[int, date]], dict[int, list[int]]]:
    """Per organisation: the renewal date, i.e. the end of the entitling contract that ends last (a renewal already
    signed, starting later, moves it out), and the ids of the contracts entitling today (whose prepaid hours count)."""
    contracts = _scope(Contract.objects.all(), "organisation_id", org_ids)
    rows = (
        contracts.filter(status__in=ENTITLING_STATUSES, ends_on__gte=today)
        .order_by("organisation_id", "ends_on", "id")
        .values_list("id", "organisation_id", "starts_on", "ends_on")
    )
    renewal: dict[int, tuple[int, date]] = {}
    entitling: dict[int, list[int]] = defaultdict(list)
    for contract_id, org_id, starts_on, ends_on in rows:
        if starts_on <= today:
            entitling[org_id].append(contract_id)
        renewal[org_id] = (contract_id, ends_on)  # ordered by end: the last one wins
    # Only a customer entitled today has a renewal ahead; one whose next contract has not started is in a gap.
    return {org: r for org, r in renewal.items() if org in entitling}, entitling


def _hours_percent(entitling: dict[int, list[int]]) -> dict[int, float]:
    usage = usage_by_contract(cid for ids in entitling.values() for cid in ids)
    percent: dict[int, float] = {}
    for org_id, ids in entitling.items():
        prepaid = sum(usage[c].prepaid_minutes for c in ids if c in usage)
        used = sum(usage[c].used_minutes for c in ids if c in usage)
        if prepaid > 0:
            percent[org_id] = used * 100 / prepaid
    return percent


def measure(now: datetime, org_ids: list[int] | None = None) -> dict[int, Measured]:
    """The health inputs of every organisation (or those in `org_ids`), as of `now`."""
    today = timezone.localdate(now)
    organisations = _scope(Organisation.objects.all(), "id", org_ids)
    created = dict(organisations.values_list("id", "created_at"))
    tickets = _ticket_counts(now, org_ids)
    breaches = _sla_breaches(now, org_ids)
    csat = _csat(now, org_ids)
    nps = _nps(now, org_ids)
    last = last_interactions(now, org_ids)
    renewal, entitling = renewals(today, org_ids)
    hours = _hours_percent(entitling)
    result: dict[int, Measured] = {}
    for org_id, created_at in created.items():
        counts = tickets.get(org_id, {})
        # With nothing in the look-back window, silence is counted from when the organisation was added (a new
        # customer is not "silent for a year" on day one).
        last_at = last.get(org_id) or max(created_at, now - timedelta(days=INTERACTION_LOOKBACK_DAYS))
        csat_average, csat_answers = csat.get(org_id, (None, 0))
        nps_value, nps_answers = nps.get(org_id, (None, 0))
        contract = renewal.get(org_id)
        result[org_id] = Measured(
            inputs=health.Inputs(
                tickets_recent=counts.get("recent", 0),
                tickets_baseline=counts.get("baseline", 0),
                open_p1=counts.get("p1", 0),
                open_p2=counts.get("p2", 0),
                sla_breaches=breaches.get(org_id, 0),
                csat_average=csat_average,
                csat_answers=csat_answers,
                nps=nps_value,
                nps_answers=nps_answers,
                days_since_interaction=max(0, (today - timezone.localdate(last_at)).days),
                days_to_renewal=None if contract is None else (contract[1] - today).days,
                hours_percent_used=hours.get(org_id),
            ),
            last_interaction_at=last.get(org_id),
            renewal_contract_id=None if contract is None else contract[0],
            renewal_on=None if contract is None else contract[1],
        )
    return result
