"""A recompute batch that PostgreSQL aborted to break a deadlock is tried again instead of leaving stale deadlines."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from upstream.sla import runtime


class _Deadlock(Exception):
    sqlstate = "40P01"


def _lost_deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = _Deadlock()
    return error


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_lost_a_deadlock_is_tried_again(monkeypatch):
    calls = []

    def batch(ids, moment):
        calls.append(list(ids))
        if len(calls) == 1:
            raise _lost_deadlock()
        return len(ids)

    monkeypatch.setattr(runtime, "_recompute_batch", batch)
    assert runtime.recompute([3, 1, 2]) == 3
    assert calls == [[1, 2, 3], [1, 2, 3]]


@pytest.mark.django_db(transaction=True)
def test_other_errors_and_a_persistent_deadlock_are_raised(monkeypatch):
    monkeypatch.setattr(runtime, "_recompute_batch", lambda ids, moment: (_ for _ in ()).throw(_lost_deadlock()))
    with pytest.raises(OperationalError):
        runtime.recompute([1])

    def broken(ids, moment):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(runtime, "_recompute_batch", broken)
    with pytest.raises(OperationalError):
        runtime.recompute([1])


@pytest.mark.django_db
def test_inside_a_transaction_the_error_goes_to_the_caller(monkeypatch):
    calls = []

    def batch(ids, moment):
        calls.append(ids)
        raise _lost_deadlock()

    monkeypatch.setattr(runtime, "_recompute_batch", batch)
    with pytest.raises(OperationalError):
        runtime.recompute([1])
    assert len(calls) == 1
