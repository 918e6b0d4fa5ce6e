"""A ticket's SLA at run time: recompute stored state from history, and record what happened to it.

`recompute(ticket_ids, now)` replays each ticket's history with the pure engine (`targets.compute`), stores the result
in `TicketSla` (a snapshot per metric, the explanation, the next instants to notify), keeps `Ticket.sla_due_at` (the
inbox's time-to-breach sort key) in step, and appends `SlaEvent`s for what it observes (a policy applied, a metric
fulfilled, paused, resumed). It never rewrites the past: events are only added, and the unique constraint on
(ticket, metric, kind, cycle, instant) makes a repeated observation a no-op, so recomputing is always safe.

Per batch of tickets the cost is fixed: the three history queries, one locked read of their `TicketSla` rows, one
insert and one update of those rows, one update of `Ticket.sla_due_at` and one insert of events.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Case, DateTimeField, Value, When

from upstream.core import clock
from upstream.sla import targets
from upstream.sla.history import PolicyBook, load_histories, sla_tickets
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
    return sum(_recompute_batch(batch, moment) for batch in chunks(ids))


def recompute_open_tickets(now: datetime | None = None) -> int:
    """Every active ticket, in batches (after a calendar or policy edit)."""
    moment = now or clock.now()
    done, last = 0, 0
    while True:
        ids = list(Ticket.objects.filter(ACTIVE, id__gt=last).order_by("id").values_list("id", flat=True)[:BATCH])
        if not ids:
            return done
        done += _recompute_batch(ids, moment)
        last = ids[-1]


# ---------------------------------------------------------------- snapshots


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def metric_snapshot(metric: targets.MetricTarget, previous: dict[str, Any] | None) -> dict[str, Any]:
    """One metric as stored. The notification flags carry over while the cycle is the same one (same start), so a
    recompute never makes a warning or breach notifiable twice."""
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
        "explanation": metric.explain(),
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


@transaction.atomic
def _recompute_batch(ids: Sequence[int], now: datetime) -> int:
    tickets = list(sla_tickets().filter(id__in=ids).order_by("id"))
    if not tickets:
        return 0
    book = PolicyBook.load(_plan_id(t) for t in tickets)
    histories = load_histories(tickets, book)
    # Locked in id order (deadlock-free across concurrent batches), so a concurrent claim or recompute waits for us
    # and then sees the new version.
    existing = {
        row.ticket_id: row
        for row in TicketSla.objects.select_for_update().filter(ticket_id__in=ids).order_by("ticket_id")
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
            row.metrics = {m.metric.value: metric_snapshot(m, old_metrics.get(m.metric.value)) for m in result.metrics}
            row.explanation = result.explain()
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
    TicketSla.objects.bulk_update(updated, FIELDS)
    if due:
        whens = [When(id=ticket_id, then=Value(moment)) for ticket_id, moment in due.items()]
        Ticket.objects.filter(id__in=list(due)).update(sla_due_at=Case(*whens, output_field=DateTimeField()))
    SlaEvent.objects.bulk_create(events, ignore_conflicts=True)
    return len(created) + len(updated)


FIELDS = [
    "policy", "metrics", "next_due_at", "next_due_warn_at", "next_warn_at", "next_breach_at", "explanation",
    "computed_at", "version",
]  # fmt: skip
