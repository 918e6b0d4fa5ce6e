"""What people type into the SLA forms: durations ("1h 30m") and calendar intervals ("09:00–12:00, 13:30–18:00")."""

import pytest

from upstream.sla.durations import format_minutes, parse_minutes
from upstream.sla.forms import TextFormatError, form_field, parse_dated_intervals, parse_dates, parse_intervals


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("4h", 240),
        ("90m", 90),
        ("1h 30m", 90),
        ("1h30m", 90),
        ("1:30", 90),
        ("2 小时", 120),
        ("30 分钟", 30),
        ("", None),
    ],
)
def test_durations_parse(text, minutes):
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["8", "1d", "h", "4 hours later", "-1h"])
def test_durations_without_a_known_unit_are_refused(text):
    with pytest.raises(ValueError):
        parse_minutes(text)


def test_durations_format_back():
    assert [format_minutes(m) for m in (None, 45, 60, 90, 2400)] == ["", "45m", "1h", "1h 30m", "40h"]
    assert all(parse_minutes(format_minutes(m)) == m for m in range(1, 3000, 7))


def test_intervals_accept_dashes_and_separators_people_use():
    expected = [["09:00", "12:00"], ["13:30", "18:00"]]
    for text in ("09:00–12:00, 13:30–18:00", "09:00-12:00 13:30-18:00", "09:00 ~ 12:00；13:30至18:00"):
        assert parse_intervals(text) == expected
    assert parse_intervals("  ") == []
    with pytest.raises(TextFormatError):
        parse_intervals("09:00")


def test_dated_lines_and_dates():
    assert parse_dated_intervals("2025-01-26 09:00–12:00\n\n2025-02-08: 13:30-18:00") == {
        "2025-01-26": [["09:00", "12:00"]],
        "2025-02-08": [["13:30", "18:00"]],
    }
    assert parse_dates("2025-01-28\n2025-01-29, 2025-01-30") == ["2025-01-28", "2025-01-29", "2025-01-30"]


def test_engine_errors_map_to_form_fields():
    assert form_field("hours.mon[1]") == "mon" and form_field("tz") == "time_zone"
    assert form_field("extra_workdays.2025-01-26[0]") == "extra_workdays" and form_field("holidays[3]") == "holidays"
    assert form_field("hours") is None  # "the week has no working time" belongs to the whole form
