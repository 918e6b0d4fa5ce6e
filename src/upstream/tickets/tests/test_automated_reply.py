"""A message written by Upstream itself (the answer bot) is public but is nobody's response: no status change, no
first response, and the SLA engine does not count it."""

import pytest

from upstream.core.testing import make_contact, make_org, make_ticket
from upstream.sla import targets
from upstream.sla.history import _message_event
from upstream.tickets import services
from upstream.tickets.models import Status

pytestmark = pytest.mark.django_db


def test_an_automated_reply_is_public_but_not_a_response():
    contact = make_contact(make_org())
    ticket = make_ticket(contact)
    message = services.automated_reply(ticket=ticket, body="These articles may help: …")
    ticket.refresh_from_db()
    assert message.automated and message.kind == "public" and message.author_user is None
    assert message.author_name == "Upstream assistant"
    assert ticket.status == Status.NEW and ticket.first_responded_at is None
    assert isinstance(_message_event(message), targets.InternalNote)
    assert ticket.activities.filter(action="automated_reply").exists()


def test_a_closed_ticket_gets_no_automated_reply():
    contact = make_contact(make_org())
    ticket = make_ticket(contact)
    services.change_status(by=contact.user, ticket=ticket, status=Status.CLOSED)
    with pytest.raises(Exception, match="closed"):
        services.automated_reply(ticket=ticket, body="late")
