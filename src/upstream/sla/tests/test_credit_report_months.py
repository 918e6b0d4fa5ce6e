"""Months of a service report are the organisation's: cut at local midnight, a due instant exactly at a month's
start belongs to that month, and the running month shows cycles that are still open."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from upstream.core import clock
from upstream.core.testing import make_agent, make_contact, make_contract, make_org, make_plan, make_ticket
from upstream.sla import services as sla_services
from upstream.sla.credit_reports import contract_month_report
from upstream.sla.targets import Metric
from upstream.sla.tests.credit_world import AFTER_NOVEMBER, build_world, cst
from upstream.tickets import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def at(monkeypatch):
    def set_time(moment: datetime) -> datetime:
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment

    return set_time


def _around_the_clock_contract(time_zone: str):
    plan = make_plan(highest_priority=1, monthly_fee=Decimal(1000), credit_percent_per_breach=Decimal(10),
                     credit_cap_percent=Decimal(30))  # fmt: skip
    sla_services.save_policy(
        by=None, plan=plan, priority=3, first_response_minutes=60, next_response_minutes=None, resolution_minutes=None
    )
    org = make_org()
    org.time_zone = time_zone
    org.save(update_fields=["time_zone"])
    contract = make_contract(org, plan, starts_on=datetime(2026, 1, 1).date(), ends_on=datetime(2026, 12, 31).date())
    return contract, make_contact(org)


def _first_responses(contract, year, month):
    report = contract_month_report(contract, year, month, AFTER_NOVEMBER)
    total = report.metric_totals[0]
    assert total.metric == Metric.FIRST_RESPONSE
    return total.met, total.breached


@pytest.mark.parametrize(("zone", "month_of_the_reply"), [("Asia/Shanghai", 11), ("UTC", 10)])
def test_a_reply_after_local_midnight_counts_in_the_local_month(at, zone, month_of_the_reply):
    contract, contact = _around_the_clock_contract(zone)
    at(datetime(2026, 10, 31, 15, 30, tzinfo=UTC))  # 23:30 on 31 Oct in Beijing
    ticket = make_ticket(contact, contract.organisation, priority=3)
    at(datetime(2026, 10, 31, 16, 10, tzinfo=UTC))  # 00:10 on 1 Nov in Beijing, still 31 Oct in UTC
    services.reply(by=make_agent(), ticket=ticket, body="Here")
    other = 10 if month_of_the_reply == 11 else 11
    assert _first_responses(contract, 2026, month_of_the_reply) == (1, 0)
    assert _first_responses(contract, 2026, other) == (0, 0)


def test_due_exactly_at_the_months_start_belongs_to_the_new_month(at):
    contract, contact = _around_the_clock_contract("Asia/Shanghai")
    at(datetime(2026, 10, 31, 15, 0, tzinfo=UTC))  # 23:00 CST: due at 00:00 on 1 Nov, never answered
    make_ticket(contact, contract.organisation, priority=3)
    assert _first_responses(contract, 2026, 10) == (0, 0)  # at October's last instant it was not yet late
    assert _first_responses(contract, 2026, 11) == (0, 1)
    assert _first_responses(contract, 2026, 12) == (0, 0)


def test_the_running_month_shows_open_cycles_due_before_its_end(monkeypatch):
    world = build_world(monkeypatch)
    report = contract_month_report(world.contract, 2026, 11, cst(30, 10))  # Mon 30 Nov 10:00 CST
    assert not report.complete and report.as_of == cst(30, 10)
    first_p3 = next(r for r in report.rows if r.metric == Metric.FIRST_RESPONSE and r.priority == 3)
    assert (first_p3.met, first_p3.breached, first_p3.open) == (1, 1, 1)  # T4 is due at 12:00 today
    assert report.total.open == 1
    # Once the month is over the open cycle has a verdict.
    assert contract_month_report(world.contract, 2026, 11, cst(30, 12) + timedelta(hours=1)).total.open == 0


def test_a_month_that_has_not_begun_is_empty(monkeypatch):
    world = build_world(monkeypatch)
    report = contract_month_report(world.contract, 2027, 1, AFTER_NOVEMBER)
    assert report.total.counted == 0 and report.credit.amount == Decimal("0.00")


def test_a_breach_answered_the_next_month_counts_only_in_the_month_it_fell_due(at):
    contract, contact = _around_the_clock_contract("Asia/Shanghai")
    at(cst(31, 10, month=10))  # due 11:00 on 31 Oct, answered on 2 Nov
    ticket = make_ticket(contact, contract.organisation, priority=3)
    at(cst(2, 10))
    services.reply(by=make_agent(), ticket=ticket, body="Sorry")
    assert _first_responses(contract, 2026, 10) == (0, 1)
    assert _first_responses(contract, 2026, 11) == (0, 0)
