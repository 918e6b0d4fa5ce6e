"""Shared builders for the SLA configuration tests: a Beijing calendar (lunch break) and the people who use the pages.

Imported explicitly by the tests that need them (a plain module rather than a conftest, so it is clear where the
fixtures come from)."""

from __future__ import annotations

import pytest

from upstream.core.testing import make_admin, make_agent, make_contact, make_org
from upstream.sla import services
from upstream.sla.models import BusinessCalendar

BEIJING_DAY = [["09:00", "12:00"], ["13:30", "18:00"]]


def make_beijing(name: str = "Beijing business hours", **extra) -> BusinessCalendar:
    return services.save_calendar(
        by=None,
        name=name,
        time_zone="Asia/Shanghai",
        hours={day: BEIJING_DAY for day in ("mon", "tue", "wed", "thu", "fri")},
        **extra,
    )


@pytest.fixture
def beijing(db) -> BusinessCalendar:
    return make_beijing()


@pytest.fixture
def admin(db):
    return make_admin()


@pytest.fixture
def agent(db):
    return make_agent()


@pytest.fixture
def customer(db):
    return make_contact(make_org()).user
