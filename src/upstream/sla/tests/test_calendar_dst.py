"""Daylight-saving changes (America/New_York, Europe/Berlin) and Chinese make-up workdays (调休, Asia/Shanghai).

2025 changes: New York springs forward on 9 March at 02:00 EST (07:00Z) and falls back on 2 November at 02:00 EDT
(06:00Z); Berlin springs forward on 30 March at 02:00 CET (01:00Z) and falls back on 26 October at 03:00 CEST (01:00Z).
"""

from datetime import UTC, datetime, timedelta

import pytest

from upstream.sla.calendar import WEEKDAYS, BusinessCalendar

pytestmark = pytest.mark.smoke

HOUR = 3600


def utc(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def every_day(tz, *spans):
    return BusinessCalendar.from_description({"tz": tz, "hours": {day: [list(s) for s in spans] for day in WEEKDAYS}})


def office(tz, *spans, **extra):
    weekdays = {day: [list(s) for s in spans] for day in WEEKDAYS[:5]}
    return BusinessCalendar.from_description({"tz": tz, "hours": weekdays, **extra})


def local(calendar, text):
    return calendar.localize(datetime.fromisoformat(text))


# ---------------------------------------------------------------- a 24-hour calendar: business time is real time


@pytest.mark.parametrize(
    ("tz", "saturday", "monday", "hours"),
    [
        ("America/New_York", "2025-03-08", "2025-03-10", 47),
        ("America/New_York", "2025-11-01", "2025-11-03", 49),
        ("Europe/Berlin", "2025-03-29", "2025-03-31", 47),
        ("Europe/Berlin", "2025-10-25", "2025-10-27", 49),
    ],
)
def test_a_24_hour_weekend_has_one_hour_less_or_more(tz, saturday, monday, hours):
    for calendar in (every_day(tz, ("00:00", "24:00")), BusinessCalendar.around_the_clock(tz)):
        start, end = local(calendar, f"{saturday}T00:00"), local(calendar, f"{monday}T00:00")
        assert calendar.between(start, end) == hours * HOUR
        assert calendar.add(start, hours * HOUR) == end
        assert calendar.subtract(end, hours * HOUR) == start
        assert list(calendar.working_intervals(start, end)) == [(start, end)]  # one interval across both midnights


def test_adding_a_day_on_a_24_hour_calendar_adds_real_hours():
    calendar = every_day("America/New_York", ("00:00", "24:00"))
    due = calendar.add(local(calendar, "2025-03-08T12:00"), 24 * HOUR)
    assert due == utc("2025-03-09T17:00")  # 13:00 EDT: the wall clock moved 25 hours
    assert due.astimezone(calendar.zone).hour == 13


# ---------------------------------------------------------------- a night interval 00:00–03:00 across the change


@pytest.mark.parametrize(
    ("tz", "day", "opening", "closing"),
    [
        # 00:00–02:00 EST, then the clock jumps to 03:00: 2 hours.
        ("America/New_York", "2025-03-09", "2025-03-09T05:00", "2025-03-09T07:00"),
        # 00:00–01:59 EDT, then 01:00–02:59 EST: 4 hours.
        ("America/New_York", "2025-11-02", "2025-11-02T04:00", "2025-11-02T08:00"),
        # 00:00–02:00 CET (23:00Z–01:00Z), then 03:00 CEST, the end: 2 hours.
        ("Europe/Berlin", "2025-03-30", "2025-03-29T23:00", "2025-03-30T01:00"),
        # 00:00–03:00 CEST (22:00Z–01:00Z), then 02:00–03:00 CET again: 4 hours.
        ("Europe/Berlin", "2025-10-26", "2025-10-25T22:00", "2025-10-26T02:00"),
    ],
)
def test_a_night_interval_lasts_as_long_as_the_clock_shows_it(tz, day, opening, closing):
    calendar = every_day(tz, ("00:00", "03:00"))
    day_start = local(calendar, f"{day}T00:00")
    intervals = list(calendar.working_intervals(day_start, day_start + timedelta(hours=12)))
    assert intervals == [(utc(opening), utc(closing))]
    length = int((utc(closing) - utc(opening)).total_seconds())
    assert calendar.add(utc(opening), length) == utc(closing)  # exactly at the closing
    assert calendar.add(utc(opening), length + 60) == local(calendar, f"{day}T00:01") + timedelta(days=1)
    assert calendar.between(day_start - timedelta(hours=1), day_start + timedelta(hours=12)) == length


def test_the_repeated_hour_is_worked_twice():
    calendar = every_day("America/New_York", ("01:00", "02:00"))
    first_one_oclock = utc("2025-11-02T05:00")  # 01:00 EDT
    assert calendar.add(first_one_oclock, 90 * 60) == utc("2025-11-02T06:30")  # 01:30 EST, the second time round
    assert calendar.is_open(utc("2025-11-02T06:59"))
    assert not calendar.is_open(utc("2025-11-02T07:00"))  # 02:00 EST


def test_wall_times_skipped_by_the_change_are_never_worked():
    calendar = BusinessCalendar.from_description({"tz": "America/New_York", "hours": {"sun": [["02:00", "03:00"]]}})
    saturday = local(calendar, "2025-03-08T12:00")
    # 9 March has no 02:00–03:00, so the first working half hour is a week later.
    assert calendar.next_opening(saturday) == utc("2025-03-16T06:00")
    assert calendar.add(saturday, 30 * 60) == utc("2025-03-16T06:30")


def test_an_overnight_shift_across_the_change_is_one_interval():
    calendar = BusinessCalendar.from_description(
        {"tz": "America/New_York", "hours": {"sat": [["22:00", "24:00"]], "sun": [["00:00", "06:00"]]}}
    )
    start = local(calendar, "2025-03-08T22:00")
    end = local(calendar, "2025-03-09T06:00")
    assert list(calendar.working_intervals(start - timedelta(hours=1), end + timedelta(hours=1))) == [(start, end)]
    assert calendar.between(start, end) == 7 * HOUR  # 8 wall-clock hours, one of them skipped


# ---------------------------------------------------------------- office hours over the change weekend


def test_office_hours_over_the_spring_weekend_in_new_york():
    calendar = office("America/New_York", ("09:00", "17:00"))
    friday = local(calendar, "2025-03-07T16:00")  # 21:00Z
    monday = calendar.add(friday, 2 * HOUR)
    assert monday == utc("2025-03-10T14:00")  # 10:00 EDT
    assert calendar.subtract(monday, 2 * HOUR) == friday
    assert calendar.between(local(calendar, "2025-03-07T09:00"), local(calendar, "2025-03-10T17:00")) == 16 * HOUR


def test_office_hours_over_the_autumn_weekend_in_berlin():
    calendar = office("Europe/Berlin", ("09:00", "12:00"), ("13:00", "18:00"))
    friday = local(calendar, "2025-10-24T17:30")  # 15:30Z, CEST
    assert calendar.add(friday, HOUR) == utc("2025-10-27T08:30")  # 09:30 CET
    assert calendar.add(friday, 3 * HOUR + 1800) == utc("2025-10-27T11:00")  # 12:00 CET, the lunch closing


def test_a_naive_wall_time_is_read_with_fold_0():
    calendar = office("America/New_York", ("09:00", "17:00"))
    # astimezone(UTC): Python never calls a time inside a fold equal to a time in another zone (PEP 495).
    assert local(calendar, "2025-11-02T01:30").astimezone(UTC) == utc("2025-11-02T05:30")  # the first 01:30 (EDT)
    assert local(calendar, "2025-03-09T02:30").astimezone(UTC) == utc("2025-03-09T07:30")  # skipped: 03:30 EDT


# ---------------------------------------------------------------- Asia/Shanghai with make-up workdays (调休)

CN_HOURS = (("09:00", "12:00"), ("13:30", "18:00"))  # 7.5 h a day with a lunch break


def spring_festival_2025():
    # State Council notice for 2025: 28 Jan – 4 Feb off; Sunday 26 Jan and Saturday 8 Feb are workdays.
    holidays = [f"2025-01-{day}" for day in range(28, 32)] + [f"2025-02-0{day}" for day in range(1, 5)]
    makeup = {"2025-01-26": [list(s) for s in CN_HOURS], "2025-02-08": [list(s) for s in CN_HOURS]}
    return office("Asia/Shanghai", *CN_HOURS, holidays=holidays, extra_workdays=makeup)


def spring_festival_2026():
    # State Council notice for 2026: 1–3 Jan off, Sunday 4 Jan worked; 15–23 Feb off, Saturdays 14 and 28 Feb worked.
    holidays = ["2026-01-01", "2026-01-02", "2026-01-03"] + [f"2026-02-{day}" for day in range(15, 24)]
    makeup = {day: [list(s) for s in CN_HOURS] for day in ("2026-01-04", "2026-02-14", "2026-02-28")}
    return office("Asia/Shanghai", *CN_HOURS, holidays=holidays, extra_workdays=makeup)


def test_make_up_days_2025_are_workdays_and_the_festival_is_not():
    calendar = spring_festival_2025()
    assert calendar.is_open(local(calendar, "2025-01-26T10:00"))  # Sunday
    assert calendar.is_open(local(calendar, "2025-02-08T14:00"))  # Saturday
    assert not calendar.is_open(local(calendar, "2025-01-26T12:30"))  # lunch on a make-up day
    assert not calendar.is_open(local(calendar, "2025-01-28T10:00"))  # Tuesday, Spring Festival
    assert not calendar.is_open(local(calendar, "2025-02-09T10:00"))  # an ordinary Sunday


def test_counting_across_spring_festival_2025():
    calendar = spring_festival_2025()
    # Monday 27 Jan 17:00 + 2 h: one hour that day, then the festival, then Wednesday 5 Feb.
    assert calendar.add(local(calendar, "2025-01-27T17:00"), 2 * HOUR) == local(calendar, "2025-02-05T10:00")
    # Fri 24 Jan, Sun 26, Mon 27, Wed 5 – Fri 7 Feb: six working days of 7.5 h.
    start, end = local(calendar, "2025-01-24T09:00"), local(calendar, "2025-02-07T18:00")
    assert calendar.between(start, end) == 6 * 7.5 * HOUR
    # Friday 7 Feb 17:00 + 2 h reaches into the make-up Saturday.
    assert calendar.add(local(calendar, "2025-02-07T17:00"), 2 * HOUR) == local(calendar, "2025-02-08T10:00")


def test_counting_across_new_year_and_spring_festival_2026():
    calendar = spring_festival_2026()
    assert calendar.add(local(calendar, "2025-12-31T17:30"), HOUR) == local(calendar, "2026-01-04T09:30")
    # Friday 13 Feb 17:00 + 4 h: one hour, then the make-up Saturday's morning, ending exactly at its lunch closing.
    assert calendar.add(local(calendar, "2026-02-13T17:00"), 4 * HOUR) == local(calendar, "2026-02-14T12:00")
    # Saturday 14 Feb 17:00 + 2 h: the festival runs to Monday 23 Feb, so Tuesday 24 Feb 10:00.
    assert calendar.add(local(calendar, "2026-02-14T17:00"), 2 * HOUR) == local(calendar, "2026-02-24T10:00")
    assert calendar.is_open(local(calendar, "2026-02-28T09:00"))


def test_an_inactive_holiday_is_an_ordinary_day():
    description = spring_festival_2025().to_description() | {"holidays_inactive": ["2025-02-04"]}
    calendar = BusinessCalendar.from_description(description)
    assert calendar.is_open(local(calendar, "2025-02-04T10:00"))
    assert not calendar.is_open(local(calendar, "2025-02-03T10:00"))


def test_a_make_up_day_wins_over_a_holiday_on_the_same_date():
    calendar = office(
        "Asia/Shanghai", *CN_HOURS, holidays=["2025-10-01"], extra_workdays={"2025-10-01": [["10:00", "11:00"]]}
    )
    assert calendar.is_open(local(calendar, "2025-10-01T10:30"))
    assert not calendar.is_open(local(calendar, "2025-10-01T09:30"))
