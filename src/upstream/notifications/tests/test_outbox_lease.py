"""A worker that dies after the server accepted a message but before recording it: the row stays SENDING under its
lease, is not touched while the lease is live, and is then re-sent once with the same Message-ID (at-least-once).
Two workers running at the same time on PostgreSQL never send the same row."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from upstream.notifications import outbox
from upstream.notifications.models import OutboundEmail, OutboundStatus


class WorkerDied(BaseException):
    """Stands for SIGKILL: nothing after it runs, not even `except Exception`."""


@pytest.mark.django_db
def test_an_expired_lease_is_resent_once_with_the_same_message_id(smtp_sink, monkeypatch):
    email = outbox.queue_email(to=["a@customer.test"], subject="s", text="t")
    real_finish = outbox._finish

    def die_before_recording_sent(row, token, **fields):
        if fields.get("status") == OutboundStatus.SENT:
            raise WorkerDied
        return real_finish(row, token, **fields)

    now = timezone.now()
    monkeypatch.setattr(outbox, "_finish", die_before_recording_sent)
    with pytest.raises(WorkerDied):
        outbox.deliver_due(now=now)
    monkeypatch.setattr(outbox, "_finish", real_finish)
    assert len(smtp_sink.wait_for(1)) == 1  # the server has it
    row = OutboundEmail.objects.get(id=email.id)
    assert row.status == OutboundStatus.SENDING and row.lease_until == now + outbox.LEASE

    # While the lease is live nobody sends it again.
    for later in (now, now + outbox.LEASE - timedelta(seconds=1)):
        assert outbox.deliver_due(now=later).claimed == 0
    assert len(smtp_sink.received) == 1

    # Lease expired: the worker is presumed dead; the row goes again, with the same Message-ID.
    assert outbox.deliver_due(now=now + outbox.LEASE).sent == [email.id]
    assert len(smtp_sink.by_message_id(email.message_id)) == 2
    row = OutboundEmail.objects.get(id=email.id)
    assert row.status == OutboundStatus.SENT and row.attempts == 2
    assert outbox.deliver_due(now=now + timedelta(days=1)).claimed == 0  # and never a third time


@pytest.mark.django_db
def test_a_late_worker_cannot_overwrite_a_row_someone_else_claimed(smtp_sink):
    email = outbox.queue_email(to=["a@customer.test"], subject="s", text="t")
    now = timezone.now()
    old_token, [row] = outbox._claim(now, 10)
    new_token, [again] = outbox._claim(now + outbox.LEASE, 10)  # the first lease expired: claimed anew
    assert old_token != new_token and again.id == email.id
    assert not outbox._renew(row, old_token, now)  # the old owner may not send
    assert not outbox._finish(row, old_token, status=OutboundStatus.SENT)  # nor record an outcome
    assert OutboundEmail.objects.get(id=email.id).lease_token == new_token


@pytest.mark.django_db
def test_a_message_that_kills_its_worker_every_time_finally_fails():
    email = outbox.queue_email(to=["a@customer.test"], subject="s", text="t")
    now = timezone.now()
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox._claim(now, 10)  # claimed, then the worker "dies"
        now += outbox.LEASE
    assert outbox._claim(now, 10)[1] == []
    row = OutboundEmail.objects.get(id=email.id)
    assert row.status == OutboundStatus.FAILED and "worker stopped while sending" in row.last_error


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_send_the_same_row(smtp_sink, settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SKIP LOCKED) need PostgreSQL")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # no inline delivery
    emails = [outbox.queue_email(to=[f"u{n}@customer.test"], subject=f"n{n}", text="t") for n in range(30)]
    smtp_sink.delay = 0.005  # each message takes a moment, so the workers overlap
    now = timezone.now()
    sent = {}
    errors = []
    start = threading.Barrier(3)

    def worker(name: str) -> None:
        try:
            start.wait()
            mine = sent.setdefault(name, [])
            while (report := outbox.deliver_due(now=now, limit=4)).claimed:
                mine.extend(report.sent)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    all_sent = [i for ids in sent.values() for i in ids]
    assert sorted(all_sent) == sorted(e.id for e in emails)  # each row sent by exactly one worker
    ids = [r.message["Message-ID"] for r in smtp_sink.wait_for(30)]
    assert len(ids) == 30 and len(set(ids)) == 30  # and received exactly once
    assert sum(1 for ids in sent.values() if ids) >= 2  # the work really was shared
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboundStatus.SENT}
