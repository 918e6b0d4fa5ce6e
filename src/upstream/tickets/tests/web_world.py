"""Fixtures for the web-page tests: two organisations on two teams, their people and tickets.

Imported explicitly by the test_web_* modules (a plain module rather than a conftest, so it is clear where the
fixtures come from).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from upstream.accounts.models import Team, User
from upstream.core.testing import (
    make_admin,
    make_agent,
    make_contact,
    make_contract,
    make_org,
    make_plan,
    make_product,
    make_team,
    make_ticket,
    upload,
)
from upstream.customers.models import Contact, Organisation, Priority, Product
from upstream.tickets import services
from upstream.tickets.models import Ticket


@dataclass
class World:
    platform: Team
    database: Team
    org_a: Organisation
    org_b: Organisation
    nimbus: Product
    relay: Product
    admin: User
    agent_a: User
    agent_b: User
    alice: Contact
    colleague: Contact
    a_admin: Contact
    bob: Contact
    ticket_a: Ticket
    ticket_colleague: Ticket
    ticket_b: Ticket

    @property
    def b_attachment_id(self) -> int:
        return self.ticket_b.messages.get().attachments.get().id


@pytest.fixture
def fast_passwords(settings):
    # The factories set real passwords; the default hasher would spend most of the suite's time on them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db, fast_passwords) -> World:
    platform, database = make_team("Platform"), make_team("Database")
    org_a, org_b = make_org("Org A", team=platform), make_org("Org B", team=database)
    nimbus = make_product("Nimbus", versions=("1.0", "2.0"))
    relay = make_product("Relay", versions=("3.0",))
    make_contract(org_a, make_plan("Premium", highest_priority=Priority.P2), products=(nimbus,))
    alice, colleague = make_contact(org_a, name="Alice"), make_contact(org_a, name="Colleague")
    a_admin = make_contact(org_a, admin=True, name="A Admin")
    bob = make_contact(org_b, name="Bob")
    ticket_a = make_ticket(alice, org_a, subject="Alpha cluster down", product=nimbus)
    ticket_colleague = make_ticket(colleague, org_a, subject="Alpha colleague question")
    ticket_b = services.open_ticket(
        by=bob.user,
        new=services.NewTicket(organisation=org_b, requester=bob, subject="Bravo secret project", body="Top secret."),
        uploads=[upload("bravo.txt", b"bravo secret")],
    )
    return World(
        platform=platform,
        database=database,
        org_a=org_a,
        org_b=org_b,
        nimbus=nimbus,
        relay=relay,
        admin=make_admin(),
        agent_a=make_agent(platform),
        agent_b=make_agent(database),
        alice=alice,
        colleague=colleague,
        a_admin=a_admin,
        bob=bob,
        ticket_a=ticket_a,
        ticket_colleague=ticket_colleague,
        ticket_b=ticket_b,
    )


def login(client, who: User | Contact):
    user = who if isinstance(who, User) else who.user
    client.force_login(user)
    return client
