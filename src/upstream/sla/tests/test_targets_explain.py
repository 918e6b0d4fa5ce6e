"""Deadlines explained in words, instants in the target calendar's zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from upstream.sla.calendar import BusinessCalendar
from upstream.sla.explain import business, wall
from upstream.sla.targets import (
    AgentPublicReply,
    Created,
    CustomerMessage,
    Policy,
    PolicyChanged,
    StatusChanged,
    Target,
    compute,
)

pytestmark = pytest.mark.smoke

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3600
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
BEIJING = BusinessCalendar.from_description(
    {"tz": "Asia/Shanghai", "hours": {day: [["09:00", "12:00"], ["13:30", "18:00"]] for day in WEEKDAYS}}
)


def bj(day, time):
    hour, minute = (int(part) for part in time.split(":"))
    return datetime(2025, 11, day, hour, minute, tzinfo=SHANGHAI)


def target(hours, calendar=BEIJING, name="Beijing business hours"):
    return Target(int(hours * HOUR), calendar, name)


P3 = Policy(target(4), target(2), target(16))


def test_the_issue_example_word_for_word():
    result = compute(P3, [Created(bj(23, "16:10"))], now=bj(23, "16:10"))
    assert result.first_response.explain() == (
        "first response due 24 Nov 14:30 CST = created 23 Nov 16:10 + 4 business hours on 'Beijing business hours', "
        "paused 0 min"
    )


def test_a_paused_clock_says_how_much_was_used():
    events = [Created(bj(24, "09:00")), StatusChanged(bj(24, "10:30"), "new", "waiting_customer")]
    assert compute(P3, events, now=bj(24, "11:45")).first_response.explain() == (
        "first response paused since 24 Nov 10:30 CST (waiting on the customer): created 24 Nov 09:00 + "
        "1 business hour 30 min used of 4 business hours on 'Beijing business hours', paused 1 h 15 min"
    )


def test_met_late_and_overdue():
    events = [Created(bj(24, "09:00")), AgentPublicReply(bj(24, "10:00")), CustomerMessage(bj(24, "16:00"))]
    result = compute(P3, events, now=bj(25, "09:30"))
    assert result.first_response.explain().endswith("paused 0 min; met by an agent reply 24 Nov 10:00")
    assert result.next_response.explain() == (
        "next response due 24 Nov 18:00 CST = customer message 24 Nov 16:00 + 2 business hours on "
        "'Beijing business hours', paused 0 min; overdue"
    )
    late = compute(P3, [*events, AgentPublicReply(bj(25, "09:30"))], now=bj(25, "10:00")).next_response
    assert late.explain().endswith("; breached: an agent reply 25 Nov 09:30, 15 h 30 min late")
    resolved = compute(P3, [events[0], StatusChanged(bj(24, "09:05"), "new", "resolved")], now=bj(24, "10:00"))
    assert resolved.resolution.explain().endswith("; met by resolving the ticket 24 Nov 09:05")


def test_a_policy_change_is_mentioned():
    p1 = Policy(target(1), target(1), target(4, BusinessCalendar.around_the_clock("Asia/Shanghai"), "24×7"))
    events = [Created(bj(24, "09:00")), PolicyChanged(bj(24, "10:00"), p1)]
    assert compute(P3, events, now=bj(24, "10:30")).resolution.explain() == (
        "resolution due 24 Nov 13:00 CST = created 24 Nov 09:00 + 4 business hours on '24×7', paused 0 min; "
        "policy changed 24 Nov 10:00 after 1 business hour"
    )


def test_not_applicable_metrics():
    result = compute(Policy(target(4)), [Created(bj(24, "09:00"))], now=bj(24, "10:00"))
    assert result.resolution.explain() == "resolution: no target in the policy"
    assert compute(P3, [Created(bj(24, "09:00"))], now=bj(24, "10:00")).next_response.explain() == (
        "next response: nothing pending (a cycle starts when the customer writes after an agent reply)"
    )


def test_the_zone_abbreviation_follows_daylight_saving_and_an_unnamed_calendar_shows_its_zone():
    berlin = BusinessCalendar.from_description(
        {"tz": "Europe/Berlin", "hours": {day: [["09:00", "17:00"]] for day in WEEKDAYS}}
    )
    created = datetime(2025, 10, 24, 16, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # Friday; clocks go back on Sunday
    result = compute(Policy(Target(8 * HOUR, berlin)), [Created(created)], now=created)
    assert result.first_response.explain() == (
        "first response due 27 Oct 16:00 CET = created 24 Oct 16:00 CEST + 8 business hours on 'Europe/Berlin', "
        "paused 0 min"
    )
    assert result.explain().count("\n") == 2  # one line per metric


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (4 * HOUR, "4 business hours"),
        (HOUR, "1 business hour"),
        (2 * HOUR + 30 * 60, "2 business hours 30 min"),
        (45 * 60, "45 business min"),
        (0, "0 business min"),
        (20, "20 business s"),
        (HOUR + 5, "1 business hour 5 s"),
    ],
)
def test_business_durations(seconds, text):
    assert business(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 min"), (30, "30 s"), (35 * 60, "35 min"), (2 * HOUR + 300, "2 h 5 min"), (27 * HOUR, "1 d 3 h 0 min")],
)
def test_wall_clock_durations(seconds, text):
    assert wall(seconds) == text
