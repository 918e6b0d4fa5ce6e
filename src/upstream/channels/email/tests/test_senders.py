"""The sender becomes a contact of an organisation: by contact, by email domain, or by the mailbox's policy."""

import pytest

from upstream.channels.email.contacts import UNSORTED_ORGANISATION
from upstream.channels.email.models import InboundStatus, UnknownSenders
from upstream.channels.email.tests.mail_world import build, deliver, make_mail_world
from upstream.core.testing import make_contact, make_org
from upstream.customers.models import Contact
from upstream.notifications.models import OutboundEmail
from upstream.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_new_sender_from_a_customer_domain_becomes_its_contact():
    world = make_mail_world()
    deliver(build(sender="Zhao Lei <Zhao.Lei@ACME.test>"), world.mailbox)
    ticket = Ticket.objects.get()
    assert ticket.organisation == world.org
    assert ticket.requester.email == "zhao.lei@acme.test" and ticket.requester.name == "Zhao Lei"


def test_a_contact_of_two_organisations_writes_for_the_one_owning_their_domain():
    world = make_mail_world()
    partner = make_org("Partner Ltd")
    both = make_contact(partner, world.org, email="dual@acme.test")
    deliver(build(sender="dual@acme.test"), world.mailbox)
    assert Ticket.objects.get().organisation == world.org
    assert Ticket.objects.get().requester == both


def test_unknown_senders_land_in_the_fallback_organisation():
    fallback = make_org("Community")
    world = make_mail_world(fallback_organisation=fallback)
    deliver(build(sender="someone@gmail.test"), world.mailbox)
    assert Ticket.objects.get().organisation == fallback
    assert Contact.objects.filter(email="someone@gmail.test").exists()


def test_without_a_fallback_unknown_senders_are_kept_in_an_unsorted_organisation():
    world = make_mail_world()
    deliver(build(sender="someone@gmail.test"), world.mailbox)
    assert Ticket.objects.get().organisation.name == UNSORTED_ORGANISATION


def test_a_refusing_mailbox_answers_strangers_politely_and_opens_nothing():
    world = make_mail_world(unknown_senders=UnknownSenders.REFUSE)
    result = deliver(build(sender="someone@gmail.test", message_id="<s1@gmail.test>"), world.mailbox)
    assert result.inbound.status == InboundStatus.REFUSED
    assert not Ticket.objects.exists() and not Contact.objects.filter(email="someone@gmail.test").exists()
    refusal = OutboundEmail.objects.get(kind="refusal")
    assert refusal.to == ["someone@gmail.test"]
    assert refusal.headers["Auto-Submitted"] == "auto-replied"
    assert refusal.headers["In-Reply-To"] == "<s1@gmail.test>"


def test_a_refusing_mailbox_still_takes_known_customers():
    world = make_mail_world(unknown_senders=UnknownSenders.REFUSE)
    deliver(build(), world.mailbox)
    assert Ticket.objects.get().requester == world.contact


def test_without_a_mailbox_argument_the_recipient_picks_the_mailbox():
    world = make_mail_world()
    deliver(build(to="Support <SUPPORT@vendor.test>"))
    assert Ticket.objects.get().team == world.team
