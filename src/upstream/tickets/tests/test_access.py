"""Who sees which tickets, messages and attachments (the named queries every page and endpoint go through)."""

import pytest

from upstream.core.errors import NotFound
from upstream.core.testing import (
    make_admin,
    make_agent,
    make_contact,
    make_org,
    make_ticket,
    make_two_organisations,
    upload,
)
from upstream.tickets import services
from upstream.tickets.queries import (
    TicketFilters,
    access_attachment,
    access_ticket,
    apply_filters,
    queue_tickets,
    visible_messages,
    visible_tickets,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_two_organisations()


def _numbers(user):
    return set(visible_tickets(user).values_list("number", flat=True))


def test_contact_sees_only_own_tickets(world):
    assert _numbers(world.alice.user) == {world.ticket_a.number}


def test_org_admin_sees_all_tickets_of_their_organisation_only(world):
    assert _numbers(world.a_admin.user) == {world.ticket_a.number, world.ticket_colleague.number}


@pytest.mark.smoke
def test_contact_gets_not_found_for_another_organisations_ticket_by_number_and_reference(world):
    ticket_b = world.ticket_b
    for ref in (ticket_b.number, str(ticket_b.number), ticket_b.reference):
        with pytest.raises(NotFound):
            access_ticket(world.alice.user, ref)
        with pytest.raises(NotFound):
            access_ticket(world.a_admin.user, ref)


@pytest.mark.smoke
def test_search_never_crosses_organisations(world):
    alice = world.alice.user
    found = apply_filters(visible_tickets(alice), TicketFilters(q="Bravo"))
    assert not found.exists()
    by_number = apply_filters(visible_tickets(alice), TicketFilters(q=world.ticket_b.reference))
    assert not by_number.exists()


@pytest.mark.smoke
def test_attachment_of_another_organisation_is_not_found(world):
    attachment = world.ticket_b.messages.get().attachments.get()
    assert access_attachment(world.bob.user, attachment.id) == attachment
    with pytest.raises(NotFound):
        access_attachment(world.alice.user, attachment.id)
    with pytest.raises(NotFound):
        access_attachment(world.a_admin.user, attachment.id)


def test_agents_see_their_teams_unrouted_and_assigned_tickets(world):
    platform_agent = make_agent(world.platform)
    database_agent = make_agent(world.database)
    assert _numbers(platform_agent) == {world.ticket_a.number, world.ticket_colleague.number}
    assert _numbers(database_agent) == {world.ticket_b.number}
    services.assign_ticket(by=make_admin(), ticket=world.ticket_b, assignee=platform_agent)
    assert world.ticket_b.number in _numbers(platform_agent)


def test_unrouted_tickets_are_visible_to_every_agent(world):
    lonely = make_org("No team org")
    ticket = make_ticket(make_contact(lonely), lonely)
    assert ticket.team is None
    assert ticket.number in _numbers(make_agent(world.database))


def test_admin_sees_everything(world):
    assert len(_numbers(make_admin())) == 3


def test_internal_notes_and_their_attachments_are_hidden_from_customers(world):
    agent = make_agent(world.platform)
    ticket = world.ticket_a
    note = services.add_note(by=agent, ticket=ticket, body="internal only", uploads=[upload("secret.txt")])
    customer_view = visible_messages(world.alice.user, ticket)
    assert note.id not in {m.id for m in customer_view}
    assert note.id in {m.id for m in visible_messages(agent, ticket)}
    with pytest.raises(NotFound):
        access_attachment(world.alice.user, note.attachments.get().id)


def test_contact_who_leaves_an_organisation_loses_its_tickets(world):
    world.alice.memberships.all().delete()
    assert _numbers(world.alice.user) == set()


def test_inactive_and_anonymous_users_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    user = world.alice.user
    user.is_active = False
    user.save()
    assert _numbers(user) == set()
    assert not visible_tickets(AnonymousUser()).exists()


def test_queues_are_subsets_of_what_the_agent_may_see(world):
    agent = make_agent(world.platform)
    visible = _numbers(agent)
    for slug in ("mine", "unassigned", "teams", "open", "waiting"):
        assert set(queue_tickets(agent, slug).values_list("number", flat=True)) <= visible
    with pytest.raises(NotFound):
        queue_tickets(agent, "everything")
