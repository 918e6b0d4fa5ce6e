"""The ticket page's Time panel costs a fixed number of queries, however many entries the ticket has."""

from __future__ import annotations

import pytest

from upstream.hours import pages
from upstream.hours.tests.world import log, make_bank
from upstream.tickets.queries import access_ticket

pytestmark = pytest.mark.django_db


def test_panel_queries_do_not_grow_with_entries(django_assert_num_queries):
    bank = make_bank()
    for minutes in range(1, 16):
        log(bank, minutes)
    ticket = access_ticket(bank.agent, bank.ticket.reference)
    with django_assert_num_queries(2):  # the entries with their people, the contract's usage
        context = pages.panel_context(bank.agent, ticket)
        assert len(context["entries"]) == 15
        assert context["contract"].reference == bank.contract.reference
        assert context["usage"].used_minutes == sum(range(1, 16))
