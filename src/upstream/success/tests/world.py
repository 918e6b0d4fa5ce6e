"""A small customer-success world for the tests: an organisation with an account manager, a contact and a contract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from upstream.accounts.models import Team, User
from upstream.core import clock
from upstream.core.testing import make_admin, make_agent, make_contact, make_contract, make_org, make_team
from upstream.customers.models import Contact, Contract, Organisation
from upstream.success.models import Interaction, InteractionKind


@dataclass
class World:
    team: Team
    manager: User
    agent: User
    admin: User
    org: Organisation
    contact: Contact
    contract: Contract


def make_world(*, renewal_in_days: int = 300, name: str | None = None) -> World:
    team = make_team()
    manager = make_agent(team)
    org = make_org(name, team=team)
    org.account_manager = manager
    org.save(update_fields=["account_manager"])
    today = timezone.localdate(clock.now())
    contract = make_contract(org, starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=renewal_in_days))
    return World(
        team=team,
        manager=manager,
        agent=make_agent(team),
        admin=make_admin(),
        org=org,
        contact=make_contact(org),
        contract=contract,
    )


def interaction(
    world: World, *, at: datetime, kind: str = InteractionKind.CALL, summary: str = "Talked"
) -> Interaction:
    return Interaction.objects.create(
        organisation=world.org, kind=kind, author=world.manager, contact=world.contact, happened_at=at, summary=summary
    )


def today() -> date:
    return timezone.localdate(clock.now())
