"""`upstream smtpd` wiring: mail for our addresses (and their +UP-… reply addresses) is ingested, others refused."""

import smtplib
import socket

import pytest

from upstream.channels.email.management.commands import smtpd
from upstream.channels.email.models import InboundEmail, Via
from upstream.channels.email.smtp_receiver import make_controller
from upstream.channels.email.tests.mail_world import build, make_mail_world
from upstream.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def receiver():
    port = _free_port()
    controller = make_controller(
        smtpd.deliver, host="127.0.0.1", port=port, max_size=smtpd.DEFAULT_MAX_SIZE, accept_rcpt=smtpd.accept_rcpt
    )
    controller.start()
    yield port
    controller.stop()


def test_mail_for_a_mailbox_is_ingested(receiver):
    world = make_mail_world()
    with smtplib.SMTP("127.0.0.1", receiver, timeout=10) as client:
        client.sendmail("li.na@acme.test", ["support@vendor.test"], build(message_id="<smtp1@acme.test>"))
    record = InboundEmail.objects.get()
    assert record.via == Via.SMTP and record.mailbox == world.mailbox
    assert Ticket.objects.get().team == world.team


def test_a_reply_address_reaches_its_ticket(receiver):
    make_mail_world(auto_acknowledge=False)
    with smtplib.SMTP("127.0.0.1", receiver, timeout=10) as client:
        client.sendmail("li.na@acme.test", ["support@vendor.test"], build(message_id="<smtp2@acme.test>"))
        ticket = Ticket.objects.get()
        address = f"support+{ticket.reference}@vendor.test"
        client.sendmail("li.na@acme.test", [address], build(message_id="<smtp3@acme.test>", subject="more"))
    assert Ticket.objects.count() == 1 and ticket.messages.count() == 2


def test_addresses_that_are_not_ours_are_refused(receiver):
    make_mail_world()
    with smtplib.SMTP("127.0.0.1", receiver, timeout=10) as client, pytest.raises(smtplib.SMTPRecipientsRefused):
        client.sendmail("li.na@acme.test", ["someone@else.test"], build())
    assert not InboundEmail.objects.exists()
