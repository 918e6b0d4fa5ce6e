"""`at_intake` with what the caller already read (an email batch: the organisations' contracts of the day, read in one
query, and the presales team, read once): the same entitlement, contract and queue as reading them itself, without
the queries; facts of another day, or a request for a product, are not used."""

import pytest

from upstream.core import clock
from upstream.core.testing import make_contract, make_org, make_plan, make_product, make_team
from upstream.customers import entitlements
from upstream.customers.models import ContractStatus, Entitlement
from upstream.customers.tests.helpers import days, presales_team

pytestmark = pytest.mark.django_db


def _organisations():
    team = make_team()
    entitled, expired, none, grace = (make_org(team=team) for _ in range(4))
    make_contract(entitled)
    make_contract(entitled, status=ContractStatus.EXPIRED, starts_on=days(-800), ends_on=days(-400))
    make_contract(expired, status=ContractStatus.EXPIRED, starts_on=days(-400), ends_on=days(-35))
    make_contract(grace, make_plan(grace_days=30), starts_on=days(-365), ends_on=days(-10))
    make_contract(none, starts_on=days(5), ends_on=days(300))  # not started: no contract yet
    return [entitled, expired, none, grace]


def test_known_facts_give_the_same_intake_without_queries(django_assert_num_queries):
    organisations = _organisations()
    presales_team()
    today = clock.now().date()
    mailbox_team = make_team("Mailbox")
    expected = [entitlements.at_intake(o, None, today, team=mailbox_team) for o in organisations]
    assert [e.entitlement for e in expected] == [
        Entitlement.ENTITLED, Entitlement.CONTRACT_EXPIRED, Entitlement.NO_CONTRACT, Entitlement.ENTITLED,
    ]  # fmt: skip

    with django_assert_num_queries(1):
        contracts = entitlements.contracts_by_organisation([o.id for o in organisations], today)
    presales = entitlements.unentitled_team()
    with django_assert_num_queries(0):
        known = [
            entitlements.at_intake(
                o, None, today, team=mailbox_team,
                known=entitlements.KnownFacts(today, contracts[o.id], lambda: presales),
            )
            for o in organisations
        ]  # fmt: skip
    assert known == expected


def test_facts_of_another_day_or_a_product_request_are_read_again(django_assert_num_queries):
    org = make_org(team=make_team())
    contract = make_contract(org, products=(make_product(),))
    today = clock.now().date()
    stale = entitlements.KnownFacts(days(-1), [], lambda: None)
    with django_assert_num_queries(1):
        assert entitlements.at_intake(org, None, today, team=None, known=stale).contract == contract
    other = make_product()
    fresh = entitlements.KnownFacts(today, [contract], lambda: None)
    intake = entitlements.at_intake(org, other, today, team=None, known=fresh)
    assert intake.entitlement == Entitlement.PRODUCT_NOT_COVERED  # products were read: the facts carry none
