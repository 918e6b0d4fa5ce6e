"""Everything about one contact can be exported; a contact can be erased while every ticket statistic stays."""

from __future__ import annotations

import json
import tarfile

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Avg, Count, Sum

from upstream.accounts.models import AuditEvent, User
from upstream.channels.email.models import InboundEmail
from upstream.core.errors import Forbidden
from upstream.customers.models import Contact
from upstream.hours.models import TimeEntry
from upstream.notifications.models import OutboundEmail
from upstream.portability.personal import ERASED_TEXT, erase_contact, export_contact
from upstream.portability.tests.world import build_world
from upstream.sla.models import SlaEvent
from upstream.surveys.models import CsatSurvey
from upstream.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def _statistics() -> dict[str, object]:
    return {
        "tickets": list(Ticket.objects.values("organisation").annotate(n=Count("id")).order_by("organisation")),
        "times": list(
            Ticket.objects.order_by("pk").values_list(
                "created_at", "first_responded_at", "resolved_at", "status", "priority", "requester"
            )
        ),
        "messages": Message.objects.count(),
        "sla_events": list(SlaEvent.objects.order_by("pk").values_list("ticket", "kind", "at")),
        "csat": CsatSurvey.objects.filter(answered_at__isnull=False).aggregate(Avg("score")),
        "minutes": TimeEntry.objects.aggregate(Sum("minutes")),
    }


def test_a_contact_export_holds_their_rows_and_files(tmp_path):
    world = build_world()
    alice = world.orgs.alice
    path = tmp_path / "alice.tar.gz"
    counts = export_contact(alice, path, by=world.admin)
    with tarfile.open(path) as tar:
        document = json.loads(tar.extractfile("personal.json").read())
    entities = document["entities"]
    assert document["contact"]["email"] == alice.email
    assert [row["email"] for row in entities["customers.contact"]] == [alice.email]
    assert {row["organisation"] for row in entities["customers.membership"]} == {world.orgs.org_a.pk}
    assert {row["subject"] for row in entities["tickets.ticket"]} == {"Alpha cluster down"}
    bodies = " ".join(row["body_text"] for row in entities["tickets.message"])
    assert "alice@example.org" in bodies and "请发送日志" in bodies  # her reply and the agent's reply to her
    assert entities["surveys.csatsurvey"][0]["score"] == 4
    assert entities["surveys.npssurvey"][0]["score"] == 9
    assert entities["kb.articlefeedback"][0]["comment"] == "clear"
    assert "password" not in entities["accounts.user"][0]
    assert world.orgs.bob.email not in json.dumps(document)
    assert counts["tickets.ticket"] == 1
    assert AuditEvent.objects.filter(action="contact.exported", target_id=str(alice.pk), actor=world.admin).exists()


def test_erasure_removes_identifiers_and_keeps_statistics(tmp_path, django_capture_on_commit_callbacks):
    world = build_world()
    contact = world.mail.contact  # wrote in by email: a raw message is stored
    contact.phone = "+86 138 0000 0000"
    contact.save()
    inbound = InboundEmail.objects.get(ticket_message__author_contact=contact)
    raw_name, storage = inbound.raw.name, inbound.raw.storage
    login = contact.user
    before = _statistics()

    with django_capture_on_commit_callbacks(execute=True):
        result = erase_contact(by=world.admin, contact=contact)

    assert _statistics() == before
    contact.refresh_from_db()
    assert contact.name == f"Erased contact {contact.pk}" and contact.email.endswith("@erased.invalid")
    assert contact.phone == "" and contact.user is None
    login.refresh_from_db()
    assert not login.is_active and not login.has_usable_password() and login.email == ""
    assert login.username == f"erased-{login.pk}"
    inbound.refresh_from_db()
    assert not inbound.raw and inbound.from_address == ERASED_TEXT
    assert not storage.exists(raw_name)
    assert not Message.objects.filter(body_text__icontains="li.na@acme.test").exists()
    assert OutboundEmail.objects.exists()  # the acknowledgement is kept, its recipient is not
    assert not OutboundEmail.objects.filter(to__icontains="li.na@acme.test").exists()
    assert result.changed["raw emails"] == 1
    event = AuditEvent.objects.get(action="contact.erased")
    assert event.actor == world.admin and event.target_id == str(contact.pk)
    assert "li.na" not in json.dumps(event.details) and "Li Na" not in event.summary


def test_erasure_scrubs_their_words_in_text():
    world = build_world()
    alice = world.orgs.alice
    alice.email = "alice@example.org"
    alice.save()
    csat = CsatSurvey.objects.get(contact=alice)
    csat.comment = f"Thanks from {alice.name}, write to ALICE@example.org"
    csat.save()
    erase_contact(by=world.admin, contact=alice)
    reply = Message.objects.get(body_text__startswith="Here it is")
    assert "alice@example.org" not in reply.body_text and ERASED_TEXT in reply.body_text
    csat.refresh_from_db()
    assert csat.score == 4  # the score counts; the comment loses her name
    assert csat.comment == f"Thanks from {ERASED_TEXT}, write to {ERASED_TEXT}"


def test_only_an_admin_erases():
    world = build_world()
    with pytest.raises(Forbidden):
        erase_contact(by=world.agent, contact=world.orgs.alice)
    assert Contact.objects.get(pk=world.orgs.alice.pk).email == world.orgs.alice.email


def test_the_command_asks_for_confirmation(tmp_path):
    world = build_world()
    with pytest.raises(CommandError, match="add --yes"):
        call_command("contact", "erase", str(world.orgs.bob.pk))
    call_command("contact", "erase", str(world.orgs.bob.pk), "--yes", "--by", world.admin.username)
    assert Contact.objects.get(pk=world.orgs.bob.pk).name.startswith("Erased contact")
    call_command("contact", "export", str(world.orgs.alice.pk), str(tmp_path / "a.tar.gz"))
    assert (tmp_path / "a.tar.gz").exists()
    assert User.objects.filter(username__startswith="erased-").count() == 1
