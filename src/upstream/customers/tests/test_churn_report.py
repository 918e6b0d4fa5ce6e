"""The churn report: contracts that ended for good in a period, by exit reason, with the lost monthly fee per
currency, the unrecorded lapses counted apart, as a page and CSV, for staff only (customers: 404)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from upstream.core.testing import make_admin, make_agent, make_contact, make_contract, make_org, make_plan
from upstream.customers import lifecycle
from upstream.customers.churn import UNRECORDED, churn_report
from upstream.customers.models import ContractStatus
from upstream.customers.tests.helpers import days

pytestmark = pytest.mark.django_db


def _world():
    admin = make_admin()
    cny = make_plan(monthly_fee=Decimal("1000"), currency="CNY")
    eur = make_plan(monthly_fee=Decimal("250.50"), currency="EUR")
    ended = []
    for plan, reason, comment in ((cny, "price", ""), (cny, "price", ""), (eur, "price", ""), (cny, "other", "merger")):
        contract = make_contract(make_org(), plan, starts_on=days(-300), ends_on=days(65))
        ended.append(lifecycle.end_contract(by=admin, contract=contract, reason=reason, comment=comment))
    # Not renewed at the end of a term within the period: counted on its last day.
    last_term = make_contract(make_org(), cny, starts_on=days(-300), ends_on=days(-3))
    lifecycle.end_contract(by=admin, contract=last_term, reason="competitor", at_term_end=True)
    # Lapsed without a recorded reason and without a later contract: "no reason recorded".
    make_contract(make_org(), eur, status=ContractStatus.EXPIRED, starts_on=days(-400), ends_on=days(-40))
    # Lapsed but the organisation signed a new contract afterwards: not churn.
    renewed_org = make_org()
    make_contract(renewed_org, cny, status=ContractStatus.EXPIRED, starts_on=days(-400), ends_on=days(-40))
    make_contract(renewed_org, cny, starts_on=days(-20), ends_on=days(300))
    # Ended long before the period.
    old = make_contract(make_org(), cny, status=ContractStatus.EXPIRED, starts_on=days(-900), ends_on=days(-800))
    lifecycle.end_contract(by=admin, contract=old, reason="price")
    return admin


def test_figures_by_reason_and_currency(django_assert_max_num_queries):
    _world()
    with django_assert_max_num_queries(3):
        report = churn_report(days(-90), days(0))
    rows = {row.reason: row for row in report.rows}
    assert rows["price"].contracts == 3
    assert rows["price"].lost_monthly_fee == {"CNY": Decimal("2000"), "EUR": Decimal("250.50")}
    assert rows["other"].contracts == 1 and rows["competitor"].contracts == 1
    assert rows["support_quality"].contracts == 0 and rows["support_quality"].lost_monthly_fee == {}
    assert rows[UNRECORDED].contracts == 1 and rows[UNRECORDED].lost_monthly_fee == {"EUR": Decimal("250.50")}
    assert report.total.contracts == 6
    assert report.total.lost_monthly_fee == {"CNY": Decimal("4000"), "EUR": Decimal("501.00")}
    assert len(report.ended) == 5 and not report.more_than_listed
    assert [row.reason for row in report.rows][-1] == UNRECORDED


def test_the_page_and_csv():
    admin = _world()
    client = Client()
    client.force_login(admin)
    start, end = days(-90).isoformat(), days(0).isoformat()
    page = client.get("/customers/churn/", {"start": start, "end": end})
    assert page.status_code == 200
    text = page.content.decode()
    assert "CNY 2,000.00" in text and "merger" in text
    csv = client.get("/customers/churn/", {"start": start, "end": end, "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert f"{start},{end},price,Price,2,CNY,2000.00" in lines
    assert f"{start},{end},price,Price,1,EUR,250.50" in lines
    assert f"{start},{end},other,Other,1,CNY,1000.00" in lines
    assert len(lines) == 1 + 5  # header; price ×2 currencies, other, competitor, unrecorded


def test_the_default_period_is_the_last_twelve_months_and_a_bad_one_is_a_form_error():
    client = Client()
    client.force_login(make_agent())
    page = client.get("/customers/churn/")
    assert page.status_code == 200 and page.context["report"].end == lifecycle.today()
    assert page.context["report"].start <= lifecycle.today() - timedelta(days=365)
    bad = client.get("/customers/churn/", {"start": days(0).isoformat(), "end": days(-5).isoformat()})
    assert bad.status_code == 422 and bad.context["form"].errors["end"]
    assert client.get("/customers/churn/", {"start": "yesterday", "end": ""}).status_code == 422


def test_customers_and_anonymous_visitors_do_not_get_the_report():
    org = make_org()
    customer = Client()
    customer.force_login(make_contact(org, admin=True).user)
    assert customer.get("/customers/churn/").status_code == 404
    assert customer.get("/customers/churn/", {"format": "csv"}).status_code == 404
    assert Client().get("/customers/churn/").status_code == 302  # to the login page
