"""Demo hour banks for `upstream generate --demo`: two customers' prepaid hours drawn down by logged time, one of them
past 80%, the other overdrawn, with last month's statements issued."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Q

from upstream.accounts.models import Role, User
from upstream.customers.models import Contract
from upstream.hours import services, statements
from upstream.hours.models import TimeEntry
from upstream.tickets.models import Ticket


@dataclass(frozen=True)
class BankSpec:
    reference: str
    hours: Decimal  # given to the contract when it has none (the demo reference data sells few banks)
    target_minutes: int  # billable minutes to log in all


BANKS = (
    BankSpec("UPC-2025-004", Decimal("40"), 34 * 60),  # 85%: the 80% alert has gone out
    BankSpec("UPC-2024-017", Decimal("20"), 21 * 60 + 30),  # overdrawn by 1h30
)

NOTES = (
    "Reviewed the logs and reproduced the issue",
    "Call with the customer's DBA",
    "Prepared and tested the upgrade plan",
    "排查慢查询并给出索引建议",
    "远程协助完成配置变更",
    "Wrote the post-incident summary",
)
DURATIONS = (30, 45, 60, 90, 120, 150)


def load_hours_demo(*, now: datetime) -> int:
    """Log time on the demo banks' tickets over the last months (`now` is the real now: entries cannot be in the
    future); returns the number of entries, none when some exist already."""
    if TimeEntry.objects.exists():
        return 0
    rng = random.Random(20260105)
    created = 0
    for spec in BANKS:
        contract = Contract.objects.filter(reference=spec.reference).select_related("organisation").first()
        if contract is None:
            continue
        if contract.consulting_hours <= 0:
            contract.consulting_hours = spec.hours
            contract.save(update_fields=["consulting_hours", "updated_at"])
        created += _log_bank(contract, spec, now, rng)
        previous = statements.previous_month(now.date())
        statements.issue(contract, previous)
    return created


def _log_bank(contract: Contract, spec: BankSpec, now: datetime, rng: random.Random) -> int:
    tickets = list(Ticket.objects.filter(contract=contract).select_related("team", "assignee").order_by("id")[:12])
    agents = list(User.objects.filter(Q(role=Role.AGENT), is_active=True).order_by("id"))
    if not tickets or not agents:
        return 0
    logged, created = 0, 0
    while logged < spec.target_minutes:
        ticket = rng.choice(tickets)
        person = ticket.assignee or rng.choice(agents)
        minutes = min(rng.choice(DURATIONS), spec.target_minutes - logged)
        day = (now - timedelta(days=rng.randint(0, 75))).date()
        billable = rng.random() > 0.15
        services.log_time(
            by=person,
            ticket=ticket,
            data=services.EntryInput(duration=minutes, billable=billable, note=rng.choice(NOTES), worked_on=day),
        )
        created += 1
        logged += minutes if billable else 0
    return created
