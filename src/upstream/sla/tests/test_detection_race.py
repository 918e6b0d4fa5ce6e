"""Two workers scanning at once on PostgreSQL: the conditional-update claim lets exactly one of them notify each
(ticket, metric, cycle, trigger)."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from upstream.notifications.models import Notification
from upstream.sla import detection, runtime
from upstream.sla.models import EscalationAction, SlaEvent, Trigger
from upstream.sla.tests.runtime_world import build_world

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 4
TICKETS = 12


def race(now) -> list[int]:
    barrier = threading.Barrier(WORKERS)
    results: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(detection.check_deadlines(now))
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent writers need PostgreSQL")
def test_racing_workers_notify_each_warning_and_breach_exactly_once(monkeypatch):
    world = build_world(monkeypatch)
    world.steps(
        ("first_response", Trigger.WARNING, EscalationAction.NOTIFY_ASSIGNEE),
        ("first_response", Trigger.BREACH, EscalationAction.NOTIFY_ASSIGNEE),
        ("first_response", Trigger.BREACH, EscalationAction.NOTIFY_TEAM_LEAD),
    )
    tickets = [world.ticket() for _ in range(TICKETS)]
    runtime.recompute([t.id for t in tickets])

    assert sum(race(world.at(0.8))) == TICKETS  # every warning claimed once, whoever won it
    assert sum(race(world.at(1.2))) == TICKETS
    events = Counter(SlaEvent.objects.filter(kind__in=["warned", "breached"]).values_list("ticket_id", "kind"))
    assert len(events) == 2 * TICKETS and set(events.values()) == {1}
    sent = Counter(Notification.objects.values_list("ticket_id", "user_id", "kind"))
    assert len(sent) == 3 * TICKETS and set(sent.values()) == {1}  # assignee warned; assignee and lead on breach
