"""Replies thread by In-Reply-To/References, then the subject token, then the per-ticket reply address."""

import pytest

from upstream.channels.email.models import Follower
from upstream.channels.email.tests.mail_world import build, deliver, make_mail_world
from upstream.core.testing import make_contact, make_org
from upstream.notifications.models import OutboundEmail
from upstream.tickets import services
from upstream.tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened():
    world = make_mail_world()
    deliver(build(message_id="<first@acme.test>"), world.mailbox)
    return world, Ticket.objects.get()


def test_a_reply_citing_our_acknowledgement_threads(opened):
    _world, ticket = opened
    ack = OutboundEmail.objects.get(kind="auto_reply")
    deliver(build(message_id="<r1@acme.test>", subject="Re: something else", in_reply_to=f"<{ack.message_id}>"))
    assert Ticket.objects.count() == 1
    assert ticket.messages.count() == 2


def test_a_reply_citing_only_the_original_in_references_threads(opened):
    _world, ticket = opened
    deliver(build(message_id="<r2@acme.test>", subject="more logs", references="<unknown@x> <first@acme.test>"))
    assert Ticket.objects.count() == 1 and ticket.messages.count() == 2


def test_the_subject_token_threads_when_headers_were_lost(opened):
    _world, ticket = opened
    deliver(build(message_id="<r3@acme.test>", subject=f"回复：[{ticket.reference}] Backups fail"))
    assert Ticket.objects.count() == 1 and ticket.messages.count() == 2


def test_the_plus_address_threads_when_subject_and_headers_were_lost(opened):
    _world, ticket = opened
    deliver(build(message_id="<r4@acme.test>", subject="new logs", to=f"support+{ticket.reference}@vendor.test"))
    assert Ticket.objects.count() == 1 and ticket.messages.count() == 2


def test_a_customer_reply_reopens_a_ticket_waiting_on_them(opened):
    world, ticket = opened
    services.reply(by=world.agent, ticket=ticket, body="Which version?", then_status=Status.WAITING_CUSTOMER)
    deliver(build(message_id="<r5@acme.test>", subject=f"Re: [{ticket.reference}] x", body="Version 2.4.1"))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.messages.last().body_text.startswith("Version 2.4.1")


def test_a_stranger_citing_a_ticket_gets_a_ticket_of_their_own(opened):
    _world, ticket = opened
    other = make_org("Other Corp", domain="other.test")
    make_contact(other, email="eve@other.test")
    deliver(build(sender="eve@other.test", message_id="<e1@other.test>", subject=f"[{ticket.reference}] hi"))
    assert ticket.messages.count() == 1
    assert Ticket.objects.exclude(id=ticket.id).get().organisation == other


def test_a_colleague_by_domain_may_write_on_the_ticket(opened):
    _world, ticket = opened
    deliver(build(sender="Wang Wu <wang.wu@acme.test>", message_id="<c1@acme.test>", in_reply_to="<first@acme.test>"))
    assert ticket.messages.count() == 2
    assert ticket.messages.last().author_contact.email == "wang.wu@acme.test"


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(opened):
    world, ticket = opened
    services.change_status(by=world.agent, ticket=ticket, status=Status.CLOSED)
    deliver(build(message_id="<late@acme.test>", in_reply_to="<first@acme.test>", subject="Re: thanks, one more"))
    follow_up = Ticket.objects.exclude(id=ticket.id).get()
    assert follow_up.activities.filter(action="follow_up", after__of=ticket.reference).exists()
    assert ticket.messages.count() == 1


def test_a_reply_to_a_merged_ticket_lands_on_the_surviving_ticket(opened):
    world, ticket = opened
    target = Ticket.objects.get(id=ticket.id)
    deliver(build(message_id="<second@acme.test>", subject="Another problem"))
    source = Ticket.objects.exclude(id=target.id).get()
    services.merge_tickets(by=world.agent, source=source, target=target)
    deliver(build(message_id="<r6@acme.test>", in_reply_to="<second@acme.test>", subject="Re: Another problem"))
    assert Ticket.objects.count() == 2
    assert target.messages.filter(body_text__contains="error 17").count() >= 2


def test_cc_colleagues_follow_the_ticket_and_strangers_do_not():
    make_mail_world()
    deliver(build(message_id="<cc@acme.test>", cc="Boss <boss@acme.test>, Outsider <x@elsewhere.test>"))
    ticket = Ticket.objects.get()
    assert list(Follower.objects.filter(ticket=ticket).values_list("email", flat=True)) == ["boss@acme.test"]
