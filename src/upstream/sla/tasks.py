"""SLA background work (IDs in, call a service): the minute-by-minute deadline scan, and recomputing every open ticket
after a calendar or policy edit."""

from __future__ import annotations

from django_tasks import task

from upstream.core import clock
from upstream.sla import detection, runtime


@task()
def check_deadlines() -> int:
    """Enqueued every minute by `upstream clock` (registered in `SlaConfig.ready`)."""
    return detection.check_deadlines(clock.now())


@task()
def recompute_open_tickets() -> int:
    return runtime.recompute_open_tickets(clock.now())
