"""Agent pages (hours overview, a contract's bank, statements) and the portal's, with who may see what."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from upstream.core.testing import make_agent, make_contact, make_contract, make_org, make_ticket
from upstream.customers.models import ContractStatus
from upstream.hours.tests.world import log, make_bank

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    return client


def test_overview_lists_banks_in_constant_queries(client, django_assert_max_num_queries):
    bank = make_bank("10")
    log(bank, 90)
    for _ in range(4):
        other = make_bank("5")
        log(other, 30)
    _as(client, bank.agent)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("hours:overview"))
    body = response.content.decode()
    assert response.status_code == 200
    assert bank.contract.reference in body and bank.org.name in body
    assert body.count("hours-bar-cell") == 5


def test_contract_page_filters_by_month_and_person(client, django_assert_max_num_queries):
    bank = make_bank("10")
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=5)
    log(bank, 30, note="this month")
    log(bank, 45, note="last month", worked_on=last_month)
    helper = make_agent(bank.team)
    log(bank, 20, by=helper, note="helper work", billable=False)
    for index in range(10):
        log(bank, 5, note=f"more {index}")
    _as(client, bank.agent)
    url = reverse("hours:contract", args=[bank.contract.id])
    with django_assert_max_num_queries(12):
        body = client.get(url).content.decode()
    assert "this month" in body and "last month" in body and "helper work" in body
    body = client.get(url, {"month": f"{last_month:%Y-%m}"}).content.decode()
    assert "last month" in body and "this month" not in body
    body = client.get(url, {"person": helper.id}).content.decode()
    assert "helper work" in body and "this month" not in body
    assert client.get(url, {"month": "garbage", "person": "x"}).status_code == 200


def test_statement_page_and_csv(client):
    bank = make_bank("1")
    month = timezone.localdate().replace(day=1)
    log(bank, 70, worked_on=month, note="overrun")
    _as(client, bank.agent)
    page = client.get(reverse("hours:statement", args=[bank.contract.id, f"{month:%Y-%m}"]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "overrun" in body and "10m" in body  # 10 minutes of overage
    csv = client.get(reverse("hours:statement_csv", args=[bank.contract.id, f"{month:%Y-%m}"]))
    assert csv["Content-Type"].startswith("text/csv")
    assert "overrun" in csv.content.decode()
    assert client.get(f"/hours/contracts/{bank.contract.id}/2026-13/").status_code == 404


def test_portal_shows_the_org_admin_their_own_banks_only(client, django_assert_max_num_queries):
    bank = make_bank("10")
    log(bank, 90, note="Index tuning")
    other = make_bank("10")
    log(other, 30, note="Other org secret")
    _as(client, bank.org_admin.user)
    with django_assert_max_num_queries(10):
        index = client.get(reverse("hours:portal"))
    body = index.content.decode()
    assert index.status_code == 200
    assert bank.contract.reference in body and other.contract.reference not in body
    page = client.get(reverse("hours:portal_contract", args=[bank.contract.id])).content.decode()
    assert "Index tuning" in page and "Other org secret" not in page
    month = timezone.localdate().strftime("%Y-%m")
    for url in (
        reverse("hours:portal_contract", args=[other.contract.id]),
        reverse("hours:portal_statement", args=[other.contract.id, month]),
        reverse("hours:portal_csv", args=[other.contract.id, month]),
        reverse("hours:contract", args=[bank.contract.id]),  # agent pages are not for customers
    ):
        response = client.get(url)
        assert response.status_code in (302, 404), url
        assert b"Other org secret" not in response.content
    assert client.get(reverse("hours:portal_statement", args=[bank.contract.id, month])).status_code == 200


def test_ordinary_contacts_do_not_see_the_bank(client):
    bank = make_bank("10")
    log(bank, 90)
    _as(client, bank.contact.user)
    assert client.get(reverse("hours:portal")).status_code == 404
    assert client.get(reverse("hours:portal_contract", args=[bank.contract.id])).status_code == 404
    portal = client.get(reverse("tickets:portal")).content.decode()
    assert reverse("hours:portal") not in portal


def test_org_admins_find_the_bank_from_the_portal(client):
    bank = make_bank("10")
    _as(client, bank.org_admin.user)
    assert reverse("hours:portal") in client.get(reverse("tickets:portal")).content.decode()


def test_an_org_admin_without_banks_sees_an_empty_page(client):
    org = make_org()
    contract = make_contract(org)
    contract.consulting_hours = Decimal("0")
    contract.save()
    admin = make_contact(org, admin=True)
    make_ticket(admin, org)
    _as(client, admin.user)
    body = client.get(reverse("hours:portal")).content.decode()
    assert "Your organisation has no prepaid consulting hours." in body


def test_chinese_pages(client):
    bank = make_bank("10")
    log(bank, 30, worked_on=date.today())
    _as(client, bank.agent)
    body = client.get(reverse("hours:contract", args=[bank.contract.id]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert body.status_code == 200
    assert 'lang="zh-Hans"' in body.content.decode()


def test_overview_hides_ended_contracts_unless_asked(client):
    current = make_bank("10")
    ended = make_bank("10")
    log(ended, 30)
    ended.contract.status = ContractStatus.EXPIRED
    ended.contract.save()
    _as(client, current.agent)
    body = client.get(reverse("hours:overview")).content.decode()
    assert current.contract.reference in body and ended.contract.reference not in body
    body = client.get(reverse("hours:overview"), {"ended": "1"}).content.decode()
    assert ended.contract.reference in body
