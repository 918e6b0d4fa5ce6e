"""Every bad calendar description fails with a CalendarError that names the offending field."""

import pytest

from upstream.sla.calendar import BusinessCalendar, CalendarError

pytestmark = pytest.mark.smoke

GOOD = {"tz": "Europe/Berlin", "hours": {"mon": [["09:00", "12:00"], ["13:00", "17:00"]]}}


def error_for(**changes):
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar.from_description(GOOD | changes)
    return caught.value


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"tz": "Mars/Olympus_Mons"}, "tz", "unknown time zone"),
        ({"tz": ""}, "tz", "required"),
        ({"tz": "../../etc/passwd"}, "tz", "unknown time zone"),
        ({"hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "hours.mon", "overlap"),
        ({"hours": {"tue": [["17:00", "09:00"]]}}, "hours.tue[0]", "not after start"),
        ({"hours": {"tue": [["09:00", "09:00"]]}}, "hours.tue[0]", "not after start"),
        ({"hours": {"wed": [["9h", "17:00"]]}}, "hours.wed[0]", "malformed time"),
        ({"hours": {"wed": [["09:00", "25:00"]]}}, "hours.wed[0]", "out of range"),
        ({"hours": {"wed": [["09:60", "17:00"]]}}, "hours.wed[0]", "out of range"),
        ({"hours": {"wed": [["09:00", "24:30"]]}}, "hours.wed[0]", "out of range"),
        ({"hours": {"wed": [["24:00", "24:00"]]}}, "hours.wed[0]", "only end an interval"),
        ({"hours": {"wed": [[900, 1700]]}}, "hours.wed[0]", "malformed time"),
        ({"hours": {"thu": [["09:00"]]}}, "hours.thu[0]", "[start, end]"),
        ({"hours": {"thu": "09:00-17:00"}}, "hours.thu", "list"),
        ({"hours": {"monday": [["09:00", "17:00"]]}}, "hours.monday", "unknown weekday"),
        ({"hours": {}}, "hours", "no working time"),
        ({"hours": [["09:00", "17:00"]]}, "hours", "expected"),
        ({"holidays": ["2025-01-01", "2025-02-30"]}, "holidays[1]", "malformed date"),
        ({"holidays": "2025-01-01"}, "holidays", "list"),
        ({"holidays_inactive": ["01/05/2025"]}, "holidays_inactive[0]", "malformed date"),
        ({"extra_workdays": {"2025-13-01": [["09:00", "17:00"]]}}, "extra_workdays.2025-13-01", "malformed date"),
        ({"extra_workdays": {"2025-01-26": []}}, "extra_workdays.2025-01-26", "at least one"),
        (
            {"extra_workdays": {"2025-01-26": [["09:00", "12:00"], ["10:00", "11:00"]]}},
            "extra_workdays.2025-01-26",
            "overlap",
        ),
        ({"breaks": {"2025-06-11": [["14:00", "12:00"]]}}, "breaks.2025-06-11[0]", "not after start"),
        ({"breaks": [["12:00", "14:00"]]}, "breaks", "YYYY-MM-DD"),
        ({"holiday": ["2025-01-01"]}, "holiday", "unknown calendar field"),
    ],
)
def test_a_bad_description_names_its_field(changes, field, words):
    error = error_for(**changes)
    assert error.field == field
    assert words in error.message
    assert str(error).startswith(f"{field}: ")


def test_a_missing_time_zone_names_tz():
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar.from_description({"hours": GOOD["hours"]})
    assert caught.value.field == "tz"


def test_calendar_errors_are_value_errors():
    assert issubclass(CalendarError, ValueError)


def test_building_directly_validates_too():
    week = (((9 * 3600, 17 * 3600),),) + ((),) * 6
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar(tz="Nowhere/Special", weekly=week)
    assert caught.value.field == "tz"
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar(tz="UTC", weekly=(((10 * 3600, 9 * 3600),),) + ((),) * 6)
    assert caught.value.field == "hours.mon"
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar(tz="UTC", weekly=week[:5])
    assert caught.value.field == "hours"
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar.around_the_clock("Not/AZone")
    assert caught.value.field == "tz"


def test_touching_intervals_are_allowed():
    calendar = BusinessCalendar.from_description(GOOD | {"hours": {"mon": [["09:00", "12:00"], ["12:00", "13:00"]]}})
    assert calendar.weekly[0] == ((9 * 3600, 12 * 3600), (12 * 3600, 13 * 3600))
