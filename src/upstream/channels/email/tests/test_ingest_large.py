"""A 25 MB message: the attachment reaches the ticket intact; one over the ticket limit is withheld (noted on the
message) while the raw email keeps it."""

import hashlib
import os
from email.message import EmailMessage

import pytest

from upstream.channels.email.models import InboundStatus
from upstream.channels.email.tests.mail_world import deliver, make_mail_world

pytestmark = pytest.mark.django_db


def _with_attachment(size: int) -> tuple[bytes, bytes]:
    data = os.urandom(size)
    message = EmailMessage()
    message["From"] = "Li Na <li.na@acme.test>"
    message["To"] = "support@vendor.test"
    message["Subject"] = "Core dump"
    message["Message-ID"] = f"<dump-{size}@acme.test>"
    message.set_content("The core dump is attached.")
    message.add_attachment(data, maintype="application", subtype="octet-stream", filename="core.dump")
    return message.as_bytes(), data


def test_a_24_mib_attachment_reaches_the_ticket_intact(settings):
    world = make_mail_world()
    raw, data = _with_attachment(24 * 1024 * 1024)
    record = deliver(raw, world.mailbox).inbound
    assert record.status == InboundStatus.TICKET
    assert record.size == len(raw)
    attachment = record.ticket_message.attachments.get()
    assert attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()


def test_an_attachment_over_the_limit_is_withheld_and_kept_in_the_raw_email(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    world = make_mail_world()
    raw, _data = _with_attachment(2 * 1024 * 1024)
    record = deliver(raw, world.mailbox).inbound
    assert record.status == InboundStatus.TICKET
    message = record.ticket_message
    assert not message.attachments.exists()
    assert "core.dump" in message.body_text and "kept in the original email" in message.body_text
    with record.raw.open("rb") as stored:
        assert stored.read() == raw
