"""An organisation's timeline: one merged, newest-first, keyset-paginated stream; staff only; bounded queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from upstream.core import clock
from upstream.core.errors import InvalidInput
from upstream.core.testing import PASSWORD, make_agent, make_team, make_ticket
from upstream.customers.models import Channel
from upstream.success import queries
from upstream.success.models import InteractionKind
from upstream.success.tests.world import interaction, make_world
from upstream.tickets import services as ticket_services
from upstream.tickets.models import Message, Status, Ticket

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def build_history(world):
    """Tickets, an email reply, a chat message, calls, a meeting and a note, at known past instants."""
    now = clock.now()
    ticket = make_ticket(world.contact, world.org, subject="Upgrade question", channel=Channel.EMAIL)
    Ticket.objects.filter(id=ticket.id).update(created_at=now - timedelta(days=5))
    Message.objects.filter(ticket=ticket).update(created_at=now - timedelta(days=5), channel=Channel.EMAIL)
    reply = ticket_services.reply(by=world.agent, ticket=ticket, body="Here is how", channel=Channel.EMAIL)
    Message.objects.filter(id=reply.id).update(created_at=now - timedelta(days=4))
    ticket_services.change_status(by=world.agent, ticket=ticket, status=Status.RESOLVED)
    Ticket.objects.filter(id=ticket.id).update(resolved_at=now - timedelta(days=3))
    chat = make_ticket(world.contact, world.org, subject="Chat about billing", channel=Channel.CHAT)
    Ticket.objects.filter(id=chat.id).update(created_at=now - timedelta(days=2))
    Message.objects.filter(ticket=chat).update(created_at=now - timedelta(days=2), channel=Channel.CHAT)
    for days in (1, 6, 7):
        interaction(world, at=now - timedelta(days=days), summary=f"Call {days} days ago")
    interaction(world, at=now - timedelta(hours=5), kind=InteractionKind.MEETING, summary="Quarterly review")
    interaction(world, at=now - timedelta(hours=1), kind=InteractionKind.NOTE, summary="Sounds unhappy")
    return ticket, chat


def test_entries_of_every_kind_come_newest_first_with_their_authors():
    world = make_world()
    build_history(world)
    page = queries.timeline(world.agent, world.org, kinds=queries.parse_kinds([]), size=50)
    kinds = [e.kind for e in page.entries]
    # At the same instant (a ticket and its first message) the ticket comes first: ties go by source.
    assert kinds == [
        "note",
        "meeting",
        "call",
        "ticket_opened",
        "chat",
        "ticket_resolved",
        "email",
        "ticket_opened",
        "email",
        "call",
        "call",
    ]
    times = [e.at for e in page.entries]
    assert times == sorted(times, reverse=True)
    (email_from_customer,) = [e for e in page.entries if e.kind == "email" and e.details["from_customer"]]
    assert email_from_customer.author == world.contact.name
    assert [e.author for e in page.entries if e.kind == "call"] == [world.manager.display_name] * 3
    assert page.next_cursor is None


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_pages_follow_each_other_without_gaps_or_repeats(size):
    world = make_world()
    build_history(world)
    # Same instant from two sources: ties are broken by source, then id.
    interaction(world, at=Ticket.objects.get(subject="Upgrade question").created_at, summary="Same moment")
    everything = queries.timeline(world.admin, world.org, kinds=queries.parse_kinds([]), size=100).entries
    seen, cursor = [], None
    while True:
        page = queries.timeline(world.admin, world.org, kinds=queries.parse_kinds([]), cursor=cursor, size=size)
        seen.extend(page.entries)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [e.key for e in seen] == [e.key for e in everything]
    assert len(everything) == 12


def test_filter_by_kind():
    world = make_world()
    build_history(world)
    calls = queries.timeline(world.admin, world.org, kinds=queries.parse_kinds(["call"]), size=50).entries
    assert [e.kind for e in calls] == ["call"] * 3
    tickets = queries.timeline(world.admin, world.org, kinds=queries.parse_kinds(["ticket"]), size=50).entries
    assert {e.kind for e in tickets} == {"ticket_opened", "ticket_resolved"}
    with pytest.raises(InvalidInput):
        queries.parse_kinds(["sms"])


def test_agents_see_only_the_tickets_they_may_see():
    world = make_world()
    build_history(world)
    outsider = make_agent(make_team())
    Ticket.objects.update(team=world.team)
    entries = queries.timeline(outsider, world.org, kinds=queries.parse_kinds([]), size=50).entries
    assert {e.kind for e in entries} == {"call", "meeting", "note"}


def test_customers_get_404_and_anonymous_users_are_sent_to_sign_in():
    world = make_world()
    url = reverse("success:organisation", args=[world.org.id])
    response = login(world.contact.user).get(url)
    assert response.status_code in (302, 404)
    assert "success" not in response.get("Location", "")
    assert Client().get(url).status_code == 302
    assert login(world.agent).get(reverse("success:organisation", args=[999999])).status_code == 404
    api = Client()
    api.force_login(world.contact.user)
    assert api.get(f"/api/success/organisations/{world.org.id}/health").status_code == 404


def test_the_page_costs_the_same_number_of_queries_whatever_the_history(django_assert_max_num_queries):
    world = make_world()
    client = login(world.agent)
    url = reverse("success:organisation", args=[world.org.id])
    build_history(world)
    with django_assert_max_num_queries(40) as small:
        response = client.get(url)
    assert response.status_code == 200
    for day in range(30):
        interaction(world, at=clock.now() - timedelta(days=10 + day))
        make_ticket(world.contact, world.org)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


def test_the_next_page_is_an_htmx_fragment_and_a_bad_cursor_is_a_4xx():
    world = make_world()
    build_history(world)
    client = login(world.agent)
    url = reverse("success:organisation", args=[world.org.id])
    first = queries.timeline(world.agent, world.org, kinds=queries.parse_kinds([]), size=3)
    response = client.get(url, {"fragment": "timeline", "cursor": first.next_cursor}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<html" not in response.content and b"timeline-entry" in response.content
    assert client.get(url, {"cursor": "garbage!"}).status_code == 422
    assert client.get(url, {"kind": "sms"}).status_code == 422
