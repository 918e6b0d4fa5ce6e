"""The Time panel of the agent ticket page: balance, entries, logging, editing and deleting through htmx."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from upstream.core.testing import make_agent, make_contact, make_org, make_team, make_ticket
from upstream.hours.models import TimeEntry
from upstream.hours.tests.world import log, make_bank

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _as(client, user):
    client.force_login(user)
    return client


def test_the_ticket_page_shows_the_balance_and_entries(client):
    bank = make_bank("10")
    log(bank, 90, note="Replication lag analysis")
    log(bank, 15, billable=False)
    body = _as(client, bank.agent).get(reverse("tickets:detail", args=[bank.ticket.reference])).content.decode()
    assert 'id="time"' in body
    assert bank.contract.reference in body
    assert "Replication lag analysis" in body
    assert "1h 30m" in body and "8h 30m" in body  # the entry; 600 − 90 remaining
    assert "non-billable" in body
    assert reverse("hours:log", args=[bank.ticket.reference]) in body
    # The activity log reads "changed time entry: — → 1h 30m · billable · <day>".
    assert "time entry" in body and "1h 30m · billable" in body


def test_a_ticket_without_contract_says_so(client):
    agent = make_agent()
    org = make_org()
    ticket = make_ticket(make_contact(org), org, by=agent)
    body = _as(client, agent).get(reverse("tickets:detail", args=[ticket.reference])).content.decode()
    assert "No contract: time is recorded but draws down no prepaid hours." in body


def test_logging_time_through_htmx_returns_the_new_panel(client):
    bank = make_bank("10")
    response = _as(client, bank.agent).post(
        reverse("hours:log", args=[bank.ticket.reference]),
        {"duration": "1h30", "worked_on": "", "billable": "on", "note": "Upgrade plan"},
        **HTMX,
    )
    # worked_on is required by the form: nothing saved, the error is shown in the panel
    assert response.status_code == 200
    assert not TimeEntry.objects.exists()
    assert "This field is required." in response.content.decode()

    response = client.post(
        reverse("hours:log", args=[bank.ticket.reference]),
        {"duration": "1h30", "worked_on": timezone.localdate().isoformat(), "billable": "on", "note": "Upgrade plan"},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<section class="card hours-panel" id="time">')
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.billable, entry.note, entry.user_id) == (90, True, "Upgrade plan", bank.agent.id)
    assert "Upgrade plan" in body and "8h 30m" in body


def test_a_bad_duration_is_a_form_error_and_saves_nothing(client):
    bank = make_bank()
    response = _as(client, bank.agent).post(
        reverse("hours:log", args=[bank.ticket.reference]),
        {"duration": "a while", "worked_on": timezone.localdate().isoformat()},
        **HTMX,
    )
    assert response.status_code == 200
    assert "This is not a duration" in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_without_htmx_logging_redirects_to_the_ticket(client):
    bank = make_bank()
    response = _as(client, bank.agent).post(
        reverse("hours:log", args=[bank.ticket.reference]),
        {"duration": "30", "worked_on": timezone.localdate().isoformat(), "billable": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[bank.ticket.reference]) + "#time"
    assert TimeEntry.objects.count() == 1


def test_edit_and_delete_own_entry(client):
    bank = make_bank()
    entry = log(bank, 30, note="first")
    _as(client, bank.agent)
    form = client.get(reverse("hours:edit", args=[entry.id]), **HTMX)
    assert form.status_code == 200 and 'value="30m"' in form.content.decode()
    saved = client.post(
        reverse("hours:edit", args=[entry.id]),
        {"duration": "45", "worked_on": entry.worked_on.isoformat(), "billable": "on", "note": "longer"},
        **HTMX,
    )
    assert saved.status_code == 200 and saved["HX-Retarget"] == "#time"
    entry.refresh_from_db()
    assert (entry.minutes, entry.note) == (45, "longer")
    deleted = client.post(reverse("hours:delete", args=[entry.id]), **HTMX)
    assert deleted.status_code == 200
    assert not TimeEntry.objects.exists()


def test_a_colleagues_entry_cannot_be_changed_and_an_invisible_one_is_not_found(client):
    bank = make_bank()
    entry = log(bank, 30)
    colleague = make_agent(bank.team)
    _as(client, colleague)
    assert client.post(reverse("hours:delete", args=[entry.id]), **HTMX).status_code == 403
    outsider = make_agent(make_team())  # another team: cannot see the ticket
    _as(client, outsider)
    assert client.post(reverse("hours:delete", args=[entry.id]), **HTMX).status_code == 404
    assert (
        client.post(
            reverse("hours:log", args=[bank.ticket.reference]), {"duration": "30", "worked_on": "2026-01-01"}, **HTMX
        ).status_code
        == 404
    )
    assert TimeEntry.objects.count() == 1


def test_customers_cannot_log_time_on_the_web(client):
    bank = make_bank()
    _as(client, bank.org_admin.user)
    response = client.post(
        reverse("hours:log", args=[bank.ticket.reference]), {"duration": "30", "worked_on": "2026-01-01"}, **HTMX
    )
    assert response.status_code == 403
    assert not TimeEntry.objects.exists()
