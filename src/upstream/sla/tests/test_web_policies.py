"""The policy matrix (plan × priority) and the per-cell form: admins edit, agents read; a bounded number of queries."""

# Fixtures are imported from sla_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from upstream.core.testing import make_plan
from upstream.customers.models import Priority
from upstream.sla import services
from upstream.sla.models import SlaPolicy
from upstream.sla.tests.sla_world import admin, agent, beijing, customer, make_beijing  # noqa: F401

pytestmark = pytest.mark.django_db


def _fill(plan, calendar):
    for priority in Priority:
        services.save_policy(
            by=None,
            plan=plan,
            priority=priority,
            first_response_minutes=60 * priority,
            next_response_minutes=90,
            resolution_minutes=None,
            first_response_calendar=calendar,
            next_response_calendar=calendar,
        )


def _matrix_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("sla:policies"))
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.smoke
def test_matrix_shows_targets_and_costs_the_same_for_more_plans(client, admin, beijing):
    _fill(None, None)
    _fill(make_plan("Gold"), beijing)
    client.force_login(admin)
    few, html = _matrix_queries(client)
    assert "Fallback (no active contract)" in html and "Gold" in html
    assert "1h" in html and "1h 30m" in html and "Beijing business hours" in html and "24×7" in html
    for n in range(4):
        _fill(make_plan(f"Plan {n}"), make_beijing(f"Calendar {n}"))
    many, html = _matrix_queries(client)
    assert many == few <= 5, "the matrix must not query per plan or per policy"
    assert html.count('class="sla-cell"') == 6 * 4


def test_admin_sets_a_cell(client, admin, beijing):
    plan = make_plan("Gold")
    client.force_login(admin)
    url = reverse("sla:policy_edit", args=[plan.pk, 3])
    assert client.get(url).status_code == 200
    data = {
        "first_response_minutes": "8h",
        "first_response_calendar": beijing.pk,
        "next_response_minutes": "1h 30m",
        "resolution_minutes": "",
        "zone_source": "customer",
        "warn_at_percent": "80",
        "reopen_restarts_resolution": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse("sla:policies")
    policy = SlaPolicy.objects.get(plan=plan, priority=3)
    assert (policy.first_response_minutes, policy.next_response_minutes, policy.resolution_minutes) == (480, 90, None)
    assert policy.first_response_calendar == beijing and policy.next_response_calendar is None
    assert policy.zone_source == "customer" and policy.warn_at_percent == 80
    fallback = client.post(reverse("sla:policy_edit", args=["fallback", 1]), {**data, "first_response_minutes": "1h"})
    assert fallback.status_code == 302 and SlaPolicy.objects.get(plan=None, priority=1).first_response_minutes == 60


def test_bad_targets_are_shown_on_their_fields(client, admin):
    client.force_login(admin)
    url = reverse("sla:policy_edit", args=["fallback", 2])
    data = {
        "first_response_minutes": "0m",
        "next_response_minutes": "8",
        "zone_source": "vendor",
        "warn_at_percent": "0",
    }
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 422 and not SlaPolicy.objects.exists()
    assert "more than zero minutes" in html and "with its unit" in html and "greater than or equal to 1" in html


def test_agents_read_customers_are_sent_away_unknown_cells_404(client, agent, customer):
    plan = make_plan()
    client.force_login(agent)
    assert client.get(reverse("sla:policies")).status_code == 200
    page = client.get(reverse("sla:policy_edit", args=[plan.pk, 1]))
    assert page.status_code == 200 and "Save policy" not in page.content.decode()
    data = {"first_response_minutes": "1h", "zone_source": "vendor", "warn_at_percent": "75"}
    assert client.post(reverse("sla:policy_edit", args=[plan.pk, 1]), data).status_code == 403
    assert not SlaPolicy.objects.exists()
    assert client.get(reverse("sla:policy_edit", args=[plan.pk, 9])).status_code == 404
    assert client.get(reverse("sla:policy_edit", args=["gold", 1])).status_code == 404
    assert client.get(reverse("sla:policy_edit", args=[999999, 1])).status_code == 404
    client.force_login(customer)
    assert client.get(reverse("sla:policies"))["Location"] == reverse("tickets:portal")
    assert client.post(reverse("sla:policy_edit", args=[plan.pk, 1]), data).status_code == 403
