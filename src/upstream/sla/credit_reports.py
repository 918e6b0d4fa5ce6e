"""A contract's monthly SLA report from the stored tickets: which tickets, their replayed histories, the cycles the
month counts (rules in `credits.py` and docs/sla.md) and the credit owed under the plan's terms.

Cost: five queries whatever the number of tickets (the tickets, three for their histories, one for their priority
changes); the contract comes in with its organisation and plan loaded.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q

from upstream.customers.models import Contract, SupportPlan
from upstream.sla import credits, targets
from upstream.sla.credits import Cycle, Month, Report, Terms
from upstream.sla.history import TicketHistory, load_histories, sla_tickets
from upstream.tickets.models import Activity, Status, Ticket


def terms_of(plan: SupportPlan) -> Terms:
    return Terms(
        monthly_fee=plan.monthly_fee,
        currency=plan.currency,
        percent_per_breach=plan.credit_percent_per_breach,
        cap_percent=plan.credit_cap_percent,
    )


def month_tickets(contract: Contract, start: datetime, end: datetime) -> list[Ticket]:
    """The contract's tickets that can have a cycle in [start, end): created before the end and not finished before
    the start (closed, or resolved and not reopened since: every clock of theirs stopped before the month). One query
    on the ticket table's contract index."""
    finished_before = Q(closed_at__lt=start) | Q(status=Status.RESOLVED, resolved_at__lt=start)
    return list(sla_tickets().filter(contract=contract, created_at__lt=end).exclude(finished_before).order_by("id"))


@dataclass(frozen=True)
class PriorityLine:
    """A ticket's priority over time: the initial one, then each recorded change (whole-second instants, as the SLA
    replay sees them)."""

    initial: int
    changes: tuple[tuple[datetime, int], ...] = ()

    def at(self, moment: datetime, *, inclusive: bool) -> int:
        """The priority in force at `moment`; `inclusive`: a change at that very instant already applies."""
        instants = [at for at, _ in self.changes]
        index = (bisect_right if inclusive else bisect_left)(instants, moment)
        return self.changes[index - 1][1] if index else self.initial


def priority_lines(tickets: Sequence[Ticket]) -> dict[int, PriorityLine]:
    changes: dict[int, list[Activity]] = defaultdict(list)
    for activity in Activity.objects.filter(ticket_id__in=[t.id for t in tickets], field="priority").order_by(
        "created_at", "id"
    ):
        changes[activity.ticket_id].append(activity)
    lines = {}
    for ticket in tickets:
        rows = [(a.created_at, a.before, a.after) for a in changes[ticket.id] if isinstance(a.after, int)]
        initial = next((before for _, before, _ in rows if isinstance(before, int)), ticket.priority)
        lines[ticket.id] = PriorityLine(initial, tuple((at.replace(microsecond=0), after) for at, _, after in rows))
    return lines


def plain_cycles(result: targets.SlaTargets, priorities: PriorityLine, as_of: datetime) -> list[Cycle]:
    """Every cycle of the ticket, with the priority whose target judged it: the one in force at fulfilment (a change
    at that same second came after the reply, as the replay orders them), else the one in force at `as_of`."""
    return [
        Cycle(
            metric=cycle.metric,
            priority=(
                priorities.at(cycle.fulfilled_at, inclusive=False)
                if cycle.fulfilled_at is not None
                else priorities.at(as_of, inclusive=True)
            ),
            state=cycle.state,
            due_at=cycle.due_at,
            fulfilled_at=cycle.fulfilled_at,
            breached=cycle.breached,
        )
        for cycle in result.history
    ]


def ticket_verdicts(
    history: TicketHistory, priorities: PriorityLine, start: datetime, end: datetime, now: datetime, zone: ZoneInfo
) -> list[tuple[Cycle, credits.Verdict]]:
    """The ticket's cycles the month [start, end) counts, judged as at min(end, now)."""
    as_of = min(end, now)
    created = history.ticket.created_at
    if created > as_of:
        return []
    result = history.compute(as_of)
    if result is None:
        return []
    current = plain_cycles(result, priorities, as_of)
    # Only a cycle that began before the month can have been decided at an earlier month end.
    began = [c.started_at for c in result.history if c.started_at is not None and c.started_at < start]
    earlier = []
    if began:
        # Not before the ticket's own creation: a merged-in ticket's clock may start earlier, its replay may not.
        for month_end in credits.month_ends_between(max(min(began), created), start, zone):
            before = history.compute(month_end)
            if before is not None:
                earlier.append(plain_cycles(before, priorities, month_end))
    return credits.month_verdicts(current, earlier, end)


def contract_month_report(contract: Contract, year: int, month: int, now: datetime) -> Report:
    """The contract's SLA report and credit for the month (in its organisation's time zone), as known at `now`."""
    period = Month(year, month)
    zone = ZoneInfo(contract.organisation.time_zone)
    start, end = period.start(zone), period.end(zone)
    tickets = month_tickets(contract, start, end) if start <= now else []
    histories = load_histories(tickets) if tickets else {}
    lines = priority_lines(tickets) if tickets else {}
    counted: list[tuple[Cycle, credits.Verdict]] = []
    for ticket in tickets:
        counted.extend(ticket_verdicts(histories[ticket.id], lines[ticket.id], start, end, now, zone))
    return credits.build_report(
        counted, month=period, start=start, end=end, as_of=min(end, now), terms=terms_of(contract.plan)
    )
