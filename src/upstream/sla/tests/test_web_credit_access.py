"""Who sees a contract's service report: agents and admins every contract, an organisation admin their own
organisations' contracts in the portal; a normal contact and another organisation's admin get 404."""

import pytest
from django.urls import reverse

from upstream.core import clock
from upstream.core.testing import make_admin, make_agent, make_contact, make_org
from upstream.sla.tests.credit_world import AFTER_NOVEMBER, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(monkeypatch):
    built = build_world(monkeypatch)
    monkeypatch.setattr(clock, "now", lambda: AFTER_NOVEMBER)
    return built


def _portal(world, suffix=""):
    return f"/portal/sla/{world.contract.id}/2026-11/{suffix}"


def _staff(world):
    return f"/sla/credits/{world.contract.id}/2026-11/"


def test_the_org_admin_sees_their_contracts_report(client, world):
    client.force_login(world.admin_contact.user)
    index = client.get("/portal/sla/")
    assert index.status_code == 200 and world.contract.reference in index.text
    page = client.get(_portal(world))
    assert page.status_code == 200
    assert "CNY 2,500.00" in page.text
    assert reverse("sla:portal_reports") in page.text  # the portal nav links the report


@pytest.mark.parametrize("who", ["contact", "other_admin"])
def test_a_normal_contact_or_another_orgs_admin_gets_404(client, world, who):
    user = world.contact.user if who == "contact" else make_contact(make_org(), admin=True).user
    client.force_login(user)
    assert client.get(_portal(world)).status_code == 404
    assert client.get(_portal(world).rstrip("/") + ".csv").status_code == 404
    assert client.get(_portal(world) + "?format=csv").status_code == 404
    index = client.get("/portal/sla/")
    assert index.status_code == 404 if who == "contact" else world.contract.reference not in index.text


def test_customers_are_sent_away_from_the_staff_pages(client, world):
    client.force_login(world.admin_contact.user)
    response = client.get(_staff(world))
    assert response.status_code == 302 and response["Location"] == reverse("tickets:portal")


@pytest.mark.parametrize("make", [make_agent, make_admin])
def test_agents_see_every_contract(client, world, make):
    client.force_login(make())
    index = client.get("/sla/credits/")
    assert index.status_code == 200 and world.contract.reference in index.text
    assert 'value="2026-11"' in index.text  # the default: last month
    assert client.get(_staff(world)).status_code == 200
    chosen = client.get("/sla/credits/", {"contract": world.contract.id, "month": "2026-11"})
    assert chosen.status_code == 302 and chosen["Location"] == _staff(world)
    # An agent following a portal link lands on the staff page.
    assert client.get(_portal(world))["Location"] == _staff(world)


def test_unknown_contract_bad_or_future_month_is_404(client, world):
    client.force_login(make_agent())
    assert client.get(f"/sla/credits/{world.contract.id + 999}/2026-11/").status_code == 404
    assert client.get(f"/sla/credits/{world.contract.id}/2026-13/").status_code == 404
    assert client.get(f"/sla/credits/{world.contract.id}/2027-01/").status_code == 404  # not begun yet
