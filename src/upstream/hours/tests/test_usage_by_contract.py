"""usage_by_contract: the interface the customer-health score reads (prepaid, billable used, percent)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from upstream.core.testing import make_agent, make_contact, make_contract, make_org, make_ticket
from upstream.hours.models import TimeEntry
from upstream.hours.queries import usage_by_contract

pytestmark = pytest.mark.django_db


def _entry(ticket, contract, user, minutes, *, billable=True):
    return TimeEntry.objects.create(
        ticket=ticket, contract=contract, user=user, minutes=minutes, billable=billable, worked_on=date(2026, 1, 5)
    )


def test_prepaid_used_and_percent_per_contract(django_assert_num_queries):
    org, other = make_org(), make_org()
    agent = make_agent()
    first, second, untouched = make_contract(org), make_contract(other), make_contract(other)
    first.consulting_hours = Decimal("10")
    first.save()
    second.consulting_hours = Decimal("0.5")
    second.save()
    untouched.consulting_hours = Decimal("0")
    untouched.save()
    ticket = make_ticket(make_contact(org), org, by=agent)
    other_ticket = make_ticket(make_contact(other), other, by=agent)
    _entry(ticket, first, agent, 90)
    _entry(ticket, first, agent, 60)
    _entry(ticket, first, agent, 600, billable=False)  # recorded, draws down nothing
    _entry(ticket, None, agent, 45)  # no contract: draws down nothing
    _entry(other_ticket, second, agent, 45)

    with django_assert_num_queries(1):
        usage = usage_by_contract([first.id, second.id, untouched.id, 999_999])

    assert set(usage) == {first.id, second.id, untouched.id}
    assert (usage[first.id].prepaid_minutes, usage[first.id].used_minutes) == (600, 150)
    assert usage[first.id].percent_used == 25.0
    assert (usage[second.id].prepaid_minutes, usage[second.id].used_minutes) == (30, 45)
    assert usage[second.id].percent_used == 150.0
    assert usage[second.id].overage_minutes == 15
    assert (usage[untouched.id].used_minutes, usage[untouched.id].percent_used) == (0, None)


def test_no_ids_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert usage_by_contract([]) == {}
