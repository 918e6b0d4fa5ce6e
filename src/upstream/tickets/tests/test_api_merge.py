"""POST /api/tickets/{ref}/merge: 200 with the target; every refusal is JSON with the status that fits."""

import pytest

from upstream.core.testing import api_client, make_admin, make_agent, make_contact, make_org, make_team, make_ticket
from upstream.tickets import services
from upstream.tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    team, other_team = make_team(), make_team()
    org, other_org = make_org(team=team), make_org(team=other_team)
    customer = make_contact(org, admin=True)
    return {
        "agent": make_agent(team),
        "admin": make_admin(),
        "customer": customer,
        "source": make_ticket(customer, org, subject="Duplicate"),
        "target": make_ticket(customer, org, subject="Original"),
        "other": make_ticket(make_contact(other_org), other_org),
    }


def _merge(user, ticket, into):
    return api_client(user).post(
        f"/api/tickets/{ticket.reference}/merge", {"into": into}, content_type="application/json"
    )


def _error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    return response.json()


def test_merge_returns_the_target(world):
    response = _merge(world["agent"], world["source"], world["target"].reference)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reference"] == world["target"].reference and body["subject"] == "Original"
    source = Ticket.objects.get(id=world["source"].id)
    assert source.merged_into_id == world["target"].id and source.status == Status.CLOSED


def test_customers_get_403(world):
    body = _error(_merge(world["customer"].user, world["source"], world["target"].reference), 403)
    assert "agents" in body["detail"]


def test_customers_cannot_probe_other_tickets(world):
    # The target is not looked up for a customer: an unknown one is still 403, not 404.
    _error(_merge(world["customer"].user, world["source"], "UP-99999"), 403)


def test_a_ticket_you_cannot_see_is_404(world):
    _error(_merge(world["agent"], world["source"], world["other"].reference), 404)
    _error(_merge(world["agent"], world["other"], world["target"].reference), 404)
    _error(_merge(world["agent"], world["source"], "UP-99999"), 404)


def test_another_organisation_is_422_naming_into(world):
    body = _error(_merge(world["admin"], world["source"], world["other"].reference), 422)
    assert body["field"] == "target" and world["other"].reference in body["detail"]


def test_conflicts_are_409(world):
    _error(_merge(world["agent"], world["source"], world["source"].reference), 409)
    services.merge_tickets(by=world["agent"], source=world["source"], target=world["target"])
    body = _error(_merge(world["agent"], world["source"], world["target"].reference), 409)
    assert "already merged" in body["detail"]


def test_a_missing_or_malformed_body_is_422(world):
    client = api_client(world["agent"])
    url = f"/api/tickets/{world['source'].reference}/merge"
    _error(client.post(url, {}, content_type="application/json"), 422)
    _error(client.post(url, {"into": "UP-1", "extra": 1}, content_type="application/json"), 422)
