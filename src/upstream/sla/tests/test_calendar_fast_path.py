"""The integer and bulk paths (`add_epoch`, `add_many`) give exactly what `add` gives, and the exact datetime ↔
microsecond conversion behind `add` matches the definition (UTC offset of the instant, microseconds kept, fold
respected). Calendars and instants come from the property tests: lunch breaks, "24:00" ends, holidays, make-up
workdays (调休) and breaks, in zones with and without daylight saving, around their clock changes."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from upstream.sla.calendar import WEEKDAYS, BusinessCalendar, _to_datetime, _to_us
from upstream.sla.tests.test_calendar_properties import ZONES, calendars, durations, instants

pytestmark = pytest.mark.smoke

FAST_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
signed_durations = st.one_of(durations, durations.map(lambda amount: -amount))
# Mostly whole seconds, so openings and closings are hit exactly (the boundary rules); sometimes a sub-second part.
microseconds = st.one_of(st.just(0), st.just(0), st.just(0), st.integers(0, 999_999))


@st.composite
def batches(draw):
    """A calendar and a batch of (UTC start with microseconds, signed amount), some far from the anchor so the
    batch has to widen the table midway."""
    description, anchor = draw(calendars())
    far = st.integers(-800, 800).map(lambda days: days * 86_400)
    starts = draw(
        st.lists(
            st.tuples(
                st.one_of(
                    instants(anchor), instants(anchor), instants(anchor), st.tuples(instants(anchor), far).map(sum)
                ),
                microseconds,
            ),
            min_size=1,
            max_size=12,
        )
    )
    amounts = draw(st.lists(durations, min_size=len(starts), max_size=len(starts)))
    moments = [datetime.fromtimestamp(second, UTC).replace(microsecond=micro) for second, micro in starts]
    return description, moments, amounts


@FAST_SETTINGS
@given(batches(), st.booleans())
def test_add_many_equals_add_one_by_one(batch, negative):
    description, moments, amounts = batch
    if negative:
        amounts = [-amount for amount in amounts]
    one_by_one = BusinessCalendar.from_description(description)
    expected = [one_by_one.add(moment, amount) for moment, amount in zip(moments, amounts, strict=True)]
    # A fresh calendar, so the batch builds (and widens) its own table.
    got = BusinessCalendar.from_description(description).add_many(moments, amounts)
    assert got == expected
    assert all(due.tzinfo is UTC for due in got)


@FAST_SETTINGS
@given(st.data())
def test_add_epoch_equals_add(data):
    description, anchor = data.draw(calendars())
    calendar = BusinessCalendar.from_description(description)
    for _ in range(5):
        start, amount = data.draw(instants(anchor)), data.draw(signed_durations)
        due = calendar.add(datetime.fromtimestamp(start, UTC), amount)
        assert due.microsecond == 0
        assert calendar.add_epoch(start, amount) == int(due.timestamp())


@FAST_SETTINGS
@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
    st.sampled_from([*ZONES, "America/Sao_Paulo", "Pacific/Chatham"]),
    st.sampled_from([0, 1]),
)
def test_conversions_are_exact(wall, zone, fold):
    moment = wall.replace(tzinfo=ZoneInfo(zone), fold=fold)
    offset = moment.utcoffset()
    assert offset is not None
    naive_utc = moment.replace(tzinfo=None) - offset
    expected = (
        ((naive_utc - datetime(1970, 1, 1)) // timedelta(days=1)) * 86_400 * 10**6
        + (naive_utc.hour * 3600 + naive_utc.minute * 60 + naive_utc.second) * 10**6
        + naive_utc.microsecond
    )
    assert _to_us(moment) == expected
    back = _to_datetime(expected)
    assert back == moment and back.tzinfo is UTC and back.microsecond == moment.microsecond


CALENDAR = BusinessCalendar.from_description(
    {"tz": "Europe/Berlin", "hours": {day: [["09:00", "12:00"], ["13:30", "18:00"]] for day in WEEKDAYS[:5]}}
)


def test_a_start_inside_a_fall_back_hour_keeps_its_fold():
    berlin = ZoneInfo("Europe/Berlin")
    first = datetime(2025, 10, 26, 2, 30, tzinfo=berlin)  # 00:30 UTC, a Sunday
    second = first.replace(fold=1)  # 01:30 UTC
    assert _to_us(second) - _to_us(first) == 3600 * 10**6
    assert CALENDAR.add(first, 60) == CALENDAR.add(second, 60) == datetime(2025, 10, 27, 8, 1, tzinfo=UTC)
    assert CALENDAR.add_many([first, second], [60, 60]) == [CALENDAR.add(first, 60)] * 2


def test_starts_in_any_zone_and_subclasses_give_the_same_answer():
    class Moment(datetime):
        pass

    utc = datetime(2025, 6, 2, 9, 35, 17, 250_000, tzinfo=UTC)
    others = [
        utc.astimezone(ZoneInfo("Asia/Shanghai")),
        utc.astimezone(timezone(timedelta(hours=-3, minutes=-30))),
        Moment(2025, 6, 2, 9, 35, 17, 250_000, tzinfo=UTC),
    ]
    expected = CALENDAR.add(utc, 3600)
    assert expected == datetime(2025, 6, 2, 12, 5, 17, 250_000, tzinfo=UTC)  # 14:05:17.25 in Berlin, after lunch
    assert [CALENDAR.add(moment, 3600) for moment in others] == [expected] * 3
    assert CALENDAR.add_many(others, [3600] * 3) == [expected] * 3


def test_boundary_rules_by_example():
    monday = datetime(2025, 6, 2, 7, tzinfo=UTC)  # 09:00 in Berlin, the opening
    starts = [monday, monday, monday, monday + timedelta(hours=3), monday + timedelta(hours=11)]
    amounts = [3 * 3600, 3 * 3600 + 1, 0, 0, -3600]
    expected = [
        datetime(2025, 6, 2, 10, tzinfo=UTC),  # exactly at the 12:00 closing: the closing
        datetime(2025, 6, 2, 11, 30, 1, tzinfo=UTC),  # one second into the afternoon
        monday,  # an opening is open
        datetime(2025, 6, 2, 11, 30, tzinfo=UTC),  # a closing is not: the next opening
        datetime(2025, 6, 2, 15, tzinfo=UTC),  # 18:00 minus an hour
    ]
    assert [CALENDAR.add(start, amount) for start, amount in zip(starts, amounts, strict=True)] == expected
    assert CALENDAR.add_many(starts, amounts) == expected
    assert CALENDAR.add_many(starts[:4], amounts[:4]) == expected[:4]
    epochs = [int(start.timestamp()) for start in starts]
    assert [CALENDAR.add_epoch(e, a) for e, a in zip(epochs, amounts, strict=True)] == [
        int(due.timestamp()) for due in expected
    ]


def test_bad_input_is_rejected_as_by_add():
    aware = datetime(2025, 6, 2, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        CALENDAR.add_many([aware, datetime(2025, 6, 2, 10)], [60, 60])
    with pytest.raises(TypeError):
        CALENDAR.add_many([aware.date()], [60])
    with pytest.raises(TypeError):
        CALENDAR.add_many([aware], [1.5])
    with pytest.raises(ValueError, match="shorter"):
        CALENDAR.add_many([aware, aware], [60])
    with pytest.raises(TypeError):
        CALENDAR.add_epoch(1.5, 60)
    assert CALENDAR.add_many([], []) == []
    assert CALENDAR.add_many(iter([aware]), iter([60])) == [CALENDAR.add(aware, 60)]
