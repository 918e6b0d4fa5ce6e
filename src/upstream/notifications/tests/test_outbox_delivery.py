"""A queued email reaches a real SMTP server (aiosmtpd on loopback) once, with exactly our headers: the stored
Message-ID, threading headers, Auto-Submitted, a text part and an HTML alternative, a Chinese subject and sender
name, attachments byte for byte."""

import os

import pytest
from django.utils import timezone

from upstream.core.testing import make_contact, make_org, upload
from upstream.notifications import outbox
from upstream.notifications.models import OutboundEmail, OutboundStatus
from upstream.tickets import services as ticket_services

pytestmark = pytest.mark.django_db

BINARY = os.urandom(200_000) + b"\r\n\n\r\x00end"
TEXT_FILE = b"line one\nline two\r\nno final newline"


@pytest.fixture
def ticket_with_files():
    org = make_org()
    contact = make_contact(org)
    return ticket_services.open_ticket(
        by=contact.user,
        new=ticket_services.NewTicket(organisation=org, requester=contact, subject="Crash", body="see files"),
        uploads=[
            upload("dump.bin", BINARY, "application/octet-stream"),
            upload("日志.txt", TEXT_FILE, "text/plain"),
        ],
    )


def test_delivered_once_with_our_headers_parts_and_files(smtp_sink, ticket_with_files):
    message = ticket_with_files.messages.get()
    files = list(message.attachments.all())
    queued = outbox.queue_email(
        to=["李雷 <li.lei@customer.test>"],
        cc=["ops@customer.test"],
        from_email="上游支持 <support@upstream.test>",
        reply_to="support+UP-1@upstream.test",
        subject="[UP-10001] 服务器无法启动",
        text="您好，\n请查看附件。",
        html="<p>您好，</p><p>请查看<b>附件</b>。</p>",
        headers={
            "In-Reply-To": "<their.1@customer.test>",
            "References": "<root@customer.test> <their.1@customer.test>",
        },
        attachments=files,
        ticket=ticket_with_files,
        message=message,
        kind="reply",
        language="zh-hans",
        auto_submitted=True,
    )
    report = outbox.deliver_due(now=timezone.now())
    assert report.sent == [queued.id]
    assert outbox.deliver_due(now=timezone.now()).claimed == 0  # nothing twice

    [got] = smtp_sink.wait_for(1)
    assert got.mail_from == "support@upstream.test"
    assert sorted(got.rcpt_tos) == ["li.lei@customer.test", "ops@customer.test"]
    mail = got.message
    assert mail["Message-ID"] == f"<{queued.message_id}>"
    assert queued.message_id.startswith("up.") and queued.message_id.endswith("@upstream.localhost")
    assert mail["In-Reply-To"] == "<their.1@customer.test>"
    assert mail["References"] == "<root@customer.test> <their.1@customer.test>"
    assert mail["Auto-Submitted"] == "auto-replied" and mail["X-Auto-Response-Suppress"] == "All"
    assert mail["Content-Language"] == "zh-hans"
    assert mail["Subject"] == "[UP-10001] 服务器无法启动"
    assert b"\xe6\x9c\x8d" not in got.raw.split(b"\r\n\r\n", 1)[0]  # headers are RFC 2047 encoded, not raw UTF-8
    assert mail["From"].addresses[0].display_name == "上游支持"
    assert mail["To"].addresses[0].display_name == "李雷" and mail["Reply-To"] == "support+UP-1@upstream.test"
    assert mail["Date"] is not None
    assert mail.get_body(("plain",)).get_content().strip() == "您好，\n请查看附件。"
    assert mail.get_body(("html",)).get_content().strip() == "<p>您好，</p><p>请查看<b>附件</b>。</p>"
    attached = {part.get_filename(): part.get_payload(decode=True) for part in mail.iter_attachments()}
    assert attached == {"dump.bin": BINARY, "日志.txt": TEXT_FILE}

    row = OutboundEmail.objects.get(id=queued.id)
    assert row.status == OutboundStatus.SENT and row.attempts == 1 and row.sent_at is not None
    assert row.ticket == ticket_with_files and row.ticket_message == message and row.lease_token == ""


def test_plain_text_only_mail_is_single_part(smtp_sink):
    queued = outbox.queue_email(to=["a@customer.test"], subject="Hello", text="Just text.")
    outbox.deliver_due()
    [got] = smtp_sink.wait_for(1)
    assert not got.message.is_multipart() and got.message.get_content().strip() == "Just text."
    assert got.message["Auto-Submitted"] is None and got.message["Message-ID"] == f"<{queued.message_id}>"


def test_a_caller_supplied_message_id_is_kept(smtp_sink):
    outbox.queue_email(to=["a@customer.test"], subject="s", text="t", message_id="<mine.1@upstream.test>")
    outbox.deliver_due()
    assert smtp_sink.wait_for(1)[0].message["Message-ID"] == "<mine.1@upstream.test>"


def test_queue_refuses_header_injection_and_reserved_headers():
    with pytest.raises(ValueError, match="line break"):
        outbox.queue_email(to=["a@x.test"], subject="s", text="t", headers={"X-Evil": "a\r\nBcc: b@x.test"})
    with pytest.raises(ValueError, match="own fields"):
        outbox.queue_email(to=["a@x.test"], subject="s", text="t", headers={"Message-ID": "<x@y>"})
    with pytest.raises(ValueError, match="not an email address"):
        outbox.queue_email(to=["bad\x00@x.test"], subject="s", text="t")
    with pytest.raises(ValueError, match="not an email address"):
        outbox.queue_email(to=["a@x.test"], cc=["nobody"], subject="s", text="t")
    with pytest.raises(ValueError, match="To address"):
        outbox.queue_email(to=[], subject="s", text="t")
    assert not OutboundEmail.objects.exists()


def test_a_multiline_subject_becomes_one_line(smtp_sink):
    outbox.queue_email(to=["a@customer.test"], subject="Re: long\r\n subject\nline", text="t")
    outbox.deliver_due()
    assert smtp_sink.wait_for(1)[0].message["Subject"] == "Re: long subject line"


def test_make_message_id_is_unique_and_bare():
    ids = {outbox.make_message_id() for _ in range(100)}
    assert len(ids) == 100 and all("<" not in i and "@" in i for i in ids)
    assert outbox.make_message_id("mail.example.org").endswith("@mail.example.org")
