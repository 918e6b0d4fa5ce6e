"""Properties of business-calendar arithmetic, checked against a brute-force per-minute oracle.

Calendars mix lunch breaks, "24:00" ends, holidays, make-up workdays (调休) and one-off breaks, in zones with and
without daylight saving (including Lord Howe's 30-minute change), around the dates their clocks change.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from upstream.sla.calendar import WEEKDAYS, BusinessCalendar

pytestmark = pytest.mark.smoke

# Zones whose offsets and changes fall on whole minutes, so working time is constant within each real minute.
ZONES = ["UTC", "Asia/Shanghai", "Asia/Kathmandu", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe"]
# Dates near clock changes (and Spring Festival): New York, Berlin and Lord Howe forward and back.
ANCHORS = [
    date(2025, 3, 9),
    date(2025, 11, 2),
    date(2025, 3, 30),
    date(2025, 10, 26),
    date(2025, 4, 6),
    date(2025, 10, 5),
    date(2025, 1, 28),
]
MAX_MINUTES = 400_000  # the oracle gives up rather than loop forever
ORACLE_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def clock(seconds):
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


@st.composite
def day_hours(draw, min_size=0):
    """Non-overlapping intervals on a half-hour grid, as ["HH:MM", "HH:MM"] pairs; "24:00" can end the day."""
    points = sorted(draw(st.lists(st.integers(0, 48), unique=True, min_size=min_size, max_size=6)))
    return [[clock(a * 1800), clock(b * 1800)] for a, b in zip(points[::2], points[1::2], strict=False)]


def weekly_seconds(hours):
    total = 0
    for spans in hours.values():
        for start, end in spans:
            total += _seconds(end) - _seconds(start)
    return total


@st.composite
def calendars(draw):
    anchor = draw(st.sampled_from(ANCHORS))
    nearby = st.integers(-10, 10).map(lambda offset: (anchor + timedelta(days=offset)).isoformat())
    hours = draw(
        st.fixed_dictionaries({name: day_hours() for name in WEEKDAYS}).filter(
            lambda week: weekly_seconds(week) >= 6 * 3600
        )
    )
    description = {
        "tz": draw(st.sampled_from(ZONES)),
        "hours": hours,
        "holidays": draw(st.lists(nearby, max_size=4, unique=True)),
        "extra_workdays": draw(st.dictionaries(nearby, day_hours(min_size=2), max_size=2)),
        "breaks": draw(st.dictionaries(nearby, day_hours(min_size=2), max_size=2)),
    }
    if description["holidays"] and draw(st.booleans()):
        description["holidays_inactive"] = description["holidays"][:1]
    return description, anchor


@st.composite
def instants(draw, anchor):
    """Any second within five days of the anchor, or one on a quarter-hour grid, where openings and closings lie
    (Kathmandu's +05:45 included), so boundaries are hit often."""
    midnight = int(datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC).timestamp())
    offset = draw(st.one_of(st.integers(-5 * 86400, 5 * 86400), st.integers(-480, 480).map(lambda k: k * 900)))
    return midnight + offset


durations = st.one_of(st.integers(0, 20 * 3600), st.integers(0, 80).map(lambda k: k * 900))


def _seconds(text):
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


@dataclass
class Oracle:
    """Brute force from the description alone: a real minute is working when its wall-clock reading in the zone lies
    in that local date's intervals (make-up workday, else holiday, else weekday), outside any break."""

    description: dict

    def __post_init__(self):
        self.zone = ZoneInfo(self.description["tz"])
        self.memo = {}
        inactive = set(self.description.get("holidays_inactive", []))
        self.holidays = {date.fromisoformat(day) for day in self.description["holidays"] if day not in inactive}
        self.extra = {date.fromisoformat(day): spans for day, spans in self.description["extra_workdays"].items()}
        self.breaks = {date.fromisoformat(day): spans for day, spans in self.description["breaks"].items()}

    def working_minute(self, minute_start):
        if minute_start not in self.memo:
            local = datetime.fromtimestamp(minute_start, self.zone)
            day, second = local.date(), local.hour * 3600 + local.minute * 60
            if day in self.extra:
                spans = self.extra[day]
            elif day in self.holidays:
                spans = []
            else:
                spans = self.description["hours"][WEEKDAYS[day.weekday()]]
            inside = any(_seconds(a) <= second < _seconds(b) for a, b in spans)
            on_break = any(_seconds(a) <= second < _seconds(b) for a, b in self.breaks.get(day, []))
            self.memo[minute_start] = inside and not on_break
        return self.memo[minute_start]

    def is_open(self, t):
        return self.working_minute(t - t % 60)

    def add(self, t, amount):
        if amount == 0:
            return self.next_opening(t)
        cursor, remaining = t, amount
        for _ in range(MAX_MINUTES):
            minute = cursor - cursor % 60
            if self.working_minute(minute):
                available = minute + 60 - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
            cursor = minute + 60
        raise AssertionError("oracle ran out of minutes")

    def next_opening(self, t):
        cursor = t
        for _ in range(MAX_MINUTES):
            if self.is_open(cursor):
                return cursor
            cursor = cursor - cursor % 60 + 60
        raise AssertionError("oracle ran out of minutes")

    def subtract(self, t, amount):
        cursor, remaining = t, amount
        if amount == 0 and (self.is_open(t) or (t % 60 == 0 and self.working_minute(t - 60))):
            return t
        for _ in range(MAX_MINUTES):
            minute = (cursor - 1) - (cursor - 1) % 60  # the minute just before the cursor
            if self.working_minute(minute):
                if amount == 0:
                    return cursor  # the previous closing
                available = cursor - minute
                if remaining <= available:
                    return cursor - remaining
                remaining -= available
            cursor = minute
        raise AssertionError("oracle ran out of minutes")

    def between(self, a, b):
        if b < a:
            return -self.between(b, a)
        total, cursor = 0, a
        while cursor < b:
            minute = cursor - cursor % 60
            step_end = min(minute + 60, b)
            if self.working_minute(minute):
                total += step_end - cursor
            cursor = step_end
        return total


def at(t):
    return datetime.fromtimestamp(t, UTC)


def ts(moment):
    assert moment.tzinfo is not None
    return int(moment.timestamp())


@st.composite
def cases(draw, n_durations=1, n_instants=1):
    description, anchor = draw(calendars())
    moments = [draw(instants(anchor)) for _ in range(n_instants)]
    amounts = [draw(durations) for _ in range(n_durations)]
    return BusinessCalendar.from_description(description), Oracle(description), moments, amounts


@ORACLE_SETTINGS
@given(cases())
def test_add_agrees_with_the_oracle(case):
    calendar, oracle, [t], [amount] = case
    assert ts(calendar.add(at(t), amount)) == oracle.add(t, amount)


@ORACLE_SETTINGS
@given(cases())
def test_subtract_agrees_with_the_oracle(case):
    calendar, oracle, [t], [amount] = case
    assert ts(calendar.subtract(at(t), amount)) == oracle.subtract(t, amount)


@ORACLE_SETTINGS
@given(cases(n_instants=2))
def test_between_agrees_with_the_oracle(case):
    calendar, oracle, [a, b], _ = case
    assert calendar.between(at(a), at(b)) == oracle.between(a, b)


@ORACLE_SETTINGS
@given(cases())
def test_is_open_and_next_opening_agree_with_the_oracle(case):
    calendar, oracle, [t], _ = case
    assert calendar.is_open(at(t)) == oracle.is_open(t)
    assert ts(calendar.next_opening(at(t))) == oracle.next_opening(t)


@ORACLE_SETTINGS
@given(cases(n_instants=2))
def test_working_intervals_are_exactly_the_working_minutes(case):
    calendar, oracle, [a, b], _ = case
    a, b = a - a % 60, b - b % 60
    assume(a < b)
    listed = set()
    previous_end = None
    for opening, closing in calendar.working_intervals(at(a), at(b)):
        assert opening < closing
        assert previous_end is None or previous_end < opening  # sorted, and touching intervals are merged
        previous_end = closing
        listed.update(range(ts(opening), ts(closing), 60))
    assert listed == {minute for minute in range(a, b, 60) if oracle.working_minute(minute)}


@ORACLE_SETTINGS
@given(cases())
def test_a_due_time_is_working_time_or_exactly_a_closing(case):
    calendar, oracle, [t], [amount] = case
    due = ts(calendar.add(at(t), amount))
    at_closing = due % 60 == 0 and oracle.working_minute(due - 60) and not oracle.is_open(due)
    assert oracle.is_open(due) or (amount > 0 and at_closing)


@settings(max_examples=200, deadline=None)
@given(cases(n_durations=2))
def test_adding_in_two_steps_equals_adding_once(case):
    """add(add(t, a), b) == add(t, a + b) for a ≥ 0 and b > 0. For b == 0 the boundary rules differ on purpose: a due
    time may be a closing, while add(closing, 0) is the next opening (the first business instant ≥ the start)."""
    calendar, _, [t], [a, b] = case
    first = calendar.add(at(t), a)
    if b > 0:
        assert calendar.add(first, b) == calendar.add(at(t), a + b)
    else:
        assert calendar.add(first, 0) == calendar.next_opening(first)
        assert calendar.between(first, calendar.add(first, 0)) == 0


@settings(max_examples=200, deadline=None)
@given(cases())
def test_between_measures_what_add_added(case):
    calendar, _, [t], [amount] = case
    assert calendar.between(at(t), calendar.add(at(t), amount)) == amount
    assert calendar.between(calendar.add(at(t), amount), at(t)) == -amount


@settings(max_examples=200, deadline=None)
@given(cases())
def test_subtract_undoes_add_from_a_business_instant(case):
    calendar, _, [t], [amount] = case
    start = calendar.next_opening(at(t))  # a business instant
    assert calendar.subtract(calendar.add(start, amount), amount) == start


@settings(max_examples=200, deadline=None)
@given(cases(n_durations=2))
def test_add_undoes_subtract_when_work_runs_up_to_the_instant(case):
    """Well defined when the time just before the instant is working, as it is for any result of add(t, k > 0). (An
    opening has no business time behind it, so adding back from there lands on the previous closing: the same
    business position, an earlier instant.)"""
    calendar, _, [t], [amount, lead] = case
    assume(amount > 0)
    due = calendar.add(at(t), lead + 1)
    assert calendar.add(calendar.subtract(due, amount), amount) == due
    assert calendar.add(due, -amount) == calendar.subtract(due, amount)
