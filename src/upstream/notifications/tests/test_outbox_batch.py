"""Inside events.batch() (an IMAP fetch), committed emails enqueue one delivery task when the batch ends, not one
per message."""

import pytest
from django.db import transaction

from upstream import events
from upstream.notifications import outbox

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_delivery_task_per_batch(monkeypatch):
    enqueued = []
    monkeypatch.setattr(outbox, "enqueue_after_batch", lambda collected: enqueued.append(1))
    with events.batch():
        for n in range(3):
            with transaction.atomic():
                outbox.queue_email(to=[f"c{n}@example.test"], subject="s", text="t")
        assert enqueued == []
    assert enqueued == [1]


def test_outside_a_batch_each_transaction_enqueues(monkeypatch):
    enqueued = []
    monkeypatch.setattr(outbox, "enqueue_after_batch", lambda collected: enqueued.append(1))
    for n in range(2):
        with transaction.atomic():
            outbox.queue_email(to=[f"c{n}@example.test"], subject="s", text="t")
    assert enqueued == [1, 1]
