"""Reminders: the assignee is notified once a task is due or overdue, once; snoozing re-arms it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from upstream.core import clock
from upstream.notifications.models import Notification
from upstream.success import services
from upstream.success.models import SuccessTask, TaskSource
from upstream.success.tests.world import make_world, today

pytestmark = pytest.mark.django_db


def task(world, due_on, key):
    return SuccessTask.objects.create(
        organisation=world.org,
        assignee=world.manager,
        playbook=TaskSource.RENEWAL,
        period_key=key,
        title=f"Call them {key}",
        due_on=due_on,
        created_at=clock.now(),
    )


def test_due_and_overdue_tasks_are_reminded_once():
    world = make_world()
    due, overdue = task(world, today(), "a"), task(world, today() - timedelta(days=2), "b")
    later, done = task(world, today() + timedelta(days=1), "c"), task(world, today(), "d")
    services.complete_task(by=world.manager, task=done)
    assert services.send_reminders(clock.now()) == 2
    texts = sorted(Notification.objects.filter(user=world.manager).values_list("text", flat=True))
    assert texts[0].startswith("Due today: Call them a") and texts[1].startswith("Overdue since")
    assert services.send_reminders(clock.now()) == 0
    assert Notification.objects.filter(user=world.manager).count() == 2
    for t in (due, overdue):
        t.refresh_from_db()
        assert t.reminded_at is not None
    later.refresh_from_db()
    assert later.reminded_at is None


def test_snoozing_moves_the_due_date_and_reminds_again_then():
    world = make_world()
    t = task(world, today(), "a")
    services.send_reminders(clock.now())
    services.snooze_task(by=world.manager, task=t, until=today() + timedelta(days=3))
    t.refresh_from_db()
    assert t.due_on == today() + timedelta(days=3) and t.reminded_at is None
    assert services.send_reminders(clock.now()) == 0
    assert services.send_reminders(clock.now() + timedelta(days=3)) == 1


def test_only_the_assignee_a_lead_or_an_admin_changes_a_task():
    from upstream.core.errors import Forbidden, InvalidInput

    world = make_world()
    t = task(world, today(), "a")
    with pytest.raises(Forbidden):
        services.complete_task(by=world.agent, task=t)
    world.team.lead = world.agent
    world.team.save()
    services.complete_task(by=world.agent, task=t)
    with pytest.raises(InvalidInput):
        services.snooze_task(by=world.admin, task=t, until=today() + timedelta(days=1))  # done: reopen first
    services.reopen_task(by=world.admin, task=t)
    with pytest.raises(InvalidInput):
        services.snooze_task(by=world.admin, task=t, until=today())
