"""A small world for the SLA run-time tests: a plan with 24×7 policies (P3: first response 1 h, next response 2 h,
resolution 8 h, warning at 75%; P2: first response 30 min), escalation steps on P3's first response, two teams (the
first with a lead), an assignee, and a clock the test moves (`world.at(hours)`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from upstream.accounts.models import Team, User
from upstream.core import clock
from upstream.core.testing import make_agent, make_contact, make_contract, make_org, make_plan, make_team, make_ticket
from upstream.customers.models import Contact, Organisation
from upstream.sla import services as sla_services
from upstream.sla.models import EscalationAction, EscalationStep, SlaPolicy, Trigger
from upstream.tickets import services
from upstream.tickets.models import Ticket

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@dataclass
class World:
    monkeypatch: Any
    policy: SlaPolicy
    org: Organisation
    contact: Contact
    agent: User
    lead: User
    team: Team
    other_team: Team

    def at(self, hours: float) -> datetime:
        moment = T0 + timedelta(hours=hours)
        self.monkeypatch.setattr(clock, "now", lambda: moment)
        return moment

    def ticket(self, **fields: Any) -> Ticket:
        ticket = make_ticket(self.contact, self.org, priority=fields.pop("priority", 3), **fields)
        services.update_ticket(by=self.agent, ticket=ticket, changes=services.TicketChanges(assignee=self.agent))
        return Ticket.objects.get(id=ticket.id)

    def steps(self, *rows: tuple[str, str, str]) -> None:
        for order, (metric, trigger, action) in enumerate(rows):
            team = self.other_team if action == EscalationAction.MOVE_TO_TEAM else None
            EscalationStep.objects.create(
                policy=self.policy, metric=metric, trigger=trigger, action=action, team=team, order=order
            )


def build_world(monkeypatch: Any) -> World:
    monkeypatch.setattr(clock, "now", lambda: T0)
    plan = make_plan(highest_priority=1)
    policy = sla_services.save_policy(
        by=None, plan=plan, priority=3, first_response_minutes=60, next_response_minutes=120,
        resolution_minutes=480, warn_at_percent=75,
    )  # fmt: skip
    sla_services.save_policy(
        by=None, plan=plan, priority=2, first_response_minutes=30, next_response_minutes=60, resolution_minutes=240
    )
    lead = make_agent(full_name="Lena Lead")
    team = make_team("Frontline", lead=lead)
    other = make_team("Escalations")
    agent = make_agent(team, full_name="Ada Agent")
    org = make_org(team=team)
    make_contract(org, plan, starts_on=T0.date() - timedelta(days=30), ends_on=T0.date() + timedelta(days=300))
    return World(monkeypatch, policy, org, make_contact(org), agent, lead, team, other)


@pytest.fixture
def world(db, monkeypatch) -> World:
    return build_world(monkeypatch)


BREACH_STEPS = (
    ("first_response", Trigger.WARNING, EscalationAction.NOTIFY_ASSIGNEE),
    ("first_response", Trigger.BREACH, EscalationAction.NOTIFY_TEAM_LEAD),
    ("first_response", Trigger.BREACH, EscalationAction.RAISE_TIER),
    ("first_response", Trigger.BREACH, EscalationAction.MOVE_TO_TEAM),
)
