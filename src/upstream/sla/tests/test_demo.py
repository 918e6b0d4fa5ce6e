"""The demo SLA configuration: Beijing and Berlin calendars with holidays, and a full policy matrix; rerunnable."""

from datetime import UTC, datetime

import pytest

from upstream.core.testing import make_plan
from upstream.customers.models import PlanTier, Priority
from upstream.sla import services
from upstream.sla.demo import BEIJING, BERLIN, load_sla_demo
from upstream.sla.models import BusinessCalendar, SlaPolicy

pytestmark = pytest.mark.django_db


def test_demo_calendars_and_matrix():
    gold = make_plan("Gold", tier=PlanTier.ENTERPRISE)
    make_plan("Basic", tier=PlanTier.BASIC)
    demo = load_sla_demo(now=datetime(2025, 11, 23, tzinfo=UTC))
    beijing = BusinessCalendar.objects.get(name=BEIJING)
    assert beijing.time_zone == "Asia/Shanghai" and beijing.hours["mon"] == [["09:00", "12:00"], ["13:30", "18:00"]]
    assert "2025-01-29" in beijing.holidays and "2026-02-17" in beijing.holidays
    assert "2025-01-26" in beijing.extra_workdays and "2026-02-14" in beijing.extra_workdays
    assert "2026-10-03" in BusinessCalendar.objects.get(name=BERLIN).holidays
    assert demo.policies == SlaPolicy.objects.count() == 3 * 4
    p1 = services.policy_for(gold, Priority.P1)
    assert p1.first_response_minutes == 30 and p1.first_response_calendar is None  # around the clock
    p3 = services.policy_for(None, Priority.P3)
    assert p3.first_response_minutes == 8 * 60 and p3.first_response_calendar == beijing
    load_sla_demo(now=datetime(2025, 11, 23, tzinfo=UTC))
    assert BusinessCalendar.objects.count() == 2 and SlaPolicy.objects.count() == 12
