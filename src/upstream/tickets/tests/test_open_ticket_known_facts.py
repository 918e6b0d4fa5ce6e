"""A caller that already read the requester's memberships and the organisation's contracts in its transaction (an
email batch) passes them to `open_ticket`, which then skips those reads and decides exactly as without them: a
requester who is not a member of the organisation is still refused."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from upstream.core import clock
from upstream.core.errors import InvalidInput
from upstream.core.testing import make_contact, make_contract, make_org, make_team
from upstream.customers import entitlements
from upstream.customers.models import Channel, Entitlement
from upstream.tickets import services

pytestmark = pytest.mark.django_db


def _new(contact, org, **fields):
    return services.NewTicket(
        organisation=org, requester=contact, subject="Help", body="Details", channel=Channel.EMAIL, **fields
    )


def _count(new):
    with CaptureQueriesContext(connection) as captured:
        ticket = services.open_ticket(by=None, new=new)
    return ticket, len(captured)


def test_known_memberships_and_contracts_spare_their_reads():
    org = make_org(team=make_team())
    contract = make_contract(org)
    contact = make_contact(org)
    _count(_new(contact, org))  # the first ticket reads what later ones find cached
    plain, plain_count = _count(_new(contact, org))
    today = clock.now().date()
    facts = entitlements.KnownFacts(today, entitlements.contracts_by_organisation([org.id], today)[org.id])
    known, known_count = _count(
        _new(contact, org, requester_organisation_ids=frozenset({org.id}), entitlement_facts=facts)
    )
    assert known_count == plain_count - 2  # the membership check and the contracts
    assert (known.contract, known.entitlement, known.team) == (contract, Entitlement.ENTITLED, plain.team)
    assert (known.priority, known.requester, known.organisation) == (plain.priority, contact, org)


def test_a_requester_not_known_as_a_member_is_refused():
    org, other = make_org(), make_org()
    contact = make_contact(other)
    with pytest.raises(InvalidInput, match="is not a contact of"):
        services.open_ticket(by=None, new=_new(contact, org, requester_organisation_ids=frozenset({other.id})))
