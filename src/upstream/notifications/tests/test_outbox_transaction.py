"""The outbox row is written in the caller's transaction: a rollback leaves nothing to send, a commit enqueues the
delivery task (which, with the test suite's immediate task backend, sends at once). `notify()` emails through it."""

import pytest
from django.db import transaction
from django_tasks import default_task_backend

from upstream.core.testing import make_agent, make_contact, make_org, make_ticket
from upstream.notifications import outbox, services
from upstream.notifications.models import Notification, OutboundEmail, OutboundKind, OutboundStatus

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_nothing_is_sent_when_the_transaction_rolls_back(smtp_sink, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom), transaction.atomic():
        outbox.queue_email(to=["a@customer.test"], subject="s", text="t")
        raise Boom
    assert callbacks == [] and not OutboundEmail.objects.exists()
    assert outbox.deliver_due().claimed == 0 and smtp_sink.received == []


def test_commit_enqueues_delivery(smtp_sink, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = outbox.queue_email(to=["a@customer.test"], subject="s", text="t")
        assert OutboundEmail.objects.get(id=email.id).status == OutboundStatus.PENDING  # not before the commit
    assert OutboundEmail.objects.get(id=email.id).status == OutboundStatus.SENT  # deliver_outbox ran on commit
    assert [r.message["Message-ID"] for r in smtp_sink.wait_for(1)] == [f"<{email.message_id}>"]


def test_commit_enqueues_the_task_on_a_queueing_backend(settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        email = outbox.queue_email(to=["a@customer.test"], subject="s", text="t")
    assert [r.task.name for r in default_task_backend.results] == ["deliver_outbox"]
    assert OutboundEmail.objects.get(id=email.id).status == OutboundStatus.PENDING  # a worker will send it


def test_notify_queues_its_email_in_the_same_transaction(smtp_sink, django_capture_on_commit_callbacks):
    agent = make_agent()
    org = make_org()
    ticket = make_ticket(make_contact(org), org)
    with pytest.raises(Boom), transaction.atomic():
        services.notify(agent, text="UP-1 breached", ticket=ticket)
        assert OutboundEmail.objects.filter(to=[agent.email]).exists()
        raise Boom
    assert not Notification.objects.exists() and not OutboundEmail.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.notify(agent, text="UP-1 breached", ticket=ticket, kind="sla_breach")
    row = OutboundEmail.objects.get()
    assert row.kind == OutboundKind.NOTIFICATION and row.ticket == ticket and row.status == OutboundStatus.SENT
    [got] = smtp_sink.wait_for(1)
    assert got.rcpt_tos == [agent.email] and got.message["Subject"] == "UP-1 breached"
    assert got.message["Auto-Submitted"] == "auto-generated" and ticket.reference in got.message.get_content()


def test_the_periodic_job_is_registered():
    from upstream.core.periodic import PERIODIC_JOBS

    assert [job.every.total_seconds() for job in PERIODIC_JOBS if job.task.endswith("deliver_outbox")] == [60]


def test_one_delivery_task_per_transaction(settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        with pytest.raises(Boom), transaction.atomic():
            outbox.queue_email(to=["a@customer.test"], subject="rolled back", text="t")
            raise Boom  # takes its on-commit callback with it
        outbox.queue_email(to=["a@customer.test"], subject="one", text="t")
        outbox.queue_email(to=["a@customer.test"], subject="two", text="t")
        with transaction.atomic():
            outbox.queue_email(to=["a@customer.test"], subject="three", text="t")
    assert len(callbacks) == 1 and len(default_task_backend.results) == 1
    assert sorted(OutboundEmail.objects.values_list("subject", flat=True)) == ["one", "three", "two"]
