"""Keeping `TicketFact` right: per-ticket refresh on ticket events, a periodic catch-up, and a full rebuild.

One function computes fact rows (`compute_rows`): a handful of set-based queries per batch of tickets (tickets joined
to their contract, SLA record and answered CSAT survey; the batch's status changes; the SLA policies), then the
business-time arithmetic of the SLA engine in Python (about 3 µs a call). The event handler, the catch-up and the
rebuild all go through it, so a fact row never depends on which path wrote it. Writing replaces the batch's rows in
one transaction (COPY on PostgreSQL for large batches), so readers never see a half-written batch and no row is locked
for long: a rebuild runs while the dashboards stay up.
"""

from __future__ import annotations

import logging
import time as timer
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from upstream.analytics import columns
from upstream.analytics.metrics import seconds_between
from upstream.analytics.models import MaintenanceState, TicketFact, Verdict
from upstream.core import clock
from upstream.sla import calendar as engine
from upstream.sla.history import PolicyBook
from upstream.sla.models import Metric, SlaPolicy
from upstream.tickets import rules
from upstream.tickets.models import Activity, Ticket

log = logging.getLogger(__name__)

BATCH = 10_000
COPY_FROM = 500  # rows: below this, bulk_create; above, COPY (PostgreSQL)
# A ticket changed this close before the watermark is read again: the clock of the writer may lag ours a little.
CATCH_UP_OVERLAP = timedelta(minutes=2)
REOPEN_FROM = {rules.StatusValue.RESOLVED.value, rules.StatusValue.CLOSED.value}
ACTIVE = {str(s) for s in rules.ACTIVE_STATUSES}

FACT_COLUMNS = (
    "ticket_id", "created_at", "first_responded_at", "resolved_at", "status", "is_active", "team_id", "assignee_id",
    "organisation_id", "plan_id", "product_id", "channel", "category", "priority", "first_response_seconds",
    "first_response_business_seconds", "resolution_seconds", "resolution_business_seconds", "sla_first_response",
    "sla_next_response", "sla_resolution", "reopen_count", "csat_score", "csat_answered_at", "refreshed_at",
)  # fmt: skip
TICKET_FIELDS = (
    "id", "created_at", "first_responded_at", "resolved_at", "status", "team_id", "assignee_id", "organisation_id",
    "contract__plan_id", "product_id", "channel", "category", "priority", "organisation__time_zone", "sla__metrics",
    "csat__score", "csat__answered_at",
)  # fmt: skip


def verdict(metrics: dict[str, Any] | None, metric: str) -> int | None:
    """The SLA engine's verdict on the ticket's current cycle of `metric`: breached when the engine says so (late, or
    open past due), met when fulfilled in time, otherwise none (running, paused, no cycle, no target)."""
    snap = (metrics or {}).get(metric) or {}
    if snap.get("breached"):
        return Verdict.BREACHED
    if snap.get("state") == "fulfilled":
        return Verdict.MET
    return None


class Calendars:
    """The business calendar each metric of a ticket counts on: the ticket's SLA policy's calendar for that metric
    (plan × priority, else the fallback policy), read in the customer's zone when the policy says so; around the clock
    when no policy applies. Built once per (policy, metric, zone)."""

    def __init__(self, plan_ids: Iterable[int | None]) -> None:
        self.book = PolicyBook.load(plan_ids)
        self._cache: dict[tuple[int | None, str, str], engine.BusinessCalendar] = {}

    def for_ticket(self, plan_id: int | None, priority: int, metric: str, zone: str) -> engine.BusinessCalendar:
        policy: SlaPolicy | None = self.book.model(plan_id, priority)
        key = (policy.pk if policy else None, metric, zone)
        if key not in self._cache:
            if policy is None:
                self._cache[key] = engine.BusinessCalendar.around_the_clock("UTC")
            else:
                self._cache[key] = policy.engine_for(metric, customer_time_zone=zone)
        return self._cache[key]


def business_seconds(calendar: engine.BusinessCalendar, start: datetime, end: datetime | None) -> int | None:
    if end is None:
        return None
    return max(0, calendar.between(start, end))


def reopen_counts(ticket_ids: Sequence[int]) -> Counter[int]:
    """How often each ticket went from resolved or closed back to an active status."""
    counts: Counter[int] = Counter()
    rows = Activity.objects.filter(ticket_id__in=ticket_ids, field="status").values_list("ticket_id", "before", "after")
    for ticket_id, before, after in rows.iterator(chunk_size=5000):
        if before in REOPEN_FROM and after in ACTIVE:
            counts[ticket_id] += 1
    return counts


def compute_rows(ticket_ids: Sequence[int], now: datetime) -> list[tuple[Any, ...]]:
    """The fact rows of these tickets (merged duplicates have none), in FACT_COLUMNS order."""
    if not ticket_ids:
        return []
    tickets = list(
        Ticket.objects.filter(id__in=ticket_ids, merged_into__isnull=True).order_by("id").values_list(*TICKET_FIELDS)
    )
    reopens = reopen_counts(ticket_ids)
    calendars = Calendars({row[8] for row in tickets})
    rows: list[tuple[Any, ...]] = []
    for (
        ticket_id, created, first, resolved, status, team, assignee, organisation, plan, product, channel, category,
        priority, zone, sla, csat_score, csat_answered,
    ) in tickets:  # fmt: skip
        first_calendar = calendars.for_ticket(plan, priority, Metric.FIRST_RESPONSE, zone)
        resolution_calendar = calendars.for_ticket(plan, priority, Metric.RESOLUTION, zone)
        answered = csat_answered is not None and csat_score is not None
        rows.append((
            ticket_id, created, first, resolved, status, status in ACTIVE, team, assignee, organisation, plan,
            product, channel, category, priority,
            seconds_between(created, first), business_seconds(first_calendar, created, first),
            seconds_between(created, resolved), business_seconds(resolution_calendar, created, resolved),
            verdict(sla, Metric.FIRST_RESPONSE), verdict(sla, Metric.NEXT_RESPONSE), verdict(sla, Metric.RESOLUTION),
            reopens.get(ticket_id, 0), csat_score if answered else None, csat_answered if answered else None, now,
        ))  # fmt: skip
    return rows


def _copy(rows: list[tuple[Any, ...]]) -> None:
    quote = connection.ops.quote_name
    sql = f"COPY {quote(TicketFact._meta.db_table)} ({', '.join(map(quote, FACT_COLUMNS))}) FROM STDIN"
    with connection.cursor() as cursor:
        raw = cursor.connection  # psycopg 3 behind Django's wrapper
        with raw.cursor() as pg, pg.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


DAY_COLUMNS = ("created_at", "resolved_at", "csat_answered_at")


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _write(ticket_ids: Sequence[int], rows: list[tuple[Any, ...]], *, days: bool = True) -> None:
    """Replace these tickets' fact rows (inside the caller's transaction), and the day columns of every day they
    leave or enter (`days=False`: the caller rebuilds all day columns afterwards)."""
    touched: set[date] = set()
    if days and columns.enabled():
        # A fact sits on its creation day, its resolution day and its CSAT answer's day, before and after.
        old = TicketFact.objects.filter(ticket_id__in=ticket_ids).values_list(*DAY_COLUMNS)
        new = [(row[FACT_COLUMNS.index(name)] for name in DAY_COLUMNS) for row in rows]
        touched = {_utc_day(moment) for moments in [*old, *new] for moment in moments if moment is not None}
    TicketFact.objects.filter(ticket_id__in=ticket_ids).delete()
    if connection.vendor == "postgresql" and len(rows) >= COPY_FROM:
        _copy(rows)
    else:
        TicketFact.objects.bulk_create(
            [TicketFact(**dict(zip(FACT_COLUMNS, row, strict=True))) for row in rows], batch_size=1000
        )
    columns.refresh_days(touched)


def refresh(ticket_ids: Iterable[int], now: datetime | None = None) -> int:
    """Recompute the fact rows of these tickets; returns how many rows were written."""
    ids = sorted(set(ticket_ids))
    moment = now or clock.now()
    written = 0
    for offset in range(0, len(ids), BATCH):
        chunk = ids[offset : offset + BATCH]
        with transaction.atomic():
            rows = compute_rows(chunk, moment)
            _write(chunk, rows)
        written += len(rows)
    return written


@dataclass
class RebuildResult:
    tickets: int
    seconds: float


def rebuild(*, batch: int = BATCH, out: Callable[[str], None] | None = None) -> RebuildResult:
    """Recompute every fact row, in keyset batches of ticket ids (each batch one transaction), then drop rows of
    tickets that no longer exist and refresh the planner's statistics."""
    started = timer.monotonic()
    now = clock.now()
    total, last = 0, 0
    while True:
        chunk = list(Ticket.objects.filter(id__gt=last).order_by("id").values_list("id", flat=True)[:batch])
        if not chunk:
            break
        with transaction.atomic():
            rows = compute_rows(chunk, now)
            # Also clears facts of ids in the gap (deleted tickets) within this batch's span.
            TicketFact.objects.filter(ticket_id__gt=last, ticket_id__lte=chunk[-1]).delete()
            _write(chunk, rows, days=False)
        total += len(rows)
        last = chunk[-1]
        if out is not None:
            out(f"  {total:,} fact rows ({timer.monotonic() - started:,.1f} s)")
    TicketFact.objects.filter(ticket_id__gt=last).delete()
    _vacuum()
    state, _created = MaintenanceState.objects.get_or_create(pk=1)
    state.rebuilt_at = now
    state.caught_up_to = now
    state.save()
    rebuild_days(now, out=out)
    return RebuildResult(tickets=total, seconds=timer.monotonic() - started)


def rebuild_days(now: datetime, *, out: Callable[[str], None] | None = None) -> int:
    """Every day's columns from the fact table (a month per transaction); from then on long ranges read them."""
    started = timer.monotonic()
    days = columns.rebuild_all()
    if columns.enabled():
        MaintenanceState.objects.update_or_create(pk=1, defaults={"days_built_at": now})
    if out is not None:
        out(f"  day columns of {days:,} days ({timer.monotonic() - started:,.1f} s)")
    return days


def _vacuum() -> None:
    """Index-only scans need the visibility map; a rebuild rewrote every row."""
    if connection.vendor != "postgresql" or not connection.get_autocommit():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(TicketFact._meta.db_table)}")


def changed_since(moment: datetime) -> set[int]:
    """Tickets whose fact may be stale: the ticket changed, its SLA was recomputed (a verdict can change with time
    alone) or its CSAT survey was answered after `moment`; and tickets that have no fact row yet."""
    from upstream.sla.models import TicketSla
    from upstream.surveys.models import CsatSurvey

    ids = set(Ticket.objects.filter(updated_at__gte=moment).values_list("id", flat=True))
    ids |= set(TicketSla.objects.filter(computed_at__gte=moment).values_list("ticket_id", flat=True))
    ids |= set(CsatSurvey.objects.filter(answered_at__gte=moment).values_list("ticket_id", flat=True))
    missing = Ticket.objects.filter(~Q(id__in=TicketFact.objects.values("ticket_id")), merged_into__isnull=True)
    ids |= set(missing.values_list("id", flat=True)[:BATCH])
    return ids


def catch_up(now: datetime | None = None) -> int:
    """Refresh everything that changed since the last catch-up (or every ticket, the first time)."""
    moment = now or clock.now()
    state, _created = MaintenanceState.objects.get_or_create(pk=1)
    if state.caught_up_to is None:
        ids: Iterable[int] = Ticket.objects.values_list("id", flat=True)
    else:
        ids = changed_since(state.caught_up_to - CATCH_UP_OVERLAP)
    written = refresh(list(ids), moment)
    MaintenanceState.objects.filter(pk=1).update(caught_up_to=moment)
    if state.caught_up_to is None or state.days_built_at is None:
        rebuild_days(moment)  # the first catch-up builds the facts, and with them the day columns
    return written
