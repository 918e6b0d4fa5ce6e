"""Importing a country's public holidays from the `holidays` package, with China's make-up workdays (调休)."""

# Fixtures are imported from sla_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

import pytest

from upstream.core.errors import InvalidInput
from upstream.sla import services
from upstream.sla.models import SlaConfigChange
from upstream.sla.tests.sla_world import BEIJING_DAY, admin, beijing  # noqa: F401

pytestmark = pytest.mark.django_db


def test_cn_2025_adds_spring_festival_and_the_make_up_sunday(beijing, admin):
    added, workdays = services.import_holidays(beijing, country="cn", year=2025, by=admin)
    beijing.refresh_from_db()
    assert "2025-01-29" in beijing.holidays and "2025-10-01" in beijing.holidays
    assert added == len(beijing.holidays) and all(day.startswith("2025-") for day in beijing.holidays)
    # Sunday 26 January and Saturday 8 February 2025 are worked, with the usual weekday hours.
    assert beijing.extra_workdays["2025-01-26"] == BEIJING_DAY
    assert beijing.extra_workdays["2025-02-08"] == BEIJING_DAY
    assert workdays == len(beijing.extra_workdays) == 5
    change = SlaConfigChange.objects.filter(object_id=beijing.pk, action="updated").get()
    assert change.actor == admin and "2025-01-29" not in change.before["holidays"]
    assert "2025-01-29" in change.after["holidays"]


def test_import_is_idempotent_and_keeps_edited_make_up_hours(beijing, admin):
    services.import_holidays(beijing, country="CN", year=2025, by=admin)
    edited = {**beijing.extra_workdays, "2025-01-26": [["10:00", "15:00"]]}
    services.save_calendar(
        by=admin,
        calendar=beijing,
        name=beijing.name,
        time_zone=beijing.time_zone,
        hours=beijing.hours,
        holidays=beijing.holidays,
        extra_workdays=edited,
    )
    before = (list(beijing.holidays), dict(beijing.extra_workdays), SlaConfigChange.objects.count())
    assert services.import_holidays(beijing, country="CN", year=2025, by=admin) == (0, 0)
    beijing.refresh_from_db()
    assert (beijing.holidays, beijing.extra_workdays, SlaConfigChange.objects.count()) == before
    assert beijing.extra_workdays["2025-01-26"] == [["10:00", "15:00"]]


def test_unknown_country_is_refused_naming_the_field(beijing, admin):
    with pytest.raises(InvalidInput) as caught:
        services.import_holidays(beijing, country="XX", year=2025, by=admin)
    assert caught.value.field == "country" and "XX" in caught.value.message
    beijing.refresh_from_db()
    assert beijing.holidays == []


def test_a_country_without_make_up_days_adds_holidays_only(beijing, admin):
    added, workdays = services.import_holidays(beijing, country="DE", year=2025, by=admin)
    beijing.refresh_from_db()
    assert added == 9 and workdays == 0 and "2025-10-03" in beijing.holidays


def test_make_up_days_take_the_most_common_weekday_pattern():
    short = [["09:00", "15:00"]]
    hours = {"mon": short, "tue": BEIJING_DAY, "wed": BEIJING_DAY, "thu": BEIJING_DAY, "fri": short}
    assert services.usual_workday_hours(hours) == BEIJING_DAY
    assert services.usual_workday_hours({"mon": short, "tue": BEIJING_DAY}) == short  # a tie: Monday's
    assert services.usual_workday_hours({"sat": short}) == []
