"""A small knowledge base, indexed, and a customer with a contract, for assistance tests."""

from __future__ import annotations

from dataclasses import dataclass

from upstream.accounts.models import User
from upstream.core.testing import make_agent, make_contact, make_org, make_team
from upstream.customers.models import Contact, Organisation
from upstream.kb.models import Article, Visibility
from upstream.kb.search.index import rebuild
from upstream.kb.tests.factories import make_article


@dataclass
class AssistWorld:
    agent: User
    org: Organisation
    customer: Contact
    reset: Article
    backup: Article
    internal: Article


def make_assist_world() -> AssistWorld:
    team = make_team("Support")
    agent = make_agent(team)
    org = make_org("Acme", domain="acme.test", team=team)
    customer = make_contact(org, email="li.na@acme.test", name="Li Na")
    reset = make_article(
        by=agent,
        title="Reset a forgotten Keycloak admin password",
        body="If you forgot the Keycloak admin password, run `kc.sh bootstrap-admin user` on the server and "
        "log in with the temporary admin to set a new password.",
    )
    backup = make_article(
        by=agent,
        title="PostgreSQL nightly backup fails with error 17",
        body="Error 17 in pg_basebackup means the WAL archive directory is full. Free space or rotate archives.",
    )
    internal = make_article(
        by=agent,
        title="Keycloak admin password escalation runbook",
        body="Internal: how engineers reset a customer's Keycloak admin password remotely.",
        visibility=Visibility.INTERNAL,
    )
    rebuild()  # tests do not commit, so the on-commit indexing task never runs: index now
    return AssistWorld(agent, org, customer, reset, backup, internal)
