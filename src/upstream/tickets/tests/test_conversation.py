"""Replies, notes and status changes: first response, who may do what, the activity log."""

import pytest

from upstream.core.errors import Conflict, Forbidden, InvalidInput
from upstream.core.testing import make_agent, make_contact, make_org, make_product, make_team, make_ticket
from upstream.tickets import services
from upstream.tickets.models import Activity, Status, Tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    team = make_team()
    org = make_org(team=team)
    contact = make_contact(org)
    return make_agent(team), contact, make_ticket(contact, org)


def test_first_public_reply_sets_first_response_and_opens(setup):
    agent, _, ticket = setup
    services.reply(by=agent, ticket=ticket, body="Looking into it")
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None
    assert ticket.status == Status.OPEN
    first = ticket.first_responded_at
    services.reply(by=agent, ticket=ticket, body="Again")
    ticket.refresh_from_db()
    assert ticket.first_responded_at == first


def test_internal_note_is_not_a_response(setup):
    agent, _, ticket = setup
    services.add_note(by=agent, ticket=ticket, body="checking logs")
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None and ticket.status == Status.NEW


def test_customer_cannot_add_notes_or_change_fields(setup):
    _, contact, ticket = setup
    with pytest.raises(Forbidden):
        services.add_note(by=contact.user, ticket=ticket, body="x")
    with pytest.raises(Forbidden):
        services.update_ticket(by=contact.user, ticket=ticket, changes=services.TicketChanges(priority=1))
    with pytest.raises(Forbidden):
        services.change_status(by=contact.user, ticket=ticket, status=Status.RESOLVED)


def test_reply_and_wait_then_customer_answer_reopens(setup):
    agent, contact, ticket = setup
    services.reply(by=agent, ticket=ticket, body="Please send logs", then_status=Status.WAITING_CUSTOMER)
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CUSTOMER
    services.reply(by=contact.user, ticket=ticket, body="Here they are")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_customer_reply_reopens_a_resolved_ticket(setup):
    agent, contact, ticket = setup
    services.change_status(by=agent, ticket=ticket, status=Status.RESOLVED)
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None
    services.reply(by=contact.user, ticket=ticket, body="Still broken")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.resolved_at is None


def test_closed_ticket_takes_no_replies_and_no_status_change(setup):
    agent, contact, ticket = setup
    services.change_status(by=contact.user, ticket=ticket, status=Status.CLOSED)
    ticket.refresh_from_db()
    assert ticket.closed_at is not None
    with pytest.raises(Conflict):
        services.reply(by=contact.user, ticket=ticket, body="hello?")
    with pytest.raises(Conflict) as error:
        services.change_status(by=agent, ticket=ticket, status=Status.OPEN)
    assert "allowed: none" in error.value.message


def test_invalid_transition_names_the_allowed_ones(setup):
    agent, _, ticket = setup
    services.change_status(by=agent, ticket=ticket, status=Status.RESOLVED)
    with pytest.raises(Conflict) as error:
        services.change_status(by=agent, ticket=ticket, status=Status.WAITING_CUSTOMER)
    assert "allowed: closed, open" in error.value.message


def test_unknown_status_is_invalid_input(setup):
    agent, _, ticket = setup
    with pytest.raises(InvalidInput):
        services.change_status(by=agent, ticket=ticket, status="done")


def test_field_changes_are_logged_with_before_and_after(setup):
    agent, _, ticket = setup
    product = make_product(versions=("16",))
    version = product.versions.get()
    services.update_ticket(
        by=agent,
        ticket=ticket,
        changes=services.TicketChanges(
            priority=1,
            tier=Tier.L2,
            assignee=agent,
            product=product,
            product_version=version,
            tags=["Urgent", "db"],
        ),
    )
    entries = {a.field: a for a in Activity.objects.filter(ticket=ticket, action="changed")}
    assert entries["priority"].before == 3 and entries["priority"].after == 1
    assert entries["tier"].after == "l2"
    assert entries["assignee"].before is None and entries["assignee"].after["id"] == agent.id
    assert entries["tags"].after == ["db", "urgent"]
    assert all(a.actor == agent for a in entries.values())


def test_unchanged_values_log_nothing(setup):
    agent, _, ticket = setup
    before = Activity.objects.count()
    services.update_ticket(by=agent, ticket=ticket, changes=services.TicketChanges(priority=ticket.priority))
    assert Activity.objects.count() == before


def test_only_agents_can_be_assignees(setup):
    agent, contact, ticket = setup
    with pytest.raises(InvalidInput):
        services.assign_ticket(by=agent, ticket=ticket, assignee=contact.user)


def test_bulk_assign_and_close_report_each_ticket(setup):
    agent, contact, ticket = setup
    other = make_ticket(contact)
    hidden = make_ticket(make_contact(make_org(team=make_team())))
    result = services.bulk_assign(by=agent, numbers=[ticket.number, other.number, hidden.number], assignee=agent)
    assert result.done == [ticket.number, other.number]
    assert result.failed == {hidden.number: "not found"}
    services.change_status(by=agent, ticket=other, status=Status.CLOSED)
    closed = services.bulk_close(by=agent, numbers=[ticket.number, other.number])
    assert closed.done == [ticket.number, other.number]  # closing a closed ticket is a no-op
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_customers_cannot_bulk_change(setup):
    _, contact, ticket = setup
    with pytest.raises(Forbidden):
        services.bulk_close(by=contact.user, numbers=[ticket.number])
