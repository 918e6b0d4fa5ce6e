"""A small support world for survey tests: a team with a lead, agents, a customer organisation with a contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from upstream.accounts.models import Team, User
from upstream.core.testing import make_agent, make_contact, make_contract, make_org, make_team, make_ticket, make_user
from upstream.customers.models import Contact, Organisation
from upstream.surveys.models import CsatSurvey
from upstream.tickets import services
from upstream.tickets.models import Status, Ticket


@dataclass
class World:
    lead: User
    agent: User
    other_agent: User
    team: Team
    org: Organisation
    customer: Contact
    colleague: Contact


def make_world() -> World:
    lead = make_user(username="lead", full_name="Lena Lead")
    team = make_team("Support", lead=lead)
    team.members.add(lead)
    agent = make_agent(team, username="agent", full_name="Ada Agent")
    other_agent = make_agent(team, username="other", full_name="Otto Other")
    org = make_org("Acme", domain="acme.test", team=team)
    make_contract(org)
    customer = make_contact(org, email="li.na@acme.test", name="Li Na")
    colleague = make_contact(org, email="wang@acme.test", name="Wang")
    return World(lead, agent, other_agent, team, org, customer, colleague)


def resolved_ticket(world: World, capture: Any, *, agent: User | None = None, subject: str = "VPN fails") -> Ticket:
    """A ticket of the world's customer, assigned and resolved; `capture` is pytest-django's
    django_capture_on_commit_callbacks, so the ticket.updated subscribers run as after a real commit."""
    ticket = make_ticket(world.customer, subject=subject)
    assignee = agent or world.agent
    ticket = services.assign_ticket(by=assignee, ticket=ticket, assignee=assignee)
    ticket.team = world.team
    ticket.save(update_fields=["team"])
    with capture(execute=True):
        services.change_status(by=assignee, ticket=ticket, status=Status.RESOLVED)
    return ticket


def survey_of(ticket: Ticket) -> CsatSurvey:
    return CsatSurvey.objects.get(ticket=ticket)
