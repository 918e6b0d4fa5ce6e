"""Agents see the entitlement on the ticket page in words (which contract and plan, or why not) and as a badge in
the inbox (without extra queries)."""

import pytest
from django.test import Client

from upstream.core.testing import make_agent, make_contact, make_contract, make_org, make_product, make_ticket
from upstream.customers.models import ContractStatus
from upstream.customers.tests.helpers import days

pytestmark = pytest.mark.django_db


def _page(agent, ticket):
    client = Client()
    client.force_login(agent)
    response = client.get(f"/tickets/{ticket.reference}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_ticket_page_names_the_entitling_contract_or_why_there_is_none():
    agent = make_agent()
    covered, other = make_product("Covered DB"), make_product("Other Mesh")
    org = make_org()
    contract = make_contract(org, products=(covered,))
    contact = make_contact(org)
    entitled = make_ticket(contact, org, by=agent, product=covered)
    uncovered = make_ticket(contact, org, by=agent, product=other)
    assert f"Entitled by contract {contract.reference} ({contract.plan.name})" in _page(agent, entitled)
    text = _page(agent, uncovered)
    assert f"Contract {contract.reference} ({contract.plan.name}) does not cover Other Mesh" in text
    lapsed = make_org()
    old = make_contract(lapsed, status=ContractStatus.EXPIRED, starts_on=days(-400), ends_on=days(-40))
    text = _page(agent, make_ticket(make_contact(lapsed), lapsed, by=agent))
    assert f"last contract, {old.reference}" in text and "fallback SLA" in text
    nobody = make_org()
    assert "had no contract" in _page(agent, make_ticket(make_contact(nobody), nobody, by=agent))


def test_the_inbox_shows_a_badge_for_tickets_without_entitlement():
    agent = make_agent()
    org, nobody = make_org(), make_org()
    make_contract(org)
    make_ticket(make_contact(org), org, by=agent, subject="Entitled one")
    make_ticket(make_contact(nobody), nobody, by=agent, subject="Presales one")
    client = Client()
    client.force_login(agent)
    text = client.get("/inbox/open/").content.decode()
    assert text.count('class="entitlement entitlement-unentitled"') == 1
    assert "No contract" in text
