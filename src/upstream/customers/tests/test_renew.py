"""Renewing creates the next term: a new contract linked to the old one, by default the day after it ends, with the
same plan, products and hours; through the service, the contract page and the API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from upstream.accounts.models import AuditEvent
from upstream.core.errors import Conflict, Forbidden, InvalidInput
from upstream.core.testing import (
    api_client,
    make_admin,
    make_agent,
    make_contact,
    make_contract,
    make_org,
    make_plan,
    make_product,
)
from upstream.customers import lifecycle
from upstream.customers.models import Contract, ContractEvent, ContractStatus
from upstream.customers.tests.helpers import days

pytestmark = pytest.mark.django_db


def _contract(**fields):
    org = make_org()
    products = (make_product(), make_product())
    return make_contract(org, products=products, starts_on=days(-300), ends_on=days(65), **fields)


def test_renewal_is_the_next_term_with_the_same_products_plan_and_hours():
    contract = _contract()
    admin = make_admin()
    renewed = lifecycle.renew(by=admin, contract=contract, ends_on=contract.ends_on + timedelta(days=365))
    assert renewed.renewed_from == contract
    assert renewed.starts_on == contract.ends_on + timedelta(days=1)
    assert (renewed.plan, renewed.consulting_hours, renewed.organisation) == (
        contract.plan,
        contract.consulting_hours,
        contract.organisation,
    )
    assert set(renewed.products.all()) == set(contract.products.all())
    assert renewed.status == ContractStatus.ACTIVE
    assert renewed.reference == f"{contract.reference}-R2"
    assert lifecycle.suggested_reference(renewed) == f"{contract.reference}-R3"
    assert ContractEvent.objects.filter(contract=contract, kind="renewed", actor=admin).exists()
    assert AuditEvent.objects.filter(action="contract.renewed", target_id=str(contract.id)).exists()


def test_a_trial_renewed_converts_to_an_active_term_on_another_plan():
    trial = _contract(status=ContractStatus.TRIAL)
    paid = make_plan()
    renewed = lifecycle.renew(
        by=make_admin(), contract=trial, ends_on=days(400), plan=paid, consulting_hours=Decimal("20")
    )
    assert (renewed.status, renewed.plan, renewed.consulting_hours) == (ContractStatus.ACTIVE, paid, Decimal("20"))


def test_a_term_is_renewed_once_and_a_terminated_or_ended_one_not_at_all():
    contract = _contract()
    admin = make_admin()
    lifecycle.renew(by=admin, contract=contract, ends_on=days(400))
    with pytest.raises(Conflict, match="already been renewed"):
        lifecycle.renew(by=admin, contract=contract, ends_on=days(500))
    terminated = _contract(status=ContractStatus.TERMINATED)
    with pytest.raises(Conflict):
        lifecycle.renew(by=admin, contract=terminated, ends_on=days(400))
    leaving = _contract()
    lifecycle.end_contract(by=admin, contract=leaving, reason="price", at_term_end=True)
    with pytest.raises(Conflict, match="ended"):
        lifecycle.renew(by=admin, contract=leaving, ends_on=days(400))


def test_bad_terms_are_refused_and_nothing_is_saved():
    contract = _contract()
    admin = make_admin()
    before = Contract.objects.count()
    with pytest.raises(InvalidInput) as error:
        lifecycle.renew(by=admin, contract=contract, ends_on=contract.ends_on)  # ends before it starts
    assert error.value.field == "ends_on"
    with pytest.raises(InvalidInput):
        lifecycle.renew(by=admin, contract=contract, starts_on=contract.starts_on, ends_on=days(400))
    with pytest.raises(Conflict):
        lifecycle.renew(by=admin, contract=contract, ends_on=days(400), reference=contract.reference)
    assert Contract.objects.count() == before


def test_only_admins_and_the_account_manager_renew():
    contract = _contract()
    with pytest.raises(Forbidden):
        lifecycle.renew(by=make_agent(), contract=contract, ends_on=days(400))
    manager = make_agent()
    contract.organisation.account_manager = manager
    contract.organisation.save()
    assert lifecycle.renew(by=manager, contract=contract, ends_on=days(400)).renewed_from == contract


def test_the_renew_page_prefills_the_next_term_and_creates_it():
    contract = _contract()
    client = Client()
    client.force_login(make_admin())
    url = f"/customers/contracts/{contract.id}/renew/"
    page = client.get(url)
    assert page.status_code == 200
    assert (contract.ends_on + timedelta(days=1)).isoformat() in page.content.decode()
    form = page.context["form"]
    data = {name: form.initial[name] for name in ("starts_on", "ends_on", "plan", "consulting_hours", "reference")}
    response = client.post(url, data)
    assert response.status_code == 302
    renewed = Contract.objects.get(renewed_from=contract)
    assert renewed.ends_on - renewed.starts_on == contract.ends_on - contract.starts_on
    again = client.post(url, data)
    assert again.status_code == 422 and "already been renewed" in again.content.decode()


def test_the_renew_page_is_403_for_other_agents_and_404_for_customers():
    contract = _contract()
    agent, customer = Client(), Client()
    agent.force_login(make_agent())
    customer.force_login(make_contact(contract.organisation, admin=True).user)
    url = f"/customers/contracts/{contract.id}/renew/"
    assert agent.get(url).status_code == 403
    assert customer.get(url).status_code == 404
    assert customer.post(url, {"ends_on": "2030-01-01"}).status_code == 404
    assert not Contract.objects.filter(renewed_from=contract).exists()


def test_renew_over_the_api():
    contract = _contract()
    client = api_client(make_admin())
    response = client.post(
        f"/api/contracts/{contract.id}/renew", {"ends_on": days(500).isoformat()}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["renewed_from"] == contract.id and body["starts_on"] == (contract.ends_on + timedelta(1)).isoformat()
    assert {p["id"] for p in body["products"]} == set(contract.products.values_list("id", flat=True))
    again = client.post(
        f"/api/contracts/{contract.id}/renew", {"ends_on": days(500).isoformat()}, content_type="application/json"
    )
    assert again.status_code == 409
    bad = client.post(f"/api/contracts/{contract.id}/renew", {"ends_on": "soon"}, content_type="application/json")
    assert bad.status_code == 422
    customer = api_client(make_contact(contract.organisation, admin=True).user)
    refused = customer.post(
        f"/api/contracts/{contract.id}/renew", {"ends_on": days(900).isoformat()}, content_type="application/json"
    )
    assert refused.status_code == 403
    stranger = api_client(make_contact(make_org()).user)
    hidden = stranger.post(
        f"/api/contracts/{contract.id}/renew", {"ends_on": days(900).isoformat()}, content_type="application/json"
    )
    assert hidden.status_code == 404
