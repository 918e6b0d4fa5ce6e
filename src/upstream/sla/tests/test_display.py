"""What people see: the inbox countdown with warning and breached states, the ticket page's SLA panel in the
viewer's time zone, the API's SLA fields."""

import pytest
from django.urls import reverse

from upstream.core.testing import api_client
from upstream.sla import runtime
from upstream.sla.countdown import countdown, span
from upstream.sla.tests.runtime_world import T0

pytestmark = pytest.mark.django_db


@pytest.mark.smoke
def test_countdown_words_and_states():
    from datetime import timedelta

    due = T0 + timedelta(hours=1)
    assert countdown(due, T0 + timedelta(minutes=45), T0 - timedelta(minutes=20)).text == "due in 1 h 20 m"
    assert countdown(due, T0 + timedelta(minutes=45), T0).state == "ok"
    assert countdown(due, T0 + timedelta(minutes=45), T0 + timedelta(minutes=50)).state == "warning"
    late = countdown(due, None, due + timedelta(minutes=15))
    assert (late.state, late.text) == ("breached", "overdue by 15 m")
    assert span(2 * 86400 + 3 * 3600 + 59) == "2 d 3 h"


def row_of(html, reference):
    start = html.index(reference)
    return html[start : html.index("</tr>", start)]


def test_inbox_rows_count_down_and_show_warning_and_breach(client, world):
    ticket = world.ticket()
    runtime.recompute([ticket.id])
    client.force_login(world.agent)
    inbox = reverse("tickets:inbox", kwargs={"queue": "open"})
    world.at(0.5)
    assert 'class="sla sla-ok"' in row_of(client.get(inbox).content.decode(), ticket.reference)
    world.at(0.8)
    row = row_of(client.get(inbox).content.decode(), ticket.reference)
    assert 'class="sla sla-warning"' in row and "due in 12 m" in row
    world.at(1.25)
    row = row_of(client.get(inbox).content.decode(), ticket.reference)
    assert 'class="sla sla-breached"' in row and "overdue by 15 m" in row


def test_ticket_page_sla_panel_in_the_viewers_zone(client, world):
    ticket = world.ticket()
    runtime.recompute([ticket.id])
    world.agent.time_zone = "Asia/Shanghai"
    world.agent.save()
    client.force_login(world.agent)
    world.at(0.5)
    html = client.get(reverse("tickets:detail", kwargs={"ref": ticket.reference})).content.decode()
    panel = html[html.index('id="sla"') :]
    panel = panel[: panel.index("</section>")]
    assert "First response" in panel and "Resolution" in panel
    assert "2026-11-23 11:00 CST" in panel  # 03:00 UTC, shown in the agent's zone
    assert "due in 30 m" in panel
    assert "first response due" in panel  # the explanation sentence
    assert "Policy applied" in panel  # the SLA history


def test_api_carries_the_next_deadline_and_the_metrics(world):
    ticket = world.ticket()
    runtime.recompute([ticket.id])
    body = api_client(world.agent).get(f"/api/tickets/{ticket.reference}").json()
    assert body["sla_due_at"].startswith("2026-11-23T03:00:00")
    assert body["sla"]["policy_id"] == world.policy.id
    first = next(m for m in body["sla"]["metrics"] if m["metric"] == "first_response")
    assert first["state"] == "running" and first["explanation"].startswith("first response due")
