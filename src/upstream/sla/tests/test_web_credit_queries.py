"""The report pages cost the same number of queries whatever the number of tickets."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from upstream.core import clock
from upstream.core.testing import make_agent
from upstream.sla.tests.credit_world import AFTER_NOVEMBER, build_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("portal", [False, True])
def test_report_pages_have_a_fixed_query_count(client, monkeypatch, django_assert_max_num_queries, portal):
    world = build_world(monkeypatch)
    monkeypatch.setattr(clock, "now", lambda: AFTER_NOVEMBER)
    client.force_login(world.admin_contact.user if portal else make_agent())
    url = f"/{'portal/sla' if portal else 'sla/credits'}/{world.contract.id}/2026-11/"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    more = build_world(monkeypatch, world.plan, org_name="Second world")
    monkeypatch.setattr(clock, "now", lambda: AFTER_NOVEMBER)
    for ticket in more.tickets.values():
        ticket.contract = world.contract
        ticket.save(update_fields=["contract"])
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert response.status_code == 200 and "CNY 2,500.00" in response.text
    assert len(few) <= 10


def test_the_contract_list_is_one_query_for_its_rows(client, monkeypatch, django_assert_max_num_queries):
    world = build_world(monkeypatch)
    client.force_login(make_agent())
    with django_assert_max_num_queries(3):  # session, user, contracts with organisation and plan
        assert world.contract.reference in client.get("/sla/credits/").text
