"""A new ticket records whether it was entitled and why not; without entitlement it has no contract (so the fallback
SLA applies) and goes to the presales/community queue when one is configured, also when it arrives by email."""

import pytest

from upstream.channels.email.tests.mail_world import build, deliver, make_mail_world
from upstream.core.testing import (
    make_agent,
    make_contact,
    make_contract,
    make_org,
    make_plan,
    make_product,
    make_team,
    make_ticket,
)
from upstream.customers.entitlements import assess
from upstream.customers.models import ContractStatus, Entitlement
from upstream.customers.tests.helpers import days, presales_team
from upstream.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _ticket(org, **fields):
    return make_ticket(make_contact(org), org, by=make_agent(), **fields)


def test_a_covered_product_is_entitled_by_its_contract():
    product = make_product()
    org = make_org(team=make_team())
    contract = make_contract(org, products=(product,))
    presales_team()
    ticket = _ticket(org, product=product)
    assert (ticket.entitlement, ticket.contract) == (Entitlement.ENTITLED, contract)
    assert ticket.team == org.default_team  # entitled requests stay with the organisation's team


def test_a_contract_listing_no_products_covers_all():
    org = make_org()
    contract = make_contract(org)
    ticket = _ticket(org, product=make_product())
    assert (ticket.entitlement, ticket.contract) == (Entitlement.ENTITLED, contract)


def test_an_organisation_without_contract():
    org = make_org(team=make_team())
    presales = presales_team()
    ticket = _ticket(org)
    assert (ticket.entitlement, ticket.contract, ticket.team) == (Entitlement.NO_CONTRACT, None, presales)


def test_an_expired_or_terminated_contract_does_not_entitle():
    presales = presales_team()
    for status in (ContractStatus.EXPIRED, ContractStatus.TERMINATED):
        org = make_org(team=make_team())
        make_contract(org, status=status, starts_on=days(-400), ends_on=days(-35))
        ticket = _ticket(org)
        assert (ticket.entitlement, ticket.contract, ticket.team) == (Entitlement.CONTRACT_EXPIRED, None, presales)
    terminated_mid_term = make_org()
    make_contract(terminated_mid_term, status=ContractStatus.TERMINATED)
    assert _ticket(terminated_mid_term).entitlement == Entitlement.CONTRACT_EXPIRED


def test_a_product_the_contract_does_not_cover():
    covered, other = make_product(), make_product()
    org = make_org(team=make_team())
    contract = make_contract(org, products=(covered,))
    presales = presales_team()
    ticket = _ticket(org, product=other)
    assert (ticket.entitlement, ticket.contract, ticket.team) == (Entitlement.PRODUCT_NOT_COVERED, None, presales)
    assert assess(org, other, days(0)).nearest == contract  # the ticket page names the contract that falls short


def test_a_term_in_its_grace_period_still_entitles_even_before_the_schedule_ran():
    org = make_org()
    plan = make_plan(grace_days=30)
    contract = make_contract(org, plan, starts_on=days(-365), ends_on=days(-10))  # still "active": job not run yet
    assert _ticket(org).contract == contract
    lapsed = make_org()
    make_contract(lapsed, plan, starts_on=days(-400), ends_on=days(-31))
    assert _ticket(lapsed).entitlement == Entitlement.CONTRACT_EXPIRED


def test_a_trial_entitles_during_its_term_only():
    org = make_org()
    trial = make_contract(org, status=ContractStatus.TRIAL, starts_on=days(-10), ends_on=days(20))
    assert _ticket(org).contract == trial
    ended = make_org()
    make_contract(ended, status=ContractStatus.TRIAL, starts_on=days(-40), ends_on=days(-1))
    assert _ticket(ended).entitlement == Entitlement.CONTRACT_EXPIRED


def test_a_contract_that_has_not_started_yet_does_not_entitle():
    org = make_org()
    make_contract(org, starts_on=days(5), ends_on=days(300))
    assert _ticket(org).entitlement == Entitlement.NO_CONTRACT


def test_without_a_presales_team_unentitled_tickets_stay_with_the_organisations_team():
    team = make_team()
    org = make_org(team=team)
    ticket = _ticket(org)
    assert (ticket.entitlement, ticket.team) == (Entitlement.NO_CONTRACT, team)


def test_an_email_from_an_organisation_without_contract_goes_to_the_presales_queue():
    world = make_mail_world()
    presales = presales_team()
    deliver(build(message_id="<presales1@acme.test>"), world.mailbox)
    ticket = Ticket.objects.get()
    assert (ticket.entitlement, ticket.contract, ticket.team) == (Entitlement.NO_CONTRACT, None, presales)


def test_an_email_from_an_entitled_organisation_stays_with_the_mailbox_team():
    world = make_mail_world()
    contract = make_contract(world.org)
    presales_team()
    deliver(build(message_id="<entitled1@acme.test>"), world.mailbox)
    ticket = Ticket.objects.get()
    assert (ticket.entitlement, ticket.contract, ticket.team) == (Entitlement.ENTITLED, contract, world.team)
