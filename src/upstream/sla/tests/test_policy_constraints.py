"""Policies and escalation steps refuse bad input: in the database (constraints) and in validation that names the
field. Calendars and policies in use cannot be deleted."""

# Fixtures are imported from sla_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from upstream.core.errors import InvalidInput
from upstream.core.testing import make_plan
from upstream.customers.models import Priority
from upstream.sla import services
from upstream.sla.models import EscalationAction, EscalationStep, Metric, SlaConfigChange, SlaPolicy, Trigger
from upstream.sla.tests.sla_world import beijing  # noqa: F401

pytestmark = pytest.mark.django_db


def _violates(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        SlaPolicy.objects.create(**{"priority": Priority.P2, **fields})


def test_one_fallback_per_priority_in_the_database():
    SlaPolicy.objects.create(plan=None, priority=Priority.P2, first_response_minutes=60)
    _violates(plan=None, first_response_minutes=30)
    SlaPolicy.objects.create(plan=None, priority=Priority.P3)  # another priority is fine
    plan = make_plan()
    SlaPolicy.objects.create(plan=plan, priority=Priority.P2)
    _violates(plan=plan)


def test_targets_must_be_positive_in_the_database():
    _violates(first_response_minutes=0)
    _violates(resolution_minutes=0)
    _violates(warn_at_percent=0)
    _violates(warn_at_percent=100)


def test_validation_names_the_field():
    policy = SlaPolicy(plan=None, priority=Priority.P1, next_response_minutes=0, warn_at_percent=100)
    with pytest.raises(ValidationError) as caught:
        policy.full_clean(validate_constraints=False)
    assert set(caught.value.message_dict) == {"next_response_minutes", "warn_at_percent"}


def test_service_refuses_a_zero_target_and_records_nothing():
    with pytest.raises(InvalidInput) as caught:
        services.save_policy(
            by=None,
            plan=None,
            priority=Priority.P1,
            first_response_minutes=60,
            next_response_minutes=None,
            resolution_minutes=0,
        )
    assert caught.value.field == "resolution_minutes"
    assert not SlaPolicy.objects.exists() and not SlaConfigChange.objects.exists()


def test_move_to_team_needs_a_team():
    policy = SlaPolicy.objects.create(plan=None, priority=Priority.P1, first_response_minutes=60)
    step = EscalationStep(
        policy=policy, metric=Metric.FIRST_RESPONSE, trigger=Trigger.BREACH, action=EscalationAction.MOVE_TO_TEAM
    )
    with pytest.raises(ValidationError) as caught:
        step.full_clean()
    assert "team" in caught.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        step.save()
    step.action = EscalationAction.NOTIFY_TEAM_LEAD
    step.full_clean()
    step.save()


def test_calendar_used_by_a_policy_cannot_be_deleted(beijing):
    plan = make_plan()
    SlaPolicy.objects.create(plan=plan, priority=Priority.P3, resolution_minutes=480, resolution_calendar=beijing)
    with pytest.raises(ProtectedError):
        beijing.delete()
    with pytest.raises(ProtectedError):
        plan.delete()
