"""A contract with a known November 2026 for the service-report tests, built through the real services.

Beijing business hours (09:00–12:00, 13:30–18:00 Mon–Fri, Asia/Shanghai). The plan's policies: P3 first response 4 h,
next response 8 h, resolution 16 h; P2 first response 1 h, next response 8 h, resolution 8 h; all on the calendar.
Terms: CNY 20,000.00 a month, 5 % per breach, capped at 12.5 %.

Tickets (times CST; Monday 23 November 2026):

- T1 (P3) Mon 10:00; agent replies 11:00 (first response met); resolved Tue 10:00 (7.5 business hours: met).
- T2 (P3) Mon 10:00; first reply Tue 14:00, 4 h target was due Mon 15:30 (breached); never resolved, 16 h due Wed
  11:00 (breached, still open at the month's end).
- T3 (P2) Mon 10:00; agent replies 10:30 and waits on the customer (first response met; the clocks pause); the customer
  answers Wed 10:00 (next response starts, due Thu 10:30); agent replies Thu 09:15 (met); resolved Thu 09:30 after
  7.5 business hours of an 8 h target (met only because of the pause).
- T4 (P3) Fri 27 Nov 17:00; no reply: first response due Mon 30 Nov 12:00 (breached in November); resolution due in
  December (not counted).
- T5 (P3) Mon 30 Nov 17:00: first response due Tue 1 Dec 12:00 (December: not counted).
- T6 (P3) created and closed in October (not even loaded).

November: first response P3 1 met / 2 breached, P2 1 met; next response P2 1 met; resolution P3 1 met / 1 breached,
P2 1 met. Met 5, breached 3: 3 × 5 % = 15 %, capped at 12.5 % of 20,000.00 = 2,500.00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from upstream.core import clock
from upstream.core.testing import make_agent, make_contact, make_contract, make_org, make_plan, make_ticket
from upstream.customers.models import Contact, Contract, Organisation, SupportPlan
from upstream.sla import services as sla_services
from upstream.sla.tests.sla_world import make_beijing
from upstream.tickets import services
from upstream.tickets.models import Status, Ticket

CST = timedelta(hours=8)
NOVEMBER_END = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 1 Dec 00:00 CST
AFTER_NOVEMBER = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)


def cst(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A wall-clock time in Beijing in 2026 as an aware UTC instant."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - CST


@dataclass
class CreditWorld:
    plan: SupportPlan
    org: Organisation
    contract: Contract
    admin_contact: Contact
    contact: Contact
    tickets: dict[str, Ticket]


def make_terms_plan(**terms: Any) -> SupportPlan:
    beijing = make_beijing()
    plan = make_plan(highest_priority=1, **terms)
    for priority, first, resolution in ((3, 240, 16 * 60), (2, 60, 8 * 60)):
        sla_services.save_policy(
            by=None, plan=plan, priority=priority, first_response_minutes=first, next_response_minutes=480,
            resolution_minutes=resolution, first_response_calendar=beijing, next_response_calendar=beijing,
            resolution_calendar=beijing,
        )  # fmt: skip
    return plan


def build_world(
    monkeypatch: pytest.MonkeyPatch, plan: SupportPlan | None = None, org_name: str = "北京示例科技有限公司"
) -> CreditWorld:
    def at(moment: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    plan = plan or make_terms_plan(
        monthly_fee=Decimal("20000.00"), currency="CNY", credit_percent_per_breach=Decimal("5"),
        credit_cap_percent=Decimal("12.5"),
    )  # fmt: skip
    org = make_org(org_name)
    contract = make_contract(org, plan, starts_on=datetime(2026, 1, 1).date(), ends_on=datetime(2026, 12, 31).date())
    contact, admin_contact = make_contact(org, name="张敏"), make_contact(org, admin=True)
    agent = make_agent()
    tickets: dict[str, Ticket] = {}

    def open_(name: str, moment: datetime, priority: int) -> Ticket:
        at(moment)
        tickets[name] = make_ticket(contact, org, priority=priority, subject=f"{name} 数据库无法启动")
        return tickets[name]

    at(cst(1, 10, month=10))
    t6 = make_ticket(contact, org, priority=3, subject="T6 October")
    tickets["T6"] = t6
    at(cst(2, 10, month=10))
    services.change_status(by=agent, ticket=t6, status=Status.CLOSED)

    t1, t2, t3 = open_("T1", cst(23, 10), 3), open_("T2", cst(23, 10), 3), open_("T3", cst(23, 10), 2)
    at(cst(23, 10, 30))
    services.reply(by=agent, ticket=t3, body="Please send the logs", then_status=Status.WAITING_CUSTOMER)
    at(cst(23, 11))
    services.reply(by=agent, ticket=t1, body="Looking")
    at(cst(24, 10))
    services.change_status(by=agent, ticket=t1, status=Status.RESOLVED)
    at(cst(24, 14))
    services.reply(by=agent, ticket=t2, body="Sorry for the wait")
    at(cst(25, 10))
    services.reply(by=contact.user, ticket=t3, body="Here are the logs")  # type: ignore[arg-type]
    at(cst(26, 9, 15))
    services.reply(by=agent, ticket=t3, body="Fixed in 2.1")
    at(cst(26, 9, 30))
    services.change_status(by=agent, ticket=t3, status=Status.RESOLVED)
    open_("T4", cst(27, 17), 3)
    open_("T5", cst(30, 17), 3)
    return CreditWorld(plan, org, contract, admin_contact, contact, tickets)
