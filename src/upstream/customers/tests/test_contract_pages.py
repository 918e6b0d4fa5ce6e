"""Organisations with their contracts for staff: a list (fixed number of queries) and a page per organisation with
renew/end buttons for those who may; customers get 404."""

import pytest
from django.test import Client

from upstream.core.testing import make_admin, make_agent, make_contact, make_contract, make_org, make_plan
from upstream.customers import lifecycle
from upstream.customers.models import ContractStatus
from upstream.customers.tests.helpers import days

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_organisations_list_shows_each_current_contract_in_constant_queries(django_assert_max_num_queries):
    manager = make_agent(full_name="Mei Account")
    plan = make_plan()
    for n in range(12):
        org = make_org(f"Customer {n:02d}")
        org.account_manager = manager
        org.save()
        make_contract(org, plan, status=ContractStatus.EXPIRED, starts_on=days(-800), ends_on=days(-400))
        make_contract(org, plan, starts_on=days(-100), ends_on=days(200))
    make_org("Zeta without contract")
    client = _client(make_agent())
    client.get("/customers/")  # warm the session and the user
    with django_assert_max_num_queries(8):
        response = client.get("/customers/")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 13
    assert rows[0]["contract"].status == ContractStatus.ACTIVE and rows[-1]["contract"] is None
    assert "Mei Account" in response.content.decode()
    assert [r["organisation"].name for r in client.get("/customers/", {"q": "zeta"}).context["rows"]] == [
        "Zeta without contract"
    ]


def test_the_organisation_page_lists_contracts_with_actions_for_managers():
    org = make_org("Acme")
    old = make_contract(org, starts_on=days(-300), ends_on=days(60))
    admin = make_admin()
    renewed = lifecycle.renew(by=admin, contract=old, ends_on=days(425))
    page = _client(admin).get(f"/customers/{org.id}/")
    assert page.status_code == 200
    rows = {row["contract"].id: row for row in page.context["rows"]}
    assert not rows[old.id]["can_renew"] and rows[old.id]["renewed"]
    assert rows[renewed.id]["can_renew"] and rows[renewed.id]["can_end"]
    text = page.content.decode()
    assert f"/customers/contracts/{renewed.id}/renew/" in text and f"/customers/contracts/{old.id}/renew/" not in text
    agent_page = _client(make_agent()).get(f"/customers/{org.id}/")
    assert agent_page.status_code == 200 and "/renew/" not in agent_page.content.decode()


def test_customers_do_not_see_the_contract_pages():
    org = make_org()
    make_contract(org)
    customer = _client(make_contact(org, admin=True).user)
    assert customer.get("/customers/").status_code == 404
    assert customer.get(f"/customers/{org.id}/").status_code == 404
    assert _client(make_agent()).get("/customers/999999/").status_code == 404
    assert _client(make_agent()).get("/customers/", {"cursor": "garbage"}).status_code == 404
