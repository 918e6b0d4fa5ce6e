"""Transient failures (451, an unreachable server) put the email back with exponential backoff and it is delivered
later; permanent ones (550) fail it with the server's words; after MAX_ATTEMPTS the outbox gives up. Time moves by
`now=`, never by sleeping."""

from datetime import timedelta

import pytest
from django.utils import timezone

from upstream.core.testing import make_contact, make_org, make_ticket, upload
from upstream.notifications import outbox
from upstream.notifications.models import OutboundEmail, OutboundStatus
from upstream.tickets.attachments import store_attachments

pytestmark = pytest.mark.django_db


def queue(**extra):
    return outbox.queue_email(to=["a@customer.test"], subject="Status", text="Fixed.", **extra)


def fresh(email):
    return OutboundEmail.objects.get(id=email.id)


def test_backoff_doubles_up_to_an_hour():
    assert [outbox.backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert outbox.backoff(7) == outbox.backoff(30) == timedelta(hours=1)


def test_451_is_retried_later_then_delivered(smtp_sink):
    email = queue()
    smtp_sink.fail_next(1, code=451)
    now = timezone.now()
    report = outbox.deliver_due(now=now)
    assert report.retrying == [email.id] and smtp_sink.rejected == 1 and smtp_sink.received == []
    row = fresh(email)
    assert row.status == OutboundStatus.PENDING and row.attempts == 1
    assert row.next_attempt_at == now + timedelta(minutes=1) and row.last_error.startswith("451 4.3.0")

    assert outbox.deliver_due(now=now + timedelta(seconds=59)).claimed == 0  # not before its time
    assert outbox.deliver_due(now=now + timedelta(minutes=1)).sent == [email.id]
    row = fresh(email)
    assert row.status == OutboundStatus.SENT and row.attempts == 2 and row.last_error == ""
    assert len(smtp_sink.by_message_id(email.message_id)) == 1


def test_550_fails_with_the_servers_message(smtp_sink):
    email = queue()
    smtp_sink.fail_next(1, code=550, text="5.7.1 Content rejected as spam")
    assert outbox.deliver_due().failed == [email.id]
    row = fresh(email)
    assert row.status == OutboundStatus.FAILED and row.last_error == "550 5.7.1 Content rejected as spam"
    assert outbox.deliver_due(now=timezone.now() + timedelta(days=1)).claimed == 0  # never again


def test_a_failure_does_not_hold_up_the_next_message(smtp_sink):
    first, second = queue(), queue()
    smtp_sink.fail_next(1, code=550)
    report = outbox.deliver_due()
    assert report.failed == [first.id] and report.sent == [second.id]
    assert [r.message["Message-ID"] for r in smtp_sink.received] == [f"<{second.message_id}>"]


def test_an_unreachable_server_backs_off_every_waiting_email(smtp_sink):
    emails = [queue(), queue()]
    smtp_sink.stop()
    now = timezone.now()
    report = outbox.deliver_due(now=now)
    assert sorted(report.retrying) == sorted(e.id for e in emails)
    for email in emails:
        row = fresh(email)
        assert row.status == OutboundStatus.PENDING and row.attempts == 1 and row.lease_token == ""
        assert row.next_attempt_at == now + timedelta(minutes=1) and "cannot reach the mail server" in row.last_error

    assert outbox.deliver_due(now=now + timedelta(minutes=1)).retrying  # still down: attempt 2
    assert fresh(emails[0]).next_attempt_at == now + timedelta(minutes=3)  # waited 1, then 2 more

    smtp_sink.start()  # back, on the same port
    assert len(outbox.deliver_due(now=now + timedelta(minutes=3)).sent) == 2
    assert len(smtp_sink.wait_for(2)) == 2


def test_gives_up_after_max_attempts(smtp_sink):
    email = queue()
    smtp_sink.stop()
    now = timezone.now()
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.deliver_due(now=now)
        now += timedelta(hours=2)
    row = fresh(email)
    assert row.status == OutboundStatus.FAILED and row.attempts == outbox.MAX_ATTEMPTS
    assert row.last_error.startswith(f"gave up after {outbox.MAX_ATTEMPTS} attempts")


def test_one_refused_recipient_does_not_stop_the_others(smtp_sink):
    smtp_sink.refuse_recipient("gone@customer.test")
    email = outbox.queue_email(to=["a@customer.test"], cc=["gone@customer.test"], subject="s", text="t")
    assert outbox.deliver_due().sent == [email.id]
    assert smtp_sink.wait_for(1)[0].rcpt_tos == ["a@customer.test"]
    row = fresh(email)
    assert "gone@customer.test: 550 5.1.1" in row.last_error
    assert outbox.is_undeliverable("gone@customer.test")  # a 5.1.1 refusal is a hard bounce


def test_every_recipient_refused_permanently_fails(smtp_sink):
    smtp_sink.refuse_recipient("a@customer.test", "550 5.7.1 Relaying denied")
    email = queue()
    assert outbox.deliver_due().failed == [email.id]
    assert "every recipient refused" in fresh(email).last_error and "Relaying denied" in fresh(email).last_error
    assert not outbox.is_undeliverable("a@customer.test")  # a policy refusal says nothing about the mailbox


def test_an_attachment_missing_from_storage_waits(smtp_sink):
    org = make_org()
    message = make_ticket(make_contact(org), org).messages.get()
    [attachment] = store_attachments(message, [upload("a.txt", b"data")])
    attachment.file.delete(save=False)
    missing, ok = queue(attachments=[attachment]), queue()
    report = outbox.deliver_due()
    assert report.retrying == [missing.id] and report.sent == [ok.id]
    row = fresh(missing)
    assert row.status == OutboundStatus.PENDING and "cannot build the email" in row.last_error
