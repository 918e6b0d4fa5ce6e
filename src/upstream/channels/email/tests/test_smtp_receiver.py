"""The built-in SMTP receiver: a real aiosmtpd server on a free loopback port, driven with smtplib."""

from __future__ import annotations

import smtplib
import threading

import pytest

from upstream.channels.email.smtp_receiver import SmtpOutcome, make_controller
from upstream.channels.email.tests.dovecot import free_port

MESSAGE = (
    b"From: Customer <customer@example.org>\r\n"
    b"To: support@support.test\r\n"
    b"Subject: Help\r\n"
    b"Message-ID: <smtp-1@example.org>\r\n"
    b"\r\n"
    b"Please help.\r\n"
    b".leading dot survives dot-stuffing\r\n"
)


class Recorder:
    def __init__(self, outcome: SmtpOutcome | Exception = SmtpOutcome.ACCEPTED) -> None:
        self.outcome = outcome
        self.calls: list[tuple[bytes, list[str], str]] = []
        self.threads: list[str] = []

    def __call__(self, raw: bytes, rcpt_tos: list[str], mail_from: str) -> SmtpOutcome:
        self.calls.append((raw, rcpt_tos, mail_from))
        self.threads.append(threading.current_thread().name)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


@pytest.fixture
def receiver():
    """receiver(deliver, **kwargs) → a started controller on a free port; all are stopped after the test."""
    started = []

    def start(deliver, **kwargs):
        kwargs.setdefault("max_size", 1_000_000)
        controller = make_controller(deliver, host="127.0.0.1", port=free_port(), server_hostname="mx.test", **kwargs)
        controller.start()
        started.append(controller)
        return controller

    yield start
    for controller in started:
        controller.stop()


def send(controller, to=("support@support.test",), raw=MESSAGE, sender="customer@example.org"):
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
        return client.sendmail(sender, list(to), raw)


def test_accepted(receiver):
    deliver = Recorder()
    controller = receiver(deliver)
    assert send(controller) == {}
    [(raw, rcpt_tos, mail_from)] = deliver.calls
    assert raw == MESSAGE
    assert rcpt_tos == ["support@support.test"]
    assert mail_from == "customer@example.org"
    assert deliver.threads[0].startswith("smtpd-deliver")  # never on the event loop's thread


def test_temporary_failure_is_451(receiver):
    controller = receiver(Recorder(SmtpOutcome.TEMPORARY_FAILURE))
    with pytest.raises(smtplib.SMTPDataError) as info:
        send(controller)
    assert info.value.smtp_code == 451
    assert info.value.smtp_error.startswith(b"4.3.0")


def test_an_exception_in_deliver_is_451_so_the_sender_retries(receiver):
    controller = receiver(Recorder(RuntimeError("database is down")))
    with pytest.raises(smtplib.SMTPDataError) as info:
        send(controller)
    assert info.value.smtp_code == 451


def test_rejected_is_550(receiver):
    controller = receiver(Recorder(SmtpOutcome.REJECTED))
    with pytest.raises(smtplib.SMTPDataError) as info:
        send(controller)
    assert info.value.smtp_code == 550
    assert info.value.smtp_error.startswith(b"5.7.1")


def test_unknown_recipient_is_refused_at_rcpt(receiver):
    deliver = Recorder()
    controller = receiver(deliver, accept_rcpt=lambda address: address.endswith("@support.test"))
    with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
        send(controller, to=["nobody@elsewhere.test"])
    assert info.value.recipients == {"nobody@elsewhere.test": (550, b"5.1.1 no such mailbox here")}
    assert deliver.calls == []

    # With one good and one bad recipient the message goes to the good one only.
    refused = send(controller, to=["nobody@elsewhere.test", "billing@support.test"])
    assert refused == {"nobody@elsewhere.test": (550, b"5.1.1 no such mailbox here")}
    assert deliver.calls[0][1] == ["billing@support.test"]


def test_a_failing_recipient_check_is_a_temporary_failure(receiver):
    def accept_rcpt(address):
        raise RuntimeError("database is down")

    controller = receiver(Recorder(), accept_rcpt=accept_rcpt)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
        send(controller)
    assert info.value.recipients["support@support.test"][0] == 451


def body_lines(size: int) -> bytes:
    return b"".join(b"%07d %s\r\n" % (n, b"x" * 70) for n in range(size // 80))


def test_oversize_is_552_when_announced_with_size(receiver):
    deliver = Recorder()
    controller = receiver(deliver, max_size=10_000)
    big = MESSAGE + body_lines(20_000)
    with pytest.raises(smtplib.SMTPSenderRefused) as info:  # smtplib sends SIZE=; refused at MAIL FROM
        send(controller, raw=big)
    assert info.value.smtp_code == 552
    assert deliver.calls == []


def test_oversize_is_552_after_data_without_size(receiver):
    deliver = Recorder()
    controller = receiver(deliver, max_size=10_000)
    big = MESSAGE + body_lines(20_000)
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
        client.ehlo()
        assert client.mail("customer@example.org")[0] == 250  # no SIZE parameter
        assert client.rcpt("support@support.test")[0] == 250
        code, _ = client.data(big)
    assert code == 552
    assert deliver.calls == []


def test_size_is_announced_and_a_message_just_under_it_passes(receiver):
    deliver = Recorder()
    controller = receiver(deliver, max_size=10_000)
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
        client.ehlo()
        assert client.esmtp_features["size"] == "10000"
    ok = MESSAGE + body_lines(9_000)
    assert send(controller, raw=ok) == {}
    assert deliver.calls[0][0] == ok


def test_lines_longer_than_rfc_5321_allows_are_accepted(receiver):
    deliver = Recorder()
    controller = receiver(deliver)
    raw = MESSAGE + b"<p>" + b"long html line " * 300 + b"</p>\r\n"
    send(controller, raw=raw)
    assert deliver.calls[0][0] == raw


def test_eight_bit_body(receiver):
    deliver = Recorder()
    controller = receiver(deliver)
    raw = "Subject: Grüße\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nÜmläüte\r\n".encode()
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
        client.sendmail("kunde@example.org", ["support@support.test"], raw, mail_options=["BODY=8BITMIME"])
    assert deliver.calls[0][0] == raw


@pytest.mark.django_db(transaction=True)
def test_deliver_may_use_the_django_orm(receiver):
    from django.contrib.auth.models import Group

    def deliver(raw, rcpt_tos, mail_from):
        Group.objects.create(name=f"{mail_from} #{Group.objects.count() + 1}")
        return SmtpOutcome.ACCEPTED

    controller = receiver(deliver)
    send(controller)
    send(controller)
    names = set(Group.objects.values_list("name", flat=True))
    assert names == {"customer@example.org #1", "customer@example.org #2"}


def test_stop_releases_the_port_and_the_workers(receiver):
    controller = receiver(Recorder())
    send(controller)
    controller.stop()
    assert controller.handler.executor is None
    assert not [t for t in threading.enumerate() if t.name.startswith("smtpd-deliver")]
