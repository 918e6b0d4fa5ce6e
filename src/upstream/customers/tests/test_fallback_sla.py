"""A ticket without entitlement is measured by the fallback SLA policy, an entitled one by its plan's policy."""

import pytest

from upstream.core.testing import (
    make_agent,
    make_contact,
    make_contract,
    make_org,
    make_plan,
    make_product,
    make_ticket,
)
from upstream.customers.models import Entitlement, Priority
from upstream.sla.models import SlaPolicy, TicketSla

pytestmark = pytest.mark.django_db


def test_uncovered_and_unentitled_tickets_get_the_fallback_policy(django_capture_on_commit_callbacks):
    plan = make_plan()
    planned = SlaPolicy.objects.create(plan=plan, priority=Priority.P3, first_response_minutes=60)
    fallback = SlaPolicy.objects.create(plan=None, priority=Priority.P3, first_response_minutes=8 * 60)
    covered, other = make_product(), make_product()
    org = make_org()
    make_contract(org, plan, products=(covered,))
    contact, agent = make_contact(org), make_agent()
    with django_capture_on_commit_callbacks(execute=True):
        entitled = make_ticket(contact, org, by=agent, product=covered, priority=Priority.P3)
        uncovered = make_ticket(contact, org, by=agent, product=other, priority=Priority.P3)
        nobody = make_ticket(make_contact(make_org()), by=agent, priority=Priority.P3)
    assert uncovered.entitlement == Entitlement.PRODUCT_NOT_COVERED
    assert TicketSla.objects.get(ticket=entitled).policy == planned
    assert TicketSla.objects.get(ticket=uncovered).policy == fallback
    assert TicketSla.objects.get(ticket=nobody).policy == fallback
