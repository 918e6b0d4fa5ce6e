"""An email from a known contact opens a ticket in their organisation, for the mailbox's team, acknowledged once."""

import pytest
from django.core import mail

from upstream.channels.email.models import InboundEmail, InboundStatus, ThreadId
from upstream.channels.email.tests.mail_world import build, deliver, make_mail_world
from upstream.customers.models import Channel
from upstream.notifications.models import OutboundEmail
from upstream.notifications.outbox import deliver_due
from upstream.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_an_email_from_a_contact_opens_a_ticket():
    world = make_mail_world()
    raw = build(message_id="<q1@acme.test>", subject="Re: Backups fail after upgrade")
    result = deliver(raw, world.mailbox)

    inbound = result.inbound
    assert inbound.status == InboundStatus.TICKET
    ticket = Ticket.objects.get()
    assert inbound.ticket == ticket
    assert ticket.subject == "Backups fail after upgrade"  # reply prefixes dropped
    assert ticket.channel == Channel.EMAIL
    assert ticket.organisation == world.org and ticket.requester == world.contact
    assert ticket.team == world.team
    message = ticket.messages.get()
    assert message.author_contact == world.contact and message.author_user is None
    assert "error 17" in message.body_text
    assert ThreadId.objects.get(message_id="q1@acme.test").ticket == ticket
    with inbound.raw.open("rb") as stored:
        assert stored.read() == raw  # kept exactly as received


def test_the_acknowledgement_is_threaded_automatic_and_carries_the_token():
    world = make_mail_world()
    deliver(build(message_id="<q2@acme.test>"), world.mailbox)
    ticket = Ticket.objects.get()

    ack = OutboundEmail.objects.get(kind="auto_reply")
    assert ack.to == ["li.na@acme.test"]
    assert ack.subject.startswith(f"[{ticket.reference}] ")
    assert ack.headers["In-Reply-To"] == "<q2@acme.test>"
    assert ack.headers["Auto-Submitted"] == "auto-replied"
    assert ack.reply_to == f"support+{ticket.reference}@vendor.test"
    deliver_due()
    sent = mail.outbox[-1].message()
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["Message-ID"] == f"<{ack.message_id}>"


def test_the_same_message_twice_is_one_message():
    world = make_mail_world()
    raw = build(message_id="<dup@acme.test>")
    first = deliver(raw, world.mailbox)
    second = deliver(raw, world.mailbox)
    assert not first.duplicate and second.duplicate
    assert second.inbound.id == first.inbound.id
    assert InboundEmail.objects.count() == 1
    assert Ticket.objects.get().messages.count() == 1


def test_without_a_message_id_the_content_hash_dedupes():
    world = make_mail_world()
    raw = build(message_id="")
    assert b"Message-ID" not in raw
    deliver(raw, world.mailbox)
    assert deliver(raw, world.mailbox).duplicate
    assert InboundEmail.objects.get().dedupe_key.startswith("sha256:")
    assert Ticket.objects.count() == 1


def test_acknowledgements_are_rate_limited_per_sender():
    world = make_mail_world()
    for n in range(6):
        deliver(build(message_id=f"<many{n}@acme.test>", subject=f"Question {n}"), world.mailbox)
    assert Ticket.objects.count() == 6
    assert OutboundEmail.objects.filter(kind="auto_reply").count() == 3


def test_a_mailbox_that_does_not_acknowledge_sends_nothing():
    world = make_mail_world(auto_acknowledge=False)
    deliver(build(), world.mailbox)
    assert Ticket.objects.count() == 1
    assert not OutboundEmail.objects.exists()
