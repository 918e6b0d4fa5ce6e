"""The daily playbook run: tasks for the account manager, due dates, never twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from upstream.core import clock
from upstream.core.testing import make_org
from upstream.success import services, tasks
from upstream.success.models import HealthSnapshot, Playbook, SuccessTask, TaskSource
from upstream.success.tests.world import interaction, make_world, today

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _migration_defaults():
    """The defaults a migrated database holds. A transactional test elsewhere in the same worker may have flushed
    them away; post_migrate puts them back, and this makes the tests here independent of which ran before."""
    from django.apps import apps

    from upstream.success.apps import restore_defaults

    restore_defaults(apps.get_app_config("success"), apps=apps)


def test_default_playbooks_are_seeded():
    assert set(Playbook.objects.values_list("kind", "parameter")) == {
        ("no_interaction", 30),
        ("renewal", 90),
        ("renewal", 60),
        ("renewal", 30),
        ("health_below", 50),
    }


def test_renewal_and_silence_create_tasks_with_due_dates_once():
    world = make_world(renewal_in_days=45)
    world.org.__class__.objects.filter(id=world.org.id).update(created_at=clock.now() - timedelta(days=200))
    interaction(world, at=clock.now() - timedelta(days=31))
    now = clock.now()
    assert services.run_playbooks(now) == 2
    by_source = {t.playbook: t for t in SuccessTask.objects.all()}
    renewal, silence = by_source[TaskSource.RENEWAL], by_source[TaskSource.NO_INTERACTION]
    assert renewal.assignee == world.manager and renewal.rule == Playbook.objects.get(kind="renewal", parameter=60)
    assert renewal.due_on == today() + timedelta(days=7)
    assert str(world.contract.ends_on.isoformat()) in renewal.title and "45" in renewal.title
    assert silence.due_on == today() + timedelta(days=7) and "31" in silence.title
    # The next runs (today, tomorrow) find the same situations: nothing new.
    assert services.run_playbooks(now) == 0
    assert services.run_playbooks(now + timedelta(days=1)) == 0
    assert SuccessTask.objects.count() == 2


def test_health_below_uses_the_latest_score_and_skips_organisations_without_a_manager():
    world = make_world()
    orphan = make_org()
    for org in (world.org, orphan):
        HealthSnapshot.objects.create(organisation=org, computed_on=today(), score=30, computed_at=clock.now())
    assert services.run_playbooks(clock.now()) == 1
    task = SuccessTask.objects.get()
    assert task.organisation == world.org and task.playbook == TaskSource.HEALTH_BELOW
    assert task.due_on == today() + timedelta(days=3) and "30" in task.title


def test_inactive_playbooks_do_nothing():
    world = make_world()
    HealthSnapshot.objects.create(organisation=world.org, computed_on=today(), score=10, computed_at=clock.now())
    Playbook.objects.update(active=False)
    assert services.run_playbooks(clock.now()) == 0


def test_a_deactivated_account_manager_gets_no_tasks():
    world = make_world(renewal_in_days=20)
    world.manager.is_active = False
    world.manager.save(update_fields=["is_active"])
    assert services.run_playbooks(clock.now()) == 0


def test_the_daily_task_computes_health_first():
    world = make_world()
    tasks.run_playbooks.enqueue()
    assert HealthSnapshot.objects.filter(organisation=world.org, computed_on=today()).exists()


def test_a_concurrent_duplicate_is_refused_by_the_constraint():
    world = make_world(renewal_in_days=20)
    services.run_playbooks(clock.now())
    task = SuccessTask.objects.get(playbook=TaskSource.RENEWAL)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SuccessTask.objects.create(
            organisation=world.org,
            assignee=world.manager,
            playbook=task.playbook,
            period_key=task.period_key,
            title="x",
            due_on=today(),
            created_at=clock.now(),
        )
