"""A ticket event carries the kind of the message it announces (`message_kind`), so queueing the search reindex of a
new public message (every inbound email) costs the pending row only, not a read of the message first; an event
without the kind still reads it. A public message queues the ticket only, an internal note both kinds."""

import pytest
from django.db import transaction

from upstream import events
from upstream.core.testing import make_agent, make_two_organisations
from upstream.events import Event
from upstream.kb.search.models import Pending
from upstream.kb.search.ticket_source import NOTE, TICKET, on_ticket_event
from upstream.tickets import services
from upstream.tickets.models import MessageKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lexical_only")]


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_two_organisations()


def _queued(ticket_id):
    return set(Pending.objects.filter(object_id=ticket_id).values_list("kind", flat=True))


def test_the_kind_in_the_event_spares_the_read(world, django_assert_num_queries):
    Pending.objects.all().delete()
    ticket = world.ticket_a
    public = ticket.messages.filter(kind=MessageKind.PUBLIC).first()
    payload = {"ticket_id": ticket.id, "message_id": public.id, "message_kind": MessageKind.PUBLIC}
    # savepoint, the pending row, release: no read of the message
    with transaction.atomic(), django_assert_num_queries(3):
        on_ticket_event(Event("ticket.message_added", payload))
    assert _queued(ticket.id) == {TICKET}


def test_without_the_kind_the_message_is_read(world, django_assert_num_queries):
    Pending.objects.all().delete()
    ticket = world.ticket_a
    public = ticket.messages.filter(kind=MessageKind.PUBLIC).first()
    with transaction.atomic(), django_assert_num_queries(4):
        on_ticket_event(Event("ticket.message_added", {"ticket_id": ticket.id, "message_id": public.id}))
    assert _queued(ticket.id) == {TICKET}


def test_ticket_services_send_the_kind_of_public_messages_and_notes(world, monkeypatch):
    seen = []
    original = events.emit
    monkeypatch.setattr(
        events, "emit", lambda name, **payload: seen.append((name, payload)) or original(name, **payload)
    )
    Pending.objects.all().delete()
    services.add_note(by=make_agent(world.platform), ticket=world.ticket_b, body="heron")
    services.reply(by=make_agent(world.platform), ticket=world.ticket_b, body="An answer")
    kinds = [(name, payload.get("message_kind")) for name, payload in seen if "message_id" in payload]
    assert kinds == [
        ("ticket.message_added", MessageKind.INTERNAL),
        ("ticket.message_added", MessageKind.PUBLIC),
    ]
    assert _queued(world.ticket_b.id) == {TICKET, NOTE}  # the note queued both kinds
