"""Housekeeping tasks. `heartbeat` lets an operator (and the test suite) prove that a worker is consuming the
configured task queue: enqueue it, and the worker stamps the time in the shared cache."""

from __future__ import annotations

from django.core.cache import cache
from django_tasks import task

from upstream.core import clock

HEARTBEAT_KEY = "upstream:worker-heartbeat"


@task()
def heartbeat(sender: str = "clock") -> str:
    stamp = f"{sender}@{clock.now().isoformat()}"
    cache.set(HEARTBEAT_KEY, stamp, timeout=None)
    return stamp
