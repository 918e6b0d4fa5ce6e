"""`upstream clock`: enqueue periodic tasks (see upstream.core.periodic). Run one or more on any hosts; one leads."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from upstream.core import clock
from upstream.core.periodic import PERIODIC_JOBS, due_jobs, enqueue, leader_lock


class Command(BaseCommand):
    help = "Enqueue periodic tasks; exactly one clock leads across hosts (PostgreSQL advisory lock)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between checks (default 5)")
        parser.add_argument("--once", action="store_true", help="become leader, enqueue what is due, and exit")

    def handle(self, *args: Any, tick: float, once: bool, **options: Any) -> None:
        lock = leader_lock(Path(settings.PROJECT_DIR) / "var" / "clock.lock")
        last_run: dict[str, datetime] = {}
        announced = False
        try:
            while True:
                if lock.try_acquire():
                    for job in due_jobs(PERIODIC_JOBS, last_run, clock.now()):
                        enqueue(job)
                        last_run[job.task] = clock.now()
                        self.stdout.write(f"enqueued {job.task}")
                elif not announced:
                    self.stdout.write("another clock is leading; standing by")
                    announced = True
                if once:
                    return
                time.sleep(tick)
        except KeyboardInterrupt:
            pass
        finally:
            lock.release()
