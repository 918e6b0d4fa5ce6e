"""Machine-generated mail never opens a ticket and never gets an automatic reply; a bounce of our own mail is
recorded on its ticket and a hard bounce marks the address undeliverable."""

import pytest

from upstream.channels.email.models import InboundStatus
from upstream.channels.email.tests.mail_world import build, deliver, make_mail_world
from upstream.core.testing import PASSWORD
from upstream.notifications.models import EmailAddressState, OutboundEmail
from upstream.notifications.outbox import is_undeliverable
from upstream.tickets import services
from upstream.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"List-Id": "<users.lists.example.org>"},
        {"Return-Path": "<>"},
    ],
)
def test_automatic_mail_is_ignored(headers):
    world = make_mail_world()
    result = deliver(build(headers=headers), world.mailbox)
    assert result.inbound.status == InboundStatus.IGNORED
    assert result.inbound.machine_reasons
    assert not Ticket.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_mail_from_our_own_address_is_ignored():
    world = make_mail_world()
    result = deliver(build(sender="Support <support@vendor.test>"), world.mailbox)
    assert result.inbound.status == InboundStatus.IGNORED
    assert not Ticket.objects.exists()


def _dsn_for(message_id: str, recipient: str, status: str, diagnostic: str) -> bytes:
    return f"""From: Mail Delivery System <MAILER-DAEMON@mx.acme.test>
To: support@vendor.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-{status}@mx.acme.test>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

This is the mail system at host mx.acme.test. Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.acme.test

Final-Recipient: rfc822; {recipient}
Action: failed
Status: {status}
Diagnostic-Code: smtp; {diagnostic}

--b1
Content-Type: text/rfc822-headers

From: support@vendor.test
To: {recipient}
Message-ID: <{message_id}>
Subject: [UP-1] Answer

--b1--
""".replace("\n", "\r\n").encode()


def test_a_hard_bounce_of_our_reply_is_recorded_on_the_ticket():
    world = make_mail_world(auto_acknowledge=False)
    deliver(build(message_id="<ask@acme.test>"), world.mailbox)
    ticket = Ticket.objects.get()
    services.reply(by=world.agent, ticket=ticket, body="Answer")
    sent = OutboundEmail.objects.get(kind="reply")

    raw = _dsn_for(sent.message_id, "li.na@acme.test", "5.1.1", "550 5.1.1 <li.na@acme.test>: User unknown")
    result = deliver(raw, world.mailbox)

    assert result.inbound.status == InboundStatus.BOUNCE
    assert result.inbound.ticket == ticket
    failure = ticket.activities.get(action="delivery_failed")
    assert failure.after["recipient"] == "li.na@acme.test"
    assert "5.1.1" in failure.after["detail"]
    assert is_undeliverable("li.na@acme.test")
    assert Ticket.objects.count() == 1 and ticket.messages.count() == 2


def test_a_soft_bounce_is_counted_but_the_address_stays_deliverable():
    world = make_mail_world(auto_acknowledge=False)
    deliver(build(), world.mailbox)
    services.reply(by=world.agent, ticket=Ticket.objects.get(), body="Answer")
    sent = OutboundEmail.objects.get(kind="reply")
    deliver(_dsn_for(sent.message_id, "li.na@acme.test", "5.2.2", "552 5.2.2 Mailbox full"), world.mailbox)
    assert not is_undeliverable("li.na@acme.test")
    assert EmailAddressState.objects.get(email="li.na@acme.test").soft_bounces == 1


def test_the_ticket_page_warns_that_the_requesters_address_bounces(client):
    world = make_mail_world(auto_acknowledge=False)
    deliver(build(), world.mailbox)
    ticket = Ticket.objects.get()
    services.reply(by=world.agent, ticket=ticket, body="Answer")
    sent = OutboundEmail.objects.get(kind="reply")
    deliver(_dsn_for(sent.message_id, "li.na@acme.test", "5.1.1", "550 5.1.1 User unknown"), world.mailbox)
    client.login(username=world.agent.username, password=PASSWORD)
    page = client.get(f"/tickets/{ticket.reference}/").content.decode()
    assert "Emails to this address bounce" in page and "5.1.1" in page
