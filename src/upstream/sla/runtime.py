"""A ticket's SLA at run time: recompute stored state from history, and record what happened to it.

`recompute(ticket_ids, now)` replays each ticket's history with the pure engine (`targets.compute`), stores the result
in `TicketSla` (a snapshot per metric, the explanation, the next instants to notify), keeps `Ticket.sla_due_at` (the
inbox's time-to-breach sort key) in step, and appends `SlaEvent`s for what it observes (a policy applied, a metric
fulfilled, paused, resumed). It never rewrites the past: events are only added, and the unique constraint on
(ticket, metric, kind, cycle, instant) makes a repeated observation a no-op, so recomputing is always safe.

Per batch of tickets the cost is fixed: the three history queries, one locked read of their `TicketSla` rows, one
insert of the new rows and one update of the existing ones, one update of `Ticket.sla_due_at` and one insert of
events (docs/benchmarks.md, "SLA recompute on PostgreSQL"). The row update goes through its own psycopg cursor, so
it is seen by `connection.execute_wrapper` but not listed in `connection.queries` under DEBUG.
"""

from __future__ import annotations

import functools
import gc
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from django.db import OperationalError, connection, transaction
from django.db.models import Case, DateTimeField, Value, When

from upstream.core import clock
from upstream.customers.models import Contract, Organisation
from upstream.sla import targets
from upstream.sla.history import PolicyBook, load_histories
from upstream.sla.models import SlaEvent, SlaEventKind, SlaPolicy, TicketSla
from upstream.tickets.models import ACTIVE, NO_DEADLINE, Ticket

log = logging.getLogger(__name__)

BATCH = 1000
# States in which a metric's clock is running (overdue included): only these can warn or breach.
LIVE = (targets.State.RUNNING.value, targets.State.BREACHED.value)


def chunks(ids: Sequence[int], size: int = BATCH) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def recompute(ticket_ids: Iterable[int], now: datetime | None = None) -> int:
    """Recompute the SLA of these tickets at `now` (default: the clock). Returns how many were computed."""
    moment = now or clock.now()
    ids = sorted(set(ticket_ids))
    return sum(_recompute_retrying(batch, moment) for batch in chunks(ids))


# deadlock_detected, serialization_failure: PostgreSQL rolled the batch back so a concurrent writer could go on.
RETRY_STATES = frozenset({"40P01", "40001"})
RETRY_ATTEMPTS = 3


def _recompute_retrying(ids: Sequence[int], moment: datetime) -> int:
    """A batch that lost a deadlock (two fetch workers writing tickets while each recomputes its last window) is
    tried again, so the deadline is never silently left stale. Inside an outer transaction nothing can be retried:
    the error goes to the caller, whose transaction is already rolled back."""
    for attempt in range(1, RETRY_ATTEMPTS + 1):
        try:
            return _recompute_batch(ids, moment)
        except OperationalError as exc:
            cause = exc.__cause__
            if (
                connection.in_atomic_block
                or attempt == RETRY_ATTEMPTS
                or (getattr(cause, "sqlstate", None) not in RETRY_STATES)
            ):
                raise
            log.info("SLA recompute of %d tickets lost a deadlock; trying again (attempt %d)", len(ids), attempt)
    raise AssertionError("unreachable")


def recompute_open_tickets(now: datetime | None = None) -> int:
    """Every active ticket, in batches (after a calendar or policy edit)."""
    moment = now or clock.now()
    done, last = 0, 0
    while True:
        ids = list(Ticket.objects.filter(ACTIVE, id__gt=last).order_by("id").values_list("id", flat=True)[:BATCH])
        if not ids:
            return done
        with _collector_paused():
            done += _recompute_batch(ids, moment)
        last = ids[-1]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection during one batch. A batch allocates a few hundred thousand objects (model
    instances, events, snapshots), which set off full collections that walk the whole heap again and again: about a
    tenth of a recompute of every open ticket (docs/benchmarks.md). Memory stays bounded by the batch; the
    collector runs again as soon as the batch ends. (Left on if something else had already switched it off.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# ---------------------------------------------------------------- snapshots


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def metric_snapshot(
    metric: targets.MetricTarget, previous: dict[str, Any] | None, explanation: str | None = None
) -> dict[str, Any]:
    """One metric as stored. The notification flags carry over while the cycle is the same one (same start), so a
    recompute never makes a warning or breach notifiable twice. `explanation`: `metric.explain()`, if known."""
    same_cycle = previous is not None and previous.get("started_at") == _iso(metric.started_at)
    return {
        "state": metric.state.value,
        "due_at": _iso(metric.due_at),
        "warn_at": _iso(metric.warn_at),
        "started_at": _iso(metric.started_at),
        "paused_since": _iso(metric.paused_since),
        "fulfilled_at": _iso(metric.fulfilled_at),
        "breached": metric.breached,
        "target_seconds": metric.target_seconds,
        "explanation": metric.explain() if explanation is None else explanation,
        "warned": bool(same_cycle and previous and previous.get("warned")),
        "breach_notified": bool(same_cycle and previous and previous.get("breach_notified")),
    }


def next_instants(metrics: dict[str, dict[str, Any]]) -> tuple[datetime | None, datetime | None]:
    """The earliest warning and breach not yet notified among running cycles (what the deadline scan looks for)."""
    warns, breaches = [], []
    for snap in metrics.values():
        if snap["state"] not in LIVE:
            continue
        if snap["warn_at"] and not snap["warned"]:
            warns.append(parse(snap["warn_at"]))
        if snap["due_at"] and not snap["breach_notified"]:
            breaches.append(parse(snap["due_at"]))
    return min((w for w in warns if w), default=None), min((b for b in breaches if b), default=None)


def _next_due(metrics: dict[str, dict[str, Any]]) -> tuple[datetime | None, datetime | None]:
    """The next running deadline and its warning instant, for the inbox's countdown."""
    live = [s for s in metrics.values() if s["state"] in LIVE and s["due_at"]]
    if not live:
        return None, None
    first = min(live, key=lambda s: s["due_at"])
    return parse(first["due_at"]), parse(first["warn_at"])


# ---------------------------------------------------------------- events observed by a recompute


@dataclass
class _Observer:
    ticket: Ticket
    now: datetime
    previous: TicketSla | None
    events: list[SlaEvent]

    def add(self, kind: str, metric: str, at: datetime, cycle_start: datetime, **detail: Any) -> None:
        self.events.append(
            SlaEvent(
                ticket_id=self.ticket.id, metric=metric, kind=kind, at=at, cycle_start=cycle_start,
                detail=detail, recorded_at=self.now,
            )
        )  # fmt: skip

    def observe(self, result: targets.SlaTargets, policy: SlaPolicy | None) -> None:
        previous = self.previous
        if policy is not None and (previous is None or previous.policy_id != policy.id):
            # Applied from creation the first time; later (a priority or plan change) from now on.
            at = self.ticket.created_at if previous is None else self.now
            self.add(SlaEventKind.APPLIED, "", at, self.ticket.created_at, policy=str(policy), policy_id=policy.id)
        # Only what happened since the last computation is new; the margin covers instants truncated to the second.
        since = previous.computed_at - timedelta(seconds=1) if previous is not None else None
        old = previous.metrics if previous is not None else {}
        for cycle in result.history:
            if cycle.fulfilled_at is None or cycle.started_at is None:
                continue
            if since is None or cycle.fulfilled_at >= since:
                by = cycle.fulfilled_by.value if cycle.fulfilled_by else None
                self.add(
                    SlaEventKind.FULFILLED, cycle.metric.value, cycle.fulfilled_at, cycle.started_at,
                    breached=cycle.breached, by=by,
                )  # fmt: skip
        for metric in result.metrics:
            if metric.started_at is None:
                continue
            before = old.get(metric.metric.value)
            same_cycle = before is not None and before.get("started_at") == _iso(metric.started_at)
            was_paused = same_cycle and before is not None and before["state"] == targets.State.PAUSED.value
            if metric.state == targets.State.PAUSED and metric.paused_since is not None:
                if not same_cycle or before is None or before.get("paused_since") != _iso(metric.paused_since):
                    self.add(SlaEventKind.PAUSED, metric.metric.value, metric.paused_since, metric.started_at)
            elif was_paused and metric.state in (targets.State.RUNNING, targets.State.BREACHED):
                # The engine keeps the total paused time, not each resume instant: the recompute that follows the
                # status change records it (handlers run right after the change commits).
                self.add(SlaEventKind.RESUMED, metric.metric.value, self.now, metric.started_at)


# ---------------------------------------------------------------- the batch


def _plan_id(ticket: Ticket) -> int | None:
    return ticket.contract.plan_id if ticket.contract_id and ticket.contract else None


def _load_tickets(ids: Sequence[int]) -> list[Ticket]:
    """The tickets with what `load_histories` reads, like `sla_tickets()`, but each organisation and contract is read
    once per batch and shared, not joined and built again for every ticket (a batch has a thousand tickets and a few
    dozen organisations): 0.5 → 0.28 s per 10,000 tickets."""
    tickets = list(Ticket.objects.filter(id__in=ids).order_by("id"))
    organisations = Organisation.objects.in_bulk({t.organisation_id for t in tickets})
    contracts = Contract.objects.in_bulk({t.contract_id for t in tickets if t.contract_id is not None})
    for ticket in tickets:
        _ORGANISATION.set_cached_value(ticket, organisations[ticket.organisation_id])
        contract_id = ticket.contract_id
        _CONTRACT.set_cached_value(ticket, None if contract_id is None else contracts[contract_id])
    return tickets


_ORGANISATION = Ticket._meta.get_field("organisation")
_CONTRACT = Ticket._meta.get_field("contract")


@transaction.atomic
def _recompute_batch(ids: Sequence[int], now: datetime) -> int:
    tickets = _load_tickets(ids)
    if not tickets:
        return 0
    book = PolicyBook.load(_plan_id(t) for t in tickets)
    histories = load_histories(tickets, book)
    # Locked in id order (deadlock-free across concurrent batches), so a concurrent claim or recompute waits for us
    # and then sees the new version.
    # Only what the computation reads: every other field is assigned below before the row is written.
    rows = TicketSla.objects.select_for_update().filter(ticket_id__in=ids).order_by("ticket_id")
    existing = {
        row.ticket_id: row for row in rows.only("id", "ticket_id", "policy_id", "metrics", "computed_at", "version")
    }
    created: list[TicketSla] = []
    updated: list[TicketSla] = []
    events: list[SlaEvent] = []
    due: dict[int, datetime] = {}
    for ticket in tickets:
        try:
            result = histories[ticket.id].compute(now)
        except targets.SlaError:
            log.exception("cannot compute the SLA of ticket %s", ticket.id)
            continue
        previous = existing.get(ticket.id)
        policy = book.model(_plan_id(ticket), ticket.priority) if result is not None else None
        row = previous or TicketSla(ticket=ticket)
        old_metrics = previous.metrics if previous is not None else {}
        if result is not None:
            _Observer(ticket, now, previous, events).observe(result, policy)
            # Each metric explained once: the ticket's explanation is theirs joined (`SlaTargets.explain`).
            said = [(m, m.explain()) for m in result.metrics]
            row.metrics = {
                m.metric.value: metric_snapshot(m, old_metrics.get(m.metric.value), text) for m, text in said
            }
            row.explanation = "\n".join(text for _m, text in said)
        else:
            row.metrics, row.explanation = {}, ""
        row.policy = policy
        row.next_warn_at, row.next_breach_at = next_instants(row.metrics)
        row.next_due_at, row.next_due_warn_at = _next_due(row.metrics)
        row.computed_at = now
        row.version = (row.version or 0) + 1
        (updated if previous is not None else created).append(row)
        deadline = row.next_due_at or NO_DEADLINE
        if deadline != ticket.sla_due_at:
            due[ticket.id] = deadline
    TicketSla.objects.bulk_create(created, ignore_conflicts=True)  # a concurrent first computation wins
    _update_rows(updated)
    _set_due(due)
    SlaEvent.objects.bulk_create(events, ignore_conflicts=True)
    return len(created) + len(updated)


def _update_rows(rows: list[TicketSla]) -> None:
    """Write the recomputed rows (locked above, so they exist) in one statement. bulk_update's CASE WHEN per field
    and row cost about a second of Python per 1,000 rows to build (docs/benchmarks.md, "SLA recompute on
    PostgreSQL"). On PostgreSQL: an UPDATE … FROM unnested arrays sent in binary (text arrays in text form are
    escaped character by character, which costs more than the query); elsewhere an INSERT … ON CONFLICT DO UPDATE."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        TicketSla.objects.bulk_create(rows, update_conflicts=True, unique_fields=["ticket"], update_fields=FIELDS)
        return
    columns = (
        [r.pk for r in rows],
        [r.policy_id for r in rows],
        [json.dumps(r.metrics) for r in rows],
        [r.next_due_at for r in rows],
        [r.next_due_warn_at for r in rows],
        [r.next_warn_at for r in rows],
        [r.next_breach_at for r in rows],
        [r.explanation for r in rows],
        [r.computed_at for r in rows],
        [r.version for r in rows],
    )
    table = connection.ops.quote_name(TicketSla._meta.db_table)
    sql = (
        f"UPDATE {table} AS s SET policy_id = v.policy_id, metrics = v.metrics::jsonb, "
        "next_due_at = v.next_due_at, next_due_warn_at = v.next_due_warn_at, next_warn_at = v.next_warn_at, "
        "next_breach_at = v.next_breach_at, explanation = v.explanation, computed_at = v.computed_at, "
        "version = v.version "
        "FROM unnest(%b::bigint[], %b::bigint[], %b::text[], %b::timestamptz[], %b::timestamptz[], "
        "%b::timestamptz[], %b::timestamptz[], %b::text[], %b::timestamptz[], %b::bigint[]) "
        "AS v(id, policy_id, metrics, next_due_at, next_due_warn_at, next_warn_at, next_breach_at, explanation, "
        "computed_at, version) WHERE s.id = v.id"
    )
    with connection.cursor() as cursor, psycopg.Cursor(cursor.connection) as pg:
        # A server-binding cursor on Django's connection (Django's binds on the client, in text), run through
        # Django's execute wrappers so instrumentation sees the statement like any other.
        def run(sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
            return pg.execute(sql, params)

        execute = run
        for wrapper in reversed(connection.execute_wrappers):
            execute = functools.partial(wrapper, execute)
        execute(sql, columns, False, {"connection": connection, "cursor": cursor})


def _set_due(due: dict[int, datetime]) -> None:
    """`Ticket.sla_due_at` of many tickets in one statement: on PostgreSQL an UPDATE … FROM two unnested arrays
    (no SQL or expression tree that grows with the rows), elsewhere a CASE WHEN."""
    if not due:
        return
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Ticket._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS t SET sla_due_at = v.due "
                "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, due) WHERE t.id = v.id",
                [list(due), list(due.values())],
            )
        return
    whens = [When(id=ticket_id, then=Value(moment)) for ticket_id, moment in due.items()]
    Ticket.objects.filter(id__in=list(due)).update(sla_due_at=Case(*whens, output_field=DateTimeField()))


FIELDS = [
    "policy", "metrics", "next_due_at", "next_due_warn_at", "next_warn_at", "next_breach_at", "explanation",
    "computed_at", "version",
]  # fmt: skip
