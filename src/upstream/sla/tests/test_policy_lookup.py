"""policy_for: the plan's policy for the priority, else the fallback for that priority, in one query."""

# Fixtures are imported from sla_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

from datetime import UTC, datetime

import pytest

from upstream.core.testing import make_plan
from upstream.customers.models import Priority
from upstream.sla import services
from upstream.sla.tests.sla_world import beijing  # noqa: F401

pytestmark = pytest.mark.django_db


def _policy(plan, priority, minutes, calendar=None):
    return services.save_policy(
        by=None,
        plan=plan,
        priority=priority,
        first_response_minutes=minutes,
        next_response_minutes=None,
        resolution_minutes=None,
        first_response_calendar=calendar,
    )


def test_plan_policy_wins_over_fallback(beijing, django_assert_num_queries):
    gold, bronze = make_plan("Gold"), make_plan("Bronze")
    own = _policy(gold, Priority.P3, 240, beijing)
    fallback = _policy(None, Priority.P3, 480)
    _policy(None, Priority.P1, 60)
    with django_assert_num_queries(1):
        found = services.policy_for(gold, Priority.P3)
        assert found.first_response_calendar.name == beijing.name  # joined, no extra query
    assert found == own
    assert services.policy_for(bronze, Priority.P3) == fallback  # no own policy: the fallback
    assert services.policy_for(None, Priority.P3) == fallback  # no active contract
    assert services.policy_for(gold, Priority.P1).first_response_minutes == 60


def test_no_policy_and_no_fallback_is_none():
    plan = make_plan()
    _policy(plan, Priority.P1, 30)
    assert services.policy_for(plan, Priority.P4) is None
    assert services.policy_for(None, Priority.P1) is None


def test_targets_and_calendars_per_metric(beijing):
    policy = _policy(make_plan(), Priority.P2, 90, beijing)
    assert policy.target_minutes("first_response") == 90 and policy.target_minutes("resolution") is None
    assert policy.calendar_for("first_response") == beijing and policy.calendar_for("next_response") is None


def test_engine_per_metric_in_the_vendor_or_the_customer_zone(beijing):
    vendor = _policy(make_plan(), Priority.P3, 240, beijing)
    customer = services.save_policy(
        by=None,
        plan=make_plan(),
        priority=Priority.P3,
        first_response_minutes=240,
        next_response_minutes=None,
        resolution_minutes=None,
        first_response_calendar=beijing,
        zone_source="customer",
    )
    assert vendor.engine_for("first_response", customer_time_zone="Europe/Berlin").tz == "Asia/Shanghai"
    berlin = customer.engine_for("first_response", customer_time_zone="Europe/Berlin")
    assert berlin.tz == "Europe/Berlin" and berlin.weekly == beijing.to_engine().weekly  # same hours, other zone
    assert berlin is customer.engine_for("first_response", customer_time_zone="Europe/Berlin")  # cached
    monday_9_berlin = datetime(2025, 6, 2, 7, 0, tzinfo=UTC)  # 09:00 CEST, 15:00 in Beijing
    assert berlin.is_open(monday_9_berlin)
    assert not vendor.engine_for("first_response", customer_time_zone="Europe/Berlin").is_open(
        datetime(2025, 6, 2, 11, 0, tzinfo=UTC)  # 19:00 in Beijing
    )
    around = vendor.engine_for("resolution", customer_time_zone="Europe/Berlin")
    assert around.between(monday_9_berlin, datetime(2025, 6, 3, 7, 0, tzinfo=UTC)) == 24 * 3600  # no calendar: 24×7
