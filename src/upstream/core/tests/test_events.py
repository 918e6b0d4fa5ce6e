"""Events reach their subscribers after commit, never on rollback, and one failing handler spares the rest."""

import pytest
from django.db import transaction

from upstream import events

received: list[events.Event] = []


def record(event: events.Event) -> None:
    received.append(event)


def explode(event: events.Event) -> None:
    raise RuntimeError("boom")


@pytest.fixture
def subscribed(monkeypatch):
    received.clear()
    monkeypatch.setitem(
        events.SUBSCRIBERS,
        "ticket.created",
        [f"{__name__}.explode", f"{__name__}.record"],
    )
    events._resolve.cache_clear()
    yield
    events._resolve.cache_clear()


@pytest.mark.django_db(transaction=True)
def test_handlers_run_after_commit_and_survive_a_failing_peer(subscribed):
    with transaction.atomic():
        events.emit("ticket.created", ticket_id=7)
        assert received == []
    assert [e.payload for e in received] == [{"ticket_id": 7}]


@pytest.mark.django_db(transaction=True)
def test_rolled_back_changes_announce_nothing(subscribed):
    with pytest.raises(ValueError), transaction.atomic():
        events.emit("ticket.created", ticket_id=8)
        raise ValueError
    assert received == []


def test_undeclared_events_fail_fast():
    with pytest.raises(KeyError):
        events.emit("ticket.exploded")
