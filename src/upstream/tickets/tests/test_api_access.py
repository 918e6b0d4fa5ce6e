"""Who sees what through the API: every endpoint goes through the same named queries as the web UI.

A contact of organisation A must not learn anything about organisation B: B's tickets are "not found" by id, by
number, in lists, in search, for attachment downloads and when posting to them.
"""

import pytest

from upstream.core.testing import (
    api_client,
    make_admin,
    make_agent,
    make_contract,
    make_ticket,
    make_two_organisations,
    upload,
)
from upstream.tickets.models import Activity, Attachment, Message, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_two_organisations()


def _listed(client, **params):
    response = client.get("/api/tickets", params)
    assert response.status_code == 200
    return {item["number"] for item in response.json()["items"]}


@pytest.mark.parametrize("ref", ["reference", "number"])
def test_contact_gets_404_for_another_organisations_ticket(world, ref):
    b = world.ticket_b
    client = api_client(world.alice.user)
    path = f"/api/tickets/{b.reference if ref == 'reference' else b.number}"
    for response in (client.get(path), client.get(f"{path}/messages")):
        assert response.status_code == 404
        assert response.json() == {"detail": f"no ticket {b.reference if ref == 'reference' else b.number}"}


def test_contact_does_not_see_other_organisations_tickets_in_lists_or_search(world):
    client = api_client(world.alice.user)
    b = world.ticket_b
    assert _listed(client) == {world.ticket_a.number}
    assert _listed(client, q="Bravo") == set()
    assert _listed(client, q=b.reference) == set()
    assert _listed(client, q=str(b.number)) == set()
    assert _listed(client, organisation=world.org_b.id) == set()
    assert _listed(client, requester=world.bob.id) == set()
    assert _listed(client, queue="open") == {world.ticket_a.number}


def test_contact_gets_404_downloading_another_organisations_attachment(world):
    response = api_client(world.alice.user).get(f"/api/attachments/{world.attachment_b.id}")
    assert response.status_code == 404
    assert response.json() == {"detail": "no such attachment"}
    # The owner can download it: the 404 is about access, not about the file.
    assert api_client(world.bob.user).get(f"/api/attachments/{world.attachment_b.id}").status_code == 200


def test_contact_gets_404_posting_to_another_organisations_ticket(world):
    b = world.ticket_b
    client = api_client(world.alice.user)
    before = (Message.objects.count(), Attachment.objects.count(), Activity.objects.count())
    attempts = [
        client.post(f"/api/tickets/{b.number}/replies", {"body": "hi"}, content_type="application/json"),
        client.post(f"/api/tickets/{b.number}/notes", {"body": "hi"}, content_type="application/json"),
        client.post(f"/api/tickets/{b.number}/messages/upload", {"body": "hi", "files": [upload()]}),
        client.patch(f"/api/tickets/{b.number}", {"status": "closed"}, content_type="application/json"),
    ]
    assert [r.status_code for r in attempts] == [404, 404, 404, 404]
    assert (Message.objects.count(), Attachment.objects.count(), Activity.objects.count()) == before
    b.refresh_from_db()
    assert b.status == "new"


def test_contact_cannot_open_a_ticket_for_another_organisation(world):
    response = api_client(world.alice.user).post(
        "/api/tickets",
        {"organisation": world.org_b.id, "subject": "x", "body": "y"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json() == {"detail": f"unknown organisation {world.org_b.id}", "field": "organisation"}
    assert not Ticket.objects.filter(organisation=world.org_b, requester=world.alice).exists()


def test_normal_contact_sees_only_their_own_tickets(world):
    client = api_client(world.alice.user)
    assert _listed(client) == {world.ticket_a.number}
    assert client.get(f"/api/tickets/{world.ticket_colleague.number}").status_code == 404


def test_organisation_admin_sees_all_of_their_organisations_tickets(world):
    client = api_client(world.a_admin.user)
    assert _listed(client) == {world.ticket_a.number, world.ticket_colleague.number}
    assert client.get(f"/api/tickets/{world.ticket_colleague.number}").status_code == 200
    assert client.get(f"/api/tickets/{world.ticket_b.number}").status_code == 404


def test_agent_sees_their_teams_unrouted_and_assigned_tickets_only(world):
    agent = make_agent(world.platform)
    unrouted = make_ticket(world.bob, world.org_b)
    assigned = make_ticket(world.bob, world.org_b)
    Ticket.objects.filter(id=unrouted.id).update(team=None)
    Ticket.objects.filter(id=assigned.id).update(assignee=agent)
    client = api_client(agent)
    assert _listed(client) == {
        world.ticket_a.number, world.ticket_colleague.number, unrouted.number, assigned.number,
    }  # fmt: skip
    assert client.get(f"/api/tickets/{world.ticket_b.number}").status_code == 404
    assert client.get(f"/api/attachments/{world.attachment_b.id}").status_code == 404
    assert (
        client.post(f"/api/tickets/{world.ticket_b.number}/notes", {"body": "x"}, content_type="application/json")
    ).status_code == 404


def test_admin_sees_everything(world):
    client = api_client(make_admin())
    assert _listed(client) == {world.ticket_a.number, world.ticket_colleague.number, world.ticket_b.number}
    assert client.get(f"/api/attachments/{world.attachment_b.id}").status_code == 200


def test_contact_sees_only_their_organisations_customer_data(world):
    make_contract(world.org_a)
    contract_b = make_contract(world.org_b)
    client = api_client(world.alice.user)
    organisations = client.get("/api/organisations").json()["items"]
    assert [o["name"] for o in organisations] == ["Org A"]
    assert client.get(f"/api/organisations/{world.org_b.id}").status_code == 404
    contracts = client.get("/api/contracts").json()["items"]
    assert {c["organisation"]["name"] for c in contracts} == {"Org A"}
    assert client.get(f"/api/contracts/{contract_b.id}").status_code == 404
    assert [c["id"] for c in client.get("/api/contacts").json()["items"]] == [world.alice.id]
    assert client.get(f"/api/contacts/{world.bob.id}").status_code == 404
    assert client.get(f"/api/contacts/{world.colleague.id}").status_code == 404


def test_organisation_admin_sees_colleagues_but_not_their_other_organisations(world):
    # The colleague also belongs to org B; A's admin must not learn that.
    world.colleague.memberships.create(organisation=world.org_b)
    client = api_client(world.a_admin.user)
    listed = {c["id"]: c for c in client.get("/api/contacts").json()["items"]}
    assert set(listed) == {world.alice.id, world.colleague.id, world.a_admin.id}
    colleague = client.get(f"/api/contacts/{world.colleague.id}").json()
    assert [m["organisation"]["name"] for m in colleague["organisations"]] == ["Org A"]
    assert client.get(f"/api/contacts/{world.bob.id}").status_code == 404
