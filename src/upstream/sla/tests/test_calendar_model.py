"""The stored calendar: validation through the pure engine names the model field; the built engine is cached per
saved version."""

# Fixtures are imported from sla_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from upstream.sla.models import BusinessCalendar
from upstream.sla.tests.sla_world import BEIJING_DAY, beijing  # noqa: F401

pytestmark = pytest.mark.django_db


def _errors(**fields):
    values = {"name": "Test", "time_zone": "Asia/Shanghai", "hours": {"mon": BEIJING_DAY}, **fields}
    with pytest.raises(ValidationError) as caught:
        BusinessCalendar(**values).full_clean()
    return caught.value.message_dict


def test_overlapping_intervals_name_the_hours_field_and_weekday():
    errors = _errors(hours={"tue": [["09:00", "12:00"], ["11:00", "13:00"]]})
    assert list(errors) == ["hours"]
    assert "hours.tue" in errors["hours"][0] and "overlap" in errors["hours"][0]


def test_end_before_start_names_the_interval():
    errors = _errors(hours={"mon": [["17:00", "09:00"]]})
    assert "hours.mon[0]" in errors["hours"][0] and "not after start" in errors["hours"][0]


def test_unknown_time_zone_names_time_zone():
    errors = _errors(time_zone="Mars/Olympus_Mons")
    assert list(errors) == ["time_zone"] and "Mars/Olympus_Mons" in errors["time_zone"][0]


def test_malformed_holiday_and_extra_workday_name_their_fields():
    assert "holidays[1]" in _errors(holidays=["2025-01-29", "29.01.2025"])["holidays"][0]
    assert "extra_workdays.2025-01-26" in _errors(extra_workdays={"2025-01-26": []})["extra_workdays"][0]


def test_24_00_is_allowed_as_an_end_only():
    BusinessCalendar(name="Late", time_zone="UTC", hours={"fri": [["18:00", "24:00"]]}).full_clean()
    assert "hours.fri[0]" in _errors(hours={"fri": [["24:00", "24:00"]]})["hours"][0]


def test_24x7_needs_no_hours_but_a_real_zone():
    calendar = BusinessCalendar(name="Always", time_zone="Europe/Berlin", is_24x7=True, hours={})
    calendar.full_clean()
    assert calendar.to_engine() == calendar.to_engine().around_the_clock("Europe/Berlin")
    assert "time_zone" in _errors(is_24x7=True, time_zone="Nowhere")


def test_engine_is_built_once_per_saved_version(beijing):
    first = beijing.to_engine()
    again = BusinessCalendar.objects.get(pk=beijing.pk).to_engine()
    assert again is first  # same id and updated_at: the cached engine
    beijing.holidays = ["2025-01-29"]
    beijing.save()
    changed = beijing.to_engine()
    assert changed is not first and changed.holidays == frozenset({date(2025, 1, 29)})
