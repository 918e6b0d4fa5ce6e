"""An agent's public reply goes out by email in the same transaction: threaded, tokenised, in the recipient's
language, to the requester with followers in Cc, with the reply's attachments."""

import pytest
from django.db import transaction

from upstream.channels.email.models import Direction, ThreadId
from upstream.channels.email.tests.mail_world import build, deliver, make_mail_world
from upstream.core.testing import make_contact, upload
from upstream.notifications.models import OutboundEmail
from upstream.tickets import services
from upstream.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_reply_is_threaded_on_the_customers_last_email():
    world = make_mail_world(auto_acknowledge=False)
    deliver(build(message_id="<ask@acme.test>", cc="Boss <boss@acme.test>"))
    ticket = Ticket.objects.get()
    message = services.reply(
        by=world.agent, ticket=ticket, body="Please run the check.", uploads=[upload("steps.txt", b"1. run")]
    )
    email = OutboundEmail.objects.get(kind="reply")
    assert email.ticket_message == message
    assert email.to == ["li.na@acme.test"] and email.cc == ["boss@acme.test"]
    assert email.subject == f"[{ticket.reference}] Backups fail after upgrade"
    assert email.headers["In-Reply-To"] == "<ask@acme.test>"
    assert "<ask@acme.test>" in email.headers["References"]
    assert "Auto-Submitted" not in email.headers
    assert email.reply_to == f"support+{ticket.reference}@vendor.test"
    assert "Please run the check." in email.body_text and "Please run the check." in email.body_html
    assert [a.filename for a in email.attachments.all()] == ["steps.txt"]
    assert ThreadId.objects.get(message_id=email.message_id).direction == Direction.OUTBOUND


def test_a_rolled_back_reply_sends_nothing():
    world = make_mail_world(auto_acknowledge=False)
    deliver(build())
    ticket = Ticket.objects.get()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.reply(by=world.agent, ticket=ticket, body="never mind")
        raise RuntimeError("rolled back")
    assert not OutboundEmail.objects.exists()


def test_internal_notes_and_customer_messages_are_not_emailed():
    world = make_mail_world(auto_acknowledge=False)
    deliver(build())
    ticket = Ticket.objects.get()
    services.add_note(by=world.agent, ticket=ticket, body="internal only")
    services.reply(by=world.contact.user, ticket=ticket, body="customer via portal")
    assert not OutboundEmail.objects.exists()


def test_the_reply_is_written_in_the_recipients_language():
    world = make_mail_world(auto_acknowledge=False)
    deliver(build(subject="备份失败", body="升级后每晚备份失败。"))
    ticket = Ticket.objects.get()
    services.reply(by=world.agent, ticket=ticket, body="请运行检查。")
    email = OutboundEmail.objects.get(kind="reply")
    assert email.language == "zh-hans"
    assert "回复此邮件" in email.body_text


def test_a_contact_who_chose_english_gets_english():
    world = make_mail_world(auto_acknowledge=False)
    world.contact.user.language = "en"
    world.contact.user.save()
    deliver(build(subject="备份失败", body="升级后每晚备份失败。"))
    services.reply(by=world.agent, ticket=Ticket.objects.get(), body="Please run the check.")
    assert "Reply to this email" in OutboundEmail.objects.get(kind="reply").body_text


def test_a_portal_ticket_reply_is_emailed_too():
    world = make_mail_world()
    requester = make_contact(world.org, email="portal.user@acme.test")
    ticket = services.open_ticket(
        by=requester.user,
        new=services.NewTicket(organisation=world.org, requester=requester, subject="Portal question", body="How?"),
    )
    services.reply(by=world.agent, ticket=ticket, body="Like this.")
    email = OutboundEmail.objects.get(kind="reply")
    assert email.to == ["portal.user@acme.test"]
    assert "In-Reply-To" not in email.headers


def test_an_automated_reply_is_emailed_as_automatic_mail():
    make_mail_world(auto_acknowledge=False)
    deliver(build(message_id="<bot@acme.test>"))
    ticket = Ticket.objects.get()
    services.automated_reply(ticket=ticket, body="These articles may answer your question.")
    email = OutboundEmail.objects.get(kind="auto_reply")
    assert email.headers["Auto-Submitted"] == "auto-replied"
    assert email.headers["In-Reply-To"] == "<bot@acme.test>"
    assert "These articles" in email.body_text
