"""Inside events.batch(), batchable subscribers get their events in one call when the batch ends; the others still
get each event as it commits."""

import pytest
from django.db import transaction

from upstream import events

one_by_one: list[int] = []
batches: list[list[int]] = []


def single(event: events.Event) -> None:
    one_by_one.append(event.payload["ticket_id"])


def other(event: events.Event) -> None:
    """A subscriber that cannot batch: it must not be delayed by a batch."""


def batched(collected: list[events.Event]) -> None:
    batches.append([event.payload["ticket_id"] for event in collected])


@pytest.fixture
def subscribed(monkeypatch):
    one_by_one.clear()
    batches.clear()
    monkeypatch.setitem(events.SUBSCRIBERS, "ticket.updated", [f"{__name__}.single", f"{__name__}.other"])
    monkeypatch.setattr(events, "BATCHED", {f"{__name__}.single": f"{__name__}.batched"})
    events._resolve.cache_clear()
    yield
    events._resolve.cache_clear()


@pytest.mark.django_db(transaction=True)
def test_a_batch_hands_over_its_events_once_at_the_end(subscribed):
    with events.batch():
        for ticket_id in (1, 2, 3):
            with transaction.atomic():
                events.emit("ticket.updated", ticket_id=ticket_id)
        assert one_by_one == [] and batches == []
    assert batches == [[1, 2, 3]] and one_by_one == []


@pytest.mark.django_db(transaction=True)
def test_outside_a_batch_each_event_is_handled_as_it_commits(subscribed):
    with transaction.atomic():
        events.emit("ticket.updated", ticket_id=9)
    assert one_by_one == [9] and batches == []


@pytest.mark.django_db(transaction=True)
def test_nested_batches_join_the_outer_one_and_rolled_back_events_are_dropped(subscribed):
    with events.batch():
        with events.batch(), transaction.atomic():
            events.emit("ticket.updated", ticket_id=4)
        with pytest.raises(RuntimeError), transaction.atomic():
            events.emit("ticket.updated", ticket_id=5)
            raise RuntimeError("rolled back")
        assert batches == []
    assert batches == [[4]]


collected_items: list[list[object]] = []


def take_items(items: list[object]) -> None:
    collected_items.append(items)


def test_deferred_items_are_handed_over_once_when_the_batch_ends():
    collected_items.clear()
    path = f"{__name__}.take_items"
    assert events.defer_to_batch(path, "outside") is False  # no batch: the caller acts itself
    with events.batch():
        assert events.defer_to_batch(path, 1) and events.defer_to_batch(path, 2)
        assert collected_items == []
    assert collected_items == [[1, 2]]
