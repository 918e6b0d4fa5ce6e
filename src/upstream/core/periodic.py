"""Periodic jobs and the leader lock behind `upstream clock`.

Apps declare periodic work in PERIODIC_JOBS by dotted path to a Tasks-API task (so core imports no app). The clock
only *enqueues*; workers run the tasks. Exactly one clock leads at a time across hosts: on PostgreSQL through a
session-level advisory lock held on a dedicated connection for the process lifetime (it is released by the server
if the process dies), on SQLite through an exclusive file lock (one host by definition).
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol

from django.db import connections
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# 64-bit key of the advisory lock: "upstream" in ASCII, so other software is unlikely to collide with it.
ADVISORY_LOCK_KEY = 0x7570737472656164


@dataclass(frozen=True)
class PeriodicJob:
    task: str  # dotted path of a django-tasks Task
    every: timedelta


# Downstream apps add their jobs here (e.g. the SLA deadline scan every minute).
PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob("upstream.core.tasks.heartbeat", timedelta(minutes=5)),
]


def due_jobs(jobs: Iterable[PeriodicJob], last_run: Mapping[str, datetime], now: datetime) -> list[PeriodicJob]:
    """Jobs whose interval has passed since they last ran (never-run jobs are due at once). Pure."""
    return [job for job in jobs if job.task not in last_run or now - last_run[job.task] >= job.every]


def enqueue(job: PeriodicJob) -> None:
    task: Any = import_string(job.task)
    task.enqueue()


class LeaderLock(Protocol):
    def try_acquire(self) -> bool: ...
    def release(self) -> None: ...


class PostgresLeaderLock:
    """Holds pg_try_advisory_lock on a connection of its own, so no ORM work can release or share it."""

    def __init__(self) -> None:
        self.connection: Any = None
        self.held = False

    def try_acquire(self) -> bool:
        if self.connection is not None and self.held:
            return True  # asking again would stack a second hold on the same session
        if self.connection is None:
            import psycopg

            params = connections["default"].get_connection_params()
            self.connection = psycopg.connect(**params, autocommit=True)
        row = self.connection.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY]).fetchone()
        self.held = bool(row[0])
        return self.held

    def release(self) -> None:
        if self.connection is not None:
            # Unlock explicitly: closing alone frees the lock only once the server notices the session is gone,
            # which is asynchronous, so a standby asking right away could still be refused. (If this process dies
            # instead, that server-side cleanup is exactly what hands leadership over.)
            try:
                self.connection.execute("SELECT pg_advisory_unlock_all()")
            finally:
                self.connection.close()
                self.connection = None
                self.held = False


class FileLeaderLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: IO[str] | None = None

    def try_acquire(self) -> bool:
        if self.handle is not None:
            return True  # still ours: flock would refuse a second handle even within this process
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def leader_lock(lock_file: Path) -> LeaderLock:
    if connections["default"].vendor == "postgresql":
        return PostgresLeaderLock()
    return FileLeaderLock(lock_file)
