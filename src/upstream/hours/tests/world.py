"""A customer with an hour bank: the world most hours tests start from."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from upstream.accounts.models import Team, User
from upstream.core.testing import make_agent, make_contact, make_contract, make_org, make_team, make_ticket
from upstream.customers.models import Contact, Contract, Organisation
from upstream.hours import services
from upstream.hours.models import TimeEntry
from upstream.tickets.models import Ticket


@dataclass
class Bank:
    team: Team
    lead: User
    agent: User
    manager: User
    org: Organisation
    org_admin: Contact
    contact: Contact
    contract: Contract
    ticket: Ticket


def make_bank(hours: str = "10", *, admin_language: str = "zh-hans") -> Bank:
    lead = make_agent(language="en")
    team = make_team(lead=lead)
    agent = make_agent(team)
    manager = make_agent(language="zh-hans")
    org = make_org(team=team)
    org.account_manager = manager
    org.save()
    contract = make_contract(org)
    contract.consulting_hours = Decimal(hours)
    contract.save()
    org_admin = make_contact(org, admin=True)
    assert org_admin.user is not None
    org_admin.user.language = admin_language
    org_admin.user.save()
    contact = make_contact(org)
    ticket = make_ticket(contact, org, by=agent)
    assert ticket.contract_id == contract.id, "the ticket should be entitled by the bank's contract"
    return Bank(team, lead, agent, manager, org, org_admin, contact, contract, ticket)


def log(
    bank: Bank, duration: int | str, *, by: User | None = None, ticket: Ticket | None = None, **extra: Any
) -> TimeEntry:
    return services.log_time(
        by=by or bank.agent, ticket=ticket or bank.ticket, data=services.EntryInput(duration=duration, **extra)
    )
