"""/api/hours/: log time, list entries, change and delete one's own, a contract's balance; errors are 4xx."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from upstream.core.testing import api_client, make_agent, make_team
from upstream.hours.models import TimeEntry
from upstream.hours.tests.world import log, make_bank

pytestmark = pytest.mark.django_db


def _post(client, body):
    return client.post("/api/hours/entries", json.dumps(body), content_type="application/json")


def test_an_agent_logs_time_by_duration_or_minutes():
    bank = make_bank("2")
    client = api_client(bank.agent)
    response = _post(client, {"ticket": bank.ticket.reference, "duration": "1h30", "note": "Upgrade"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["minutes"], body["billable"], body["contract_id"], body["overage_minutes"]) == (
        90,
        True,
        bank.contract.id,
        0,
    )
    assert body["worked_on"] == timezone.localdate().isoformat()
    second = _post(client, {"ticket": str(bank.ticket.number), "minutes": 45, "billable": True})
    assert second.status_code == 201
    assert second.json()["overage_minutes"] == 15


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": -30}, "minutes"),
        ({"minutes": 100000}, "minutes"),
        ({"minutes": 10**40}, "minutes"),
        ({"duration": "lots"}, "minutes"),
        ({}, "minutes"),
        ({"minutes": 30, "duration": "30"}, "minutes"),
        ({"minutes": 30, "worked_on": "2999-01-01"}, "worked_on"),
        ({"minutes": 30, "worked_on": "yesterday"}, "worked_on"),
        ({"minutes": 30, "note": "x" * 201}, "note"),
        ({"minutes": 30, "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_saves_nothing(body, field):
    bank = make_bank()
    response = _post(api_client(bank.agent), {"ticket": bank.ticket.reference, **body})
    assert response.status_code == 422, response.content
    assert response.json().get("field") == field or field in json.dumps(response.json())
    assert not TimeEntry.objects.exists()


def test_tickets_you_cannot_see_are_404_and_customers_403():
    bank = make_bank()
    outsider = make_agent(make_team())
    assert _post(api_client(outsider), {"ticket": bank.ticket.reference, "minutes": 30}).status_code == 404
    assert _post(api_client(bank.agent), {"ticket": "UP-999999999", "minutes": 30}).status_code == 404
    assert _post(api_client(bank.org_admin.user), {"ticket": bank.ticket.reference, "minutes": 30}).status_code == 403
    other = make_bank()
    assert _post(api_client(other.org_admin.user), {"ticket": bank.ticket.reference, "minutes": 30}).status_code == 404
    assert not TimeEntry.objects.exists()


def test_list_entries_per_ticket_and_contract(django_assert_max_num_queries):
    bank = make_bank()
    for minutes in (10, 20, 30, 40):
        log(bank, minutes)
    client = api_client(bank.agent)
    with django_assert_max_num_queries(8):
        by_ticket = client.get("/api/hours/entries", {"ticket": bank.ticket.reference, "limit": 3})
    assert by_ticket.status_code == 200
    page = by_ticket.json()
    assert [e["minutes"] for e in page["items"]] == [40, 30, 20]
    rest = client.get("/api/hours/entries", {"ticket": bank.ticket.reference, "cursor": page["next_cursor"]}).json()
    assert [e["minutes"] for e in rest["items"]] == [10]
    by_contract = client.get("/api/hours/entries", {"contract": bank.contract.id}).json()
    assert len(by_contract["items"]) == 4
    assert client.get("/api/hours/entries").status_code == 422
    assert client.get("/api/hours/entries", {"contract": bank.contract.id, "month": "May"}).status_code == 422


def test_org_admins_read_their_own_balance_and_entries_only():
    bank = make_bank("10")
    log(bank, 480)
    admin = api_client(bank.org_admin.user)
    balance = admin.get(f"/api/hours/contracts/{bank.contract.id}/balance")
    assert balance.status_code == 200
    body = balance.json()
    assert (body["prepaid_minutes"], body["used_minutes"], body["remaining_minutes"], body["percent_used"]) == (
        600,
        480,
        120,
        80.0,
    )
    assert [a["threshold"] for a in body["alerts"]] == [80]
    assert admin.get("/api/hours/entries", {"contract": bank.contract.id}).status_code == 200
    assert admin.get("/api/hours/entries", {"ticket": bank.ticket.reference}).status_code == 403
    other = make_bank()
    assert admin.get(f"/api/hours/contracts/{other.contract.id}/balance").status_code == 404
    assert admin.get("/api/hours/entries", {"contract": other.contract.id}).status_code == 404
    contact = api_client(bank.contact.user)
    assert contact.get(f"/api/hours/contracts/{bank.contract.id}/balance").status_code == 404


def test_change_and_delete_own_entry_over_the_api():
    bank = make_bank()
    entry = log(bank, 30)
    client = api_client(bank.agent)
    patched = client.patch(
        f"/api/hours/entries/{entry.id}", json.dumps({"duration": "1h"}), content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["minutes"] == 60
    bad = client.patch(f"/api/hours/entries/{entry.id}", json.dumps({"minutes": 0}), content_type="application/json")
    assert bad.status_code == 422
    colleague = api_client(make_agent(bank.team))
    assert colleague.delete(f"/api/hours/entries/{entry.id}").status_code == 403
    assert client.delete(f"/api/hours/entries/{entry.id}").status_code == 204
    assert not TimeEntry.objects.exists()
    assert client.delete(f"/api/hours/entries/{entry.id}").status_code == 404
