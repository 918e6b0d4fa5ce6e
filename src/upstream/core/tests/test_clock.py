"""The clock: which periodic jobs are due, and that only one clock leads."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus

from upstream.core.periodic import FileLeaderLock, PeriodicJob, PostgresLeaderLock, due_jobs

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
EVERY_MINUTE = PeriodicJob("a.b.every_minute", timedelta(minutes=1))
HOURLY = PeriodicJob("a.b.hourly", timedelta(hours=1))


@pytest.mark.smoke
def test_never_run_jobs_are_due_and_intervals_are_respected():
    assert due_jobs([EVERY_MINUTE, HOURLY], {}, NOW) == [EVERY_MINUTE, HOURLY]
    last = {EVERY_MINUTE.task: NOW - timedelta(seconds=59), HOURLY.task: NOW - timedelta(minutes=61)}
    assert due_jobs([EVERY_MINUTE, HOURLY], last, NOW) == [HOURLY]
    last[EVERY_MINUTE.task] = NOW - timedelta(minutes=1)
    assert due_jobs([EVERY_MINUTE], last, NOW) == [EVERY_MINUTE]


@pytest.mark.smoke
def test_file_lock_admits_one_leader(tmp_path):
    first, second = FileLeaderLock(tmp_path / "clock.lock"), FileLeaderLock(tmp_path / "clock.lock")
    assert first.try_acquire()
    assert first.try_acquire(), "the leader stays the leader on its next tick"
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


@pytest.mark.django_db(transaction=True)
def test_postgres_advisory_lock_admits_one_leader_across_connections():
    first, second = PostgresLeaderLock(), PostgresLeaderLock()
    try:
        assert first.try_acquire()
        assert first.try_acquire(), "the leader stays the leader on its next tick"
        assert not second.try_acquire(), "a second clock on another connection must stand by"
        first.release()
        assert second.try_acquire(), "the standby takes over once the leader is gone"
    finally:
        first.release()
        second.release()


@pytest.mark.django_db(transaction=True)
def test_clock_once_enqueues_the_due_tasks(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("clock", "--once", verbosity=0)
    queued = DBTaskResult.objects.filter(task_path="upstream.core.tasks.heartbeat")
    assert queued.count() == 1 and queued.get().status == TaskResultStatus.READY


@pytest.mark.django_db(transaction=True)
def test_the_leading_clock_keeps_enqueuing_tick_after_tick(settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from upstream.core import periodic
    from upstream.core.management.commands import clock as clock_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(
        clock_command, "PERIODIC_JOBS", [periodic.PeriodicJob("upstream.core.tasks.heartbeat", timedelta(0))]
    )
    ticks = []

    def sleep(seconds):
        ticks.append(seconds)
        if len(ticks) == 3:
            raise KeyboardInterrupt  # how an operator stops the clock

    monkeypatch.setattr(clock_command.time, "sleep", sleep)
    call_command("clock", "--tick", "0", verbosity=0)
    assert DBTaskResult.objects.filter(task_path="upstream.core.tasks.heartbeat").count() == 3
