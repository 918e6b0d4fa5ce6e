"""Every calendar and policy change is recorded with who, when, and the values before and after."""

# Fixtures are imported from sla_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

import pytest

from upstream.core.errors import InvalidInput
from upstream.customers.models import Priority
from upstream.sla import services
from upstream.sla.models import SlaConfigChange
from upstream.sla.tests.sla_world import BEIJING_DAY, admin, make_beijing  # noqa: F401

pytestmark = pytest.mark.django_db


def test_calendar_create_and_update_are_recorded(admin):
    calendar = services.save_calendar(
        by=admin, name=" Ops ", time_zone="Asia/Shanghai", hours={"tue": BEIJING_DAY[::-1], "mon": BEIJING_DAY}
    )
    assert calendar.name == "Ops" and calendar.hours == {"mon": BEIJING_DAY, "tue": BEIJING_DAY}  # normalised
    services.save_calendar(
        by=admin, calendar=calendar, name="Ops", time_zone="Asia/Shanghai", hours={"mon": BEIJING_DAY}
    )
    services.save_calendar(
        by=admin, calendar=calendar, name="Ops", time_zone="Asia/Shanghai", hours={"mon": BEIJING_DAY}
    )
    updated, created = SlaConfigChange.objects.filter(kind="calendar", object_id=calendar.pk)  # newest first
    assert (created.action, created.before, created.actor) == ("created", None, admin)
    assert updated.action == "updated" and "tue" in updated.before["hours"] and "tue" not in updated.after["hours"]


def test_invalid_calendar_is_refused_naming_the_field_and_not_saved(admin):
    with pytest.raises(InvalidInput) as caught:
        services.save_calendar(by=admin, name="Bad", time_zone="Asia/Beijing", hours={"mon": BEIJING_DAY})
    assert caught.value.field == "time_zone"
    make_beijing("Taken")
    with pytest.raises(InvalidInput) as caught:
        services.save_calendar(by=admin, name="Taken", time_zone="UTC", hours={"mon": BEIJING_DAY})
    assert caught.value.field == "name"
    assert not SlaConfigChange.objects.filter(object_repr="Bad").exists()


def test_policy_changes_are_recorded(admin):
    arguments = {"plan": None, "priority": Priority.P1, "next_response_minutes": None, "resolution_minutes": None}
    policy = services.save_policy(by=admin, first_response_minutes=60, **arguments)
    services.save_policy(by=admin, first_response_minutes=30, **arguments)
    change = SlaConfigChange.objects.filter(kind="policy", object_id=policy.pk).first()
    assert change.before["first_response_minutes"] == 60 and change.after["first_response_minutes"] == 30
