"""Customer-success background work (IDs in, a service call out): the daily health snapshots and playbook run, the
task reminders."""

from __future__ import annotations

from django_tasks import task

from upstream.core import clock
from upstream.success import services


@task()
def compute_health(organisation_ids: list[int] | None = None) -> int:
    """Daily (registered in `SuccessConfig.ready`) for every organisation; on demand for one after an interaction."""
    return services.compute_health(clock.now(), organisation_ids)


@task()
def run_playbooks() -> int:
    """Daily: health first, so "health fell below X" reads today's score."""
    now = clock.now()
    services.compute_health(now)
    return services.run_playbooks(now)


@task()
def send_task_reminders() -> int:
    """Hourly: a reminder once a task is due, sent once."""
    return services.send_reminders(clock.now())
