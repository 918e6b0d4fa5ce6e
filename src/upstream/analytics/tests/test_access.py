"""Who sees which figures: admins all, leads their teams, agents their own tickets, organisation admins their
organisation in the portal; anyone else a 404. A filter outside one's scope is a form error, not a leak."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from upstream.accounts.models import User
from upstream.analytics.tests.world import World
from upstream.core.testing import api_client, make_contact, make_org

RANGE: dict[str, Any] = {"from": "2026-11-10", "to": "2026-11-24"}


def _client(user: User | None) -> Client:
    assert user is not None
    client = Client()
    client.force_login(user)
    return client


def _created(user: User | None, **extra: Any) -> Any:
    assert user is not None
    response = api_client(user).get("/api/analytics/summary", {**RANGE, **extra})
    return response.status_code, json.loads(response.content)


def test_admin_sees_every_ticket(small: World) -> None:
    status, body = _created(small.admin)
    assert status == 200 and body["tickets_created"] == 2


def test_a_lead_sees_the_teams_they_lead(small: World) -> None:
    status, body = _created(small.lead)  # leads Platform: organisation A's ticket
    assert status == 200 and body["tickets_created"] == 1
    status, body = _created(small.lead, team=small.database.pk)
    assert status == 422 and body["field"] == "team"
    status, body = _created(small.lead, agent=small.ada.pk)  # a member of the team they lead
    assert status == 200 and body["tickets_created"] == 1
    status, body = _created(small.lead, agent=small.bo.pk)
    assert status == 422 and body["field"] == "agent"


def test_an_agent_sees_their_own_tickets(small: World) -> None:
    status, body = _created(small.bo)
    assert status == 200 and body["tickets_created"] == 1
    status, _body = _created(small.bo, team=small.platform.pk)
    assert status == 422
    page = _client(small.bo).get("/analytics/", {**RANGE, "agent": small.ada.pk})
    assert page.status_code == 400 and "agent" in page.context["form"].errors


def test_customers_get_no_staff_dashboard(small: World) -> None:
    client = _client(small.a_admin.user)
    assert client.get("/analytics/").status_code == 404
    assert client.get("/analytics/csv/summary.csv").status_code == 404


def test_an_organisation_admin_sees_only_their_organisation(small: World) -> None:
    client = _client(small.a_admin.user)
    page = client.get("/portal/analytics/", RANGE)
    assert page.status_code == 200
    assert page.context["summary"].tickets_created == 1
    assert page.context["organisation"] == small.org_a
    # Another organisation's id: 404, never its figures.
    assert client.get("/portal/analytics/", {**RANGE, "organisation": small.org_b.pk}).status_code == 404
    assert client.get("/portal/analytics/csv/summary.csv", {"organisation": small.org_b.pk}).status_code == 404
    status, body = _created(small.a_admin.user)
    assert status == 200 and body["tickets_created"] == 1
    assert _created(small.a_admin.user, organisation=small.org_b.pk)[0] == 404


def test_contacts_who_are_not_organisation_admins_get_404(small: World) -> None:
    plain = _client(small.a_user.user)
    assert plain.get("/portal/analytics/").status_code == 404
    assert _created(small.a_user.user)[0] == 404
    other = make_contact(make_org("Org C"), admin=True)  # an admin of an organisation with no tickets
    page = _client(other.user).get("/portal/analytics/", RANGE)
    assert page.status_code == 200 and page.context["summary"].tickets_created == 0


def test_staff_are_not_shown_the_portal_view(small: World) -> None:
    assert _client(small.admin).get("/portal/analytics/").status_code == 404


def test_anonymous_requests_are_refused(small: World) -> None:
    assert Client().get("/analytics/").status_code == 302  # to the login page
    assert Client().get("/api/analytics/summary").status_code == 401
