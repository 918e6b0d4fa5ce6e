"""Bad input to the web pages gets a clear 4xx answer, never a 500, and changes nothing."""

# Fixtures are imported from web_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

import pytest
from django.urls import reverse

from upstream.core.pagination import encode_cursor
from upstream.tickets.models import Status, Ticket
from upstream.tickets.tests.web_world import fast_passwords, login, world  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "ref", ["UP-0", "XX-10001", "UP-99999999999999999999999", "%00", "UP-10001-1", "<script>", "-1"]
)
def test_malformed_ticket_references_are_404(client, world, ref):
    login(client, world.admin)
    assert client.get(f"/tickets/{ref}/").status_code == 404
    assert client.post(f"/tickets/{ref}/status/", {"status": "closed"}).status_code == 404


def test_out_of_range_attachment_id_is_404(client, world):
    assert login(client, world.admin).get("/attachments/99999999999999999999999999/").status_code == 404


@pytest.mark.parametrize(
    "cursor",
    [
        encode_cursor(["high", "yesterday", "x"]),
        encode_cursor([1, "2024-01-01T00:00:00+00:00"]),
        encode_cursor([99999999999, "2024-01-01T00:00:00+00:00", 1]),
        encode_cursor([None, None, None]),
        "////",
    ],
)
def test_hand_made_cursors_are_400_with_the_first_page(client, world, cursor):
    response = login(client, world.admin).get(reverse("tickets:inbox", args=["open"]), {"cursor": cursor})
    assert response.status_code == 400
    assert world.ticket_a.reference.encode() in response.content


def test_hand_made_portal_cursor_is_400(client, world):
    response = login(client, world.alice).get(reverse("tickets:portal"), {"cursor": encode_cursor(["abc"])})
    assert response.status_code == 400
    assert world.ticket_a.reference.encode() in response.content


def test_overlong_search_is_400(client, world):
    response = login(client, world.agent_a).get(reverse("tickets:inbox", args=["open"]), {"q": "x" * 201})
    assert response.status_code == 400
    assert b"at most 200 characters" in response.content


def test_too_many_tickets_in_one_bulk_change_is_400(client, world):
    response = login(client, world.agent_a).post(
        reverse("tickets:bulk"), {"action": "close", "tickets": [str(n) for n in range(1, 502)]}
    )
    assert response.status_code == 400
    assert not Ticket.objects.filter(status=Status.CLOSED).exists()


@pytest.mark.parametrize(
    "name", ["tickets:reply", "tickets:note", "tickets:status", "tickets:fields", "tickets:portal_close"]
)
def test_actions_refuse_get(client, world, name):
    assert login(client, world.admin).get(reverse(name, args=[world.ticket_a.reference])).status_code == 405


def test_bulk_refuses_get(client, world):
    assert login(client, world.admin).get(reverse("tickets:bulk")).status_code == 405


def test_fields_with_garbage_values_are_422(client, world):
    response = login(client, world.agent_a).post(
        reverse("tickets:fields", args=[world.ticket_a.reference]),
        {"priority": "0", "category": "outage", "tier": "l9", "assignee": "abc", "purchase_date": "2024-13-45"},
    )
    assert response.status_code == 422
    world.ticket_a.refresh_from_db()
    assert world.ticket_a.category != "outage"
