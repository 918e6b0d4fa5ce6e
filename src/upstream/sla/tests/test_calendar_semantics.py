"""Boundary rules and the shape of results, by example (Mon–Fri 09:00–12:00 and 13:00–17:00, UTC, June 2025)."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from upstream.sla.calendar import WEEKDAYS, BusinessCalendar

pytestmark = pytest.mark.smoke

HOUR = 3600
CALENDAR = BusinessCalendar.from_description(
    {"tz": "UTC", "hours": {day: [["09:00", "12:00"], ["13:00", "17:00"]] for day in WEEKDAYS[:5]}}
)


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_results_are_aware_utc_and_keep_seconds_and_microseconds():
    shanghai = ZoneInfo("Asia/Shanghai")
    start = datetime(2025, 6, 2, 17, 35, 17, 250_000, tzinfo=shanghai)  # Monday 09:35:17.25 UTC
    due = CALENDAR.add(start, HOUR)
    assert due.tzinfo is UTC
    assert due == at("2025-06-02T10:35:17.250000")


def test_naive_datetimes_and_fractional_seconds_are_rejected():
    with pytest.raises(ValueError, match="naive"):
        CALENDAR.add(datetime(2025, 6, 2, 10), HOUR)
    with pytest.raises(ValueError, match="naive"):
        CALENDAR.between(at("2025-06-02T10:00"), datetime(2025, 6, 3))
    with pytest.raises(TypeError):
        CALENDAR.add(at("2025-06-02T10:00"), 1.5)


def test_a_start_outside_hours_counts_from_the_next_opening():
    assert CALENDAR.add(at("2025-06-02T07:12:05"), 60) == at("2025-06-02T09:01")
    assert CALENDAR.add(at("2025-06-02T12:30"), 60) == at("2025-06-02T13:01")  # lunch
    assert CALENDAR.add(at("2025-06-07T10:00"), 60) == at("2025-06-09T09:01")  # Saturday


def test_a_due_time_exactly_at_a_closing_is_the_closing():
    assert CALENDAR.add(at("2025-06-02T09:00"), 3 * HOUR) == at("2025-06-02T12:00")
    assert CALENDAR.add(at("2025-06-02T13:00"), 4 * HOUR) == at("2025-06-02T17:00")
    assert CALENDAR.add(at("2025-06-02T13:00"), 4 * HOUR + 1) == at("2025-06-03T09:00:01")


def test_adding_zero_gives_the_first_business_instant_at_or_after_the_start():
    assert CALENDAR.add(at("2025-06-02T10:00"), 0) == at("2025-06-02T10:00")
    assert CALENDAR.add(at("2025-06-02T09:00"), 0) == at("2025-06-02T09:00")  # an opening is open
    assert CALENDAR.add(at("2025-06-02T12:00"), 0) == at("2025-06-02T13:00")  # a closing is not
    assert CALENDAR.add(at("2025-06-06T17:00"), 0) == at("2025-06-09T09:00")
    assert CALENDAR.next_opening(at("2025-06-07T00:00")) == at("2025-06-09T09:00")


def test_subtracting_mirrors_adding():
    assert CALENDAR.subtract(at("2025-06-02T17:00"), 4 * HOUR) == at("2025-06-02T13:00")  # an opening is kept
    assert CALENDAR.subtract(at("2025-06-09T09:30"), HOUR) == at("2025-06-06T16:30")
    assert CALENDAR.subtract(at("2025-06-07T12:00"), 0) == at("2025-06-06T17:00")  # the previous closing
    assert CALENDAR.subtract(at("2025-06-02T12:00"), 0) == at("2025-06-02T12:00")  # a closing is kept
    assert CALENDAR.subtract(at("2025-06-02T09:00"), 0) == at("2025-06-02T09:00")
    assert CALENDAR.add(at("2025-06-09T09:30"), -HOUR) == CALENDAR.subtract(at("2025-06-09T09:30"), HOUR)
    assert CALENDAR.subtract(at("2025-06-06T16:30"), -HOUR) == at("2025-06-09T09:30")


def test_between_is_signed_and_counts_only_working_time():
    friday, monday = at("2025-06-06T16:00"), at("2025-06-09T10:00")
    assert CALENDAR.between(friday, monday) == 2 * HOUR
    assert CALENDAR.between(monday, friday) == -2 * HOUR
    assert CALENDAR.between(friday, friday) == 0
    assert CALENDAR.between(at("2025-06-07T01:00"), at("2025-06-08T23:00")) == 0
    assert CALENDAR.between(at("2025-06-02T10:00"), at("2025-06-02T10:00:00.600000")) == 0  # truncated


def test_is_open_treats_intervals_as_half_open():
    assert CALENDAR.is_open(at("2025-06-02T09:00"))
    assert CALENDAR.is_open(at("2025-06-02T11:59:59.999999"))
    assert not CALENDAR.is_open(at("2025-06-02T12:00"))
    assert not CALENDAR.is_open(at("2025-06-07T10:00"))


def test_a_fourteen_day_preview_of_working_intervals():
    start = at("2025-06-02T10:30")
    preview = list(CALENDAR.working_intervals(start, start + timedelta(days=14)))
    # Ten working days of two intervals, plus the morning of the fifteenth day, clipped at both ends.
    assert len(preview) == 21
    assert preview[0] == (start, at("2025-06-02T12:00"))
    assert preview[-1] == (at("2025-06-16T09:00"), start + timedelta(days=14))
    assert sum((closing - opening).total_seconds() for opening, closing in preview) == 10 * 7 * HOUR
    assert list(CALENDAR.working_intervals(start, start)) == []


def test_breaks_remove_time_and_can_close_a_whole_day():
    description = CALENDAR.to_description() | {
        "breaks": {"2025-06-11": [["10:00", "14:00"]], "2025-06-12": [["00:00", "24:00"]]}
    }
    calendar = BusinessCalendar.from_description(description)
    assert calendar.add(at("2025-06-11T09:30"), HOUR) == at("2025-06-11T14:30")
    assert not calendar.is_open(at("2025-06-12T10:00"))
    assert calendar.add(at("2025-06-11T16:30"), HOUR) == at("2025-06-13T09:30")


def test_long_durations_and_far_dates_widen_the_table():
    start = at("2025-06-02T09:00")
    years = 5 * 52 * 35 * HOUR  # 35 h a week for about five years
    due = CALENDAR.add(start, years)
    assert CALENDAR.between(start, due) == years
    assert CALENDAR.subtract(due, years) == start
    assert CALENDAR.add(at("1999-12-31T16:00"), 2 * HOUR) == at("2000-01-03T10:00")
    assert CALENDAR.between(at("1999-12-31T16:00"), at("2025-06-02T09:00")) > 0


def test_the_24x7_calendar_counts_real_seconds():
    calendar = BusinessCalendar.around_the_clock("Europe/Berlin")
    start = datetime(2025, 3, 29, 12, tzinfo=timezone(timedelta(hours=1)))
    assert calendar.add(start, 86_400) == start + timedelta(days=1)
    assert calendar.between(start, start + timedelta(days=10, seconds=5)) == 864_005


def test_a_calendar_round_trips_through_its_description_and_is_a_value():
    description = {
        "tz": "Asia/Shanghai",
        "hours": {"mon": [["13:30", "18:00"], ["09:00", "12:00"]], "sat": [["10:00", "24:00"]]},
        "holidays": ["2025-10-01", "2025-10-02"],
        "holidays_inactive": ["2025-10-02"],
        "extra_workdays": {"2025-09-28": [["09:00", "18:00"]]},
        "breaks": {"2025-06-11": [["12:00", "14:00"]]},
    }
    calendar = BusinessCalendar.from_description(description)
    again = BusinessCalendar.from_description(calendar.to_description())
    assert again == calendar and hash(again) == hash(calendar)
    assert calendar.to_description()["hours"]["mon"] == [["09:00", "12:00"], ["13:30", "18:00"]]
    assert calendar.to_description()["holidays"] == ["2025-10-01"]
    assert calendar.zone == ZoneInfo("Asia/Shanghai")
