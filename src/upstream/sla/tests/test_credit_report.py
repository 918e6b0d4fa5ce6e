"""A contract's November from tickets made through the real services: exact counts per metric and priority, the
credit with and without the cap, a plan without terms, and a fixed number of queries whatever the ticket count."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from upstream.sla.credit_reports import contract_month_report, month_tickets
from upstream.sla.credits import Row
from upstream.sla.targets import Metric
from upstream.sla.tests.credit_world import AFTER_NOVEMBER, build_world, make_terms_plan

pytestmark = pytest.mark.django_db


def _cells(report):
    return {(row.metric, row.priority): (row.met, row.breached, row.open) for row in report.rows if row.counted}


def test_november_counts_per_metric_and_priority(monkeypatch):
    world = build_world(monkeypatch)
    report = contract_month_report(world.contract, 2026, 11, AFTER_NOVEMBER)
    assert _cells(report) == {
        (Metric.FIRST_RESPONSE, 2): (1, 0, 0),  # T3 replied in 30 min
        (Metric.FIRST_RESPONSE, 3): (1, 2, 0),  # T1 met; T2 replied late; T4 unanswered, due Mon 30 Nov
        (Metric.NEXT_RESPONSE, 2): (1, 0, 0),  # T3 after the customer's logs
        (Metric.RESOLUTION, 2): (1, 0, 0),  # T3: met thanks to the pause while waiting on the customer
        (Metric.RESOLUTION, 3): (1, 1, 0),  # T1 met; T2 overdue since Wed 25 Nov and still open
    }
    assert len(report.rows) == 12  # every metric × priority, zeros included
    assert report.total == Row(None, None, met=5, breached=3, open=0)
    assert report.complete
    assert [t.compliance for t in report.metric_totals] == [Decimal("50.0"), Decimal("100.0"), Decimal("66.7")]


def test_the_cap_bounds_the_credit(monkeypatch):
    credit = contract_month_report(build_world(monkeypatch).contract, 2026, 11, AFTER_NOVEMBER).credit
    assert credit.breaches == 3
    assert credit.uncapped_percent == Decimal("15") and credit.capped
    assert credit.percent == Decimal("12.5")
    assert credit.amount == Decimal("2500.00")


def test_below_the_cap_each_breach_earns_its_percentage(monkeypatch):
    plan = make_terms_plan(
        monthly_fee=Decimal("1234.57"), currency="EUR", credit_percent_per_breach=Decimal("2.5"),
        credit_cap_percent=Decimal("50"),
    )  # fmt: skip
    credit = contract_month_report(build_world(monkeypatch, plan).contract, 2026, 11, AFTER_NOVEMBER).credit
    assert not credit.capped and credit.percent == Decimal("7.5")
    assert credit.amount == Decimal("92.59")  # 1234.57 × 7.5 % = 92.59275, half-up to cents


def test_a_plan_without_terms_owes_nothing(monkeypatch):
    report = contract_month_report(build_world(monkeypatch, make_terms_plan()).contract, 2026, 11, AFTER_NOVEMBER)
    assert report.total.breached == 3
    assert report.credit.amount == Decimal("0.00")
    assert not report.terms.has_terms


def test_october_counts_the_ticket_closed_then(monkeypatch):
    world = build_world(monkeypatch)
    november = month_tickets(
        world.contract, datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC)
    )
    assert world.tickets["T6"] not in november and len(november) == 5
    october = contract_month_report(world.contract, 2026, 10, AFTER_NOVEMBER)
    # T6 was closed the next day without a reply: closing fulfils its open cycles (first response late: breached).
    assert october.total.counted == 2
    assert october.total.breached == 1 and october.total.met == 1


def test_a_fixed_number_of_queries_whatever_the_ticket_count(monkeypatch, django_assert_num_queries):
    world = build_world(monkeypatch)
    with django_assert_num_queries(5):  # tickets, messages, activities, policies, priority changes
        few = contract_month_report(world.contract, 2026, 11, AFTER_NOVEMBER)
    more = build_world(monkeypatch, world.plan, org_name="Second world")
    for ticket in more.tickets.values():  # move another world's tickets onto this contract: twice the tickets
        ticket.contract = world.contract
        ticket.save(update_fields=["contract"])
    with django_assert_num_queries(5):
        many = contract_month_report(world.contract, 2026, 11, AFTER_NOVEMBER)
    assert many.total.counted == 2 * few.total.counted
