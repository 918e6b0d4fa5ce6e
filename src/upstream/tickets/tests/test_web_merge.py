"""Merging on the agent ticket page: the "Merge into…" form, its errors on the form, and the banner on a merged
ticket linking to where the conversation continues."""

# ruff: noqa: F811

import pytest
from django.urls import reverse

from upstream.core.testing import PASSWORD, make_agent, make_contact, make_org, make_ticket
from upstream.tickets import services
from upstream.tickets.models import Status, Ticket
from upstream.tickets.tests.web_world import fast_passwords, login, world  # noqa: F401

pytestmark = pytest.mark.django_db


def merge(client, ticket, into):
    return client.post(reverse("tickets:merge", args=[ticket.reference]), {"into": into})


def test_the_page_offers_the_merge_form(client, world):
    body = login(client, world.agent_a).get(reverse("tickets:detail", args=[world.ticket_a.reference])).content
    assert b"Merge into" in body and reverse("tickets:merge", args=[world.ticket_a.reference]).encode() in body


def test_merging_lands_on_the_target(client, world):
    login(client, world.agent_a)
    response = merge(client, world.ticket_colleague, world.ticket_a.reference.lower())
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[world.ticket_a.reference])
    assert Ticket.objects.get(id=world.ticket_colleague.id).merged_into_id == world.ticket_a.id
    body = client.get(response["Location"]).content.decode()
    assert f"{world.ticket_colleague.reference} merged into this ticket." in body
    assert f"Merged {world.ticket_colleague.reference} into this ticket." in body  # the note, with the moved thread
    assert f"merged {world.ticket_colleague.reference} into this ticket" in body  # the activity log


def test_a_merged_ticket_shows_a_banner_linking_to_the_target(client, world):
    services.merge_tickets(by=world.agent_a, source=world.ticket_colleague, target=world.ticket_a)
    login(client, world.agent_a)
    body = client.get(reverse("tickets:detail", args=[world.ticket_colleague.reference])).content.decode()
    link = reverse("tickets:detail", args=[world.ticket_a.reference])
    assert 'id="merged-into"' in body and f'href="{link}"' in body and world.ticket_a.reference in body
    assert reverse("tickets:merge", args=[world.ticket_colleague.reference]) not in body  # no second merge
    assert f"merged this ticket into {world.ticket_a.reference}" in body


@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        ("unknown", 404, "There is no ticket UP-99999 that you can see."),
        ("other organisation", 422, "belongs to another organisation"),
        ("itself", 409, "A ticket cannot be merged into itself."),
        ("closed", 409, "is closed; merge into an open ticket."),
        ("empty", 422, "This field is required."),
    ],
)
def test_errors_show_on_the_form(client, world, case, status, message):
    login(client, world.admin)
    into = {
        "unknown": "UP-99999",
        "other organisation": world.ticket_b.reference,
        "itself": world.ticket_a.reference,
        "closed": world.ticket_colleague.reference,
        "empty": "",
    }[case]
    if case == "closed":
        services.change_status(by=world.admin, ticket=world.ticket_colleague, status=Status.CLOSED)
    response = merge(client, world.ticket_a, into)
    assert response.status_code == status
    body = response.content.decode()
    assert message in body and 'id="merge" open' in body
    assert Ticket.objects.get(id=world.ticket_a.id).merged_into_id is None


def test_a_ticket_the_agent_cannot_see_is_not_found(client, world):
    login(client, world.agent_a)
    response = merge(client, world.ticket_a, world.ticket_b.reference)
    assert response.status_code == 404 and b"that you can see" in response.content


def test_customers_cannot_merge(client, world):
    login(client, world.a_admin)
    response = merge(client, world.ticket_colleague, world.ticket_a.reference)
    assert response.status_code == 403
    assert Ticket.objects.get(id=world.ticket_colleague.id).merged_into_id is None


def test_an_already_merged_ticket_cannot_be_merged_again(client, world):
    other = make_ticket(world.alice, world.org_a)
    services.merge_tickets(by=world.agent_a, source=world.ticket_colleague, target=world.ticket_a)
    login(client, world.agent_a)
    response = merge(client, world.ticket_colleague, other.reference)
    assert response.status_code == 409
    assert f"This ticket is already merged into {world.ticket_a.reference}." in response.content.decode()


def test_the_customer_of_a_merged_ticket_is_told_where_the_conversation_went(client):
    org = make_org()
    customer = make_contact(org)
    colleague = make_contact(org)
    source, own_target = make_ticket(customer, org), make_ticket(customer, org)
    other_source, colleague_target = make_ticket(customer, org), make_ticket(colleague, org)
    agent = make_agent()
    services.merge_tickets(by=agent, source=source, target=own_target)
    services.merge_tickets(by=agent, source=other_source, target=colleague_target)
    client.login(username=customer.user.username, password=PASSWORD)
    page = client.get(f"/portal/tickets/{source.reference}/").content.decode()
    assert f'href="/portal/tickets/{own_target.reference}/"' in page
    hidden = client.get(f"/portal/tickets/{other_source.reference}/").content.decode()
    assert "merged into another ticket" in hidden and colleague_target.reference not in hidden
