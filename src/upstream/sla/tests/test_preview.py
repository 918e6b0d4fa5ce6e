"""The 14-day preview: per local date the working intervals and hours, over the 2025 Spring Festival."""

# Fixtures are imported from sla_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

from datetime import date

import pytest

from upstream.sla import services
from upstream.sla.calendar import BusinessCalendar as PureCalendar
from upstream.sla.preview import DayKind, working_days
from upstream.sla.tests.sla_world import beijing  # noqa: F401


@pytest.mark.django_db
def test_spring_festival_fortnight(beijing):
    services.import_holidays(beijing, country="CN", year=2025, by=None)
    days = {day.day: day for day in services.preview(beijing, date(2025, 1, 25), days=14)}
    assert len(days) == 14 and min(days) == date(2025, 1, 25) and max(days) == date(2025, 2, 7)
    assert days[date(2025, 1, 25)].kind == DayKind.CLOSED and days[date(2025, 1, 25)].seconds == 0  # Saturday
    sunday = days[date(2025, 1, 26)]  # 调休: a Sunday worked before the holiday
    assert sunday.kind == DayKind.EXTRA_WORKDAY and sunday.intervals == (("09:00", "12:00"), ("13:30", "18:00"))
    assert sunday.hours == 7.5
    for n in range(28, 32):
        assert days[date(2025, 1, n)].kind == DayKind.HOLIDAY and not days[date(2025, 1, n)].is_working
    assert days[date(2025, 2, 4)].kind == DayKind.HOLIDAY  # a day off in exchange for the make-up days
    assert days[date(2025, 2, 5)].kind == DayKind.WORKDAY and days[date(2025, 2, 5)].hours == 7.5
    assert sum(day.seconds for day in days.values()) == 7.5 * 3600 * 5  # 26 Jan, 27 Jan, 5–7 Feb


@pytest.mark.smoke
def test_intervals_across_midnight_are_split_per_date_and_shown_to_24_00():
    night = PureCalendar.from_description(
        {"tz": "Europe/Berlin", "hours": {"mon": [["22:00", "24:00"]], "tue": [["00:00", "06:00"]]}}
    )
    monday, tuesday = working_days(night, date(2025, 6, 2), days=2)
    assert monday.intervals == (("22:00", "24:00"),) and monday.seconds == 2 * 3600
    assert tuesday.intervals == (("00:00", "06:00"),) and tuesday.seconds == 6 * 3600


def test_daylight_saving_day_has_23_hours_around_the_clock():
    days = working_days(PureCalendar.around_the_clock("Europe/Berlin"), date(2025, 3, 29), days=3)
    assert [day.seconds // 3600 for day in days] == [24, 23, 24]
    assert days[1].intervals == (("00:00", "24:00"),)


def test_break_shortens_a_day():
    calendar = PureCalendar.from_description(
        {"tz": "UTC", "hours": {"wed": [["09:00", "17:00"]]}, "breaks": {"2025-06-11": [["12:00", "14:00"]]}}
    )
    (day,) = working_days(calendar, date(2025, 6, 11), days=1)
    assert day.kind == DayKind.BREAK and day.intervals == (("09:00", "12:00"), ("14:00", "17:00"))
