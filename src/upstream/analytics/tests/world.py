"""A small world for the analytics tests, played through the real services with a clock the test moves.

Two teams (Platform led by `lead`, Database led by `lead2`), agents `ada` (Platform) and `bo` (Database), an admin;
organisation A on the Gold plan (P3: first response 60 min and resolution 8 h on an office calendar, Mon–Fri
09:00–18:00 Asia/Shanghai; P2 around the clock) with an organisation admin, organisation B with no contract (no
policy). `build_history()` plays a week of tickets: replies, resolutions, a reopen, a merge, CSAT and NPS answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from upstream.accounts.models import Team, User
from upstream.core import clock
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
)
from upstream.customers.models import Channel, Contact, Organisation, Product, SupportPlan
from upstream.sla import services as sla_services
from upstream.surveys.models import CsatSurvey, NpsSurvey
from upstream.tickets import services
from upstream.tickets.models import Category, Status, Ticket

# Monday 16 November 2026, 09:00 in Shanghai.
T0 = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)
OFFICE_HOURS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@dataclass
class World:
    monkeypatch: Any
    commit: Callable[..., Any]
    admin: User
    lead: User
    lead2: User
    ada: User
    bo: User
    platform: Team
    database: Team
    plan: SupportPlan
    product: Product
    org_a: Organisation
    org_b: Organisation
    a_admin: Contact
    a_user: Contact
    b_admin: Contact
    tickets: list[Ticket] = field(default_factory=list)
    named: dict[str, Ticket] = field(default_factory=dict)

    def at(self, hours: float) -> datetime:
        moment = T0 + timedelta(hours=hours)
        self.monkeypatch.setattr(clock, "now", lambda: moment)
        return moment

    def run(self, action: Callable[[], Any]) -> Any:
        """Run a service call and its after-commit reactions (SLA recompute, fact refresh), as a request would."""
        with self.commit(execute=True):
            return action()

    def open(self, contact: Contact, org: Organisation, hours: float, **fields: Any) -> Ticket:
        self.at(hours)
        ticket: Ticket = self.run(lambda: make_ticket(contact, org, **fields))
        self.tickets.append(ticket)
        return ticket

    def assign(self, ticket: Ticket, agent: User, team: Team, hours: float) -> None:
        self.at(hours)
        changes = services.TicketChanges(assignee=agent, team=team)
        self.run(lambda: services.update_ticket(by=agent, ticket=ticket, changes=changes))

    def reply(self, ticket: Ticket, agent: User, hours: float) -> None:
        self.at(hours)
        self.run(lambda: services.reply(by=agent, ticket=ticket, body="Looking into it."))

    def status(self, ticket: Ticket, by: User, status: str, hours: float) -> None:
        self.at(hours)
        self.run(lambda: services.change_status(by=by, ticket=ticket, status=status))

    def csat(self, ticket: Ticket, score: int | None, hours: float) -> None:
        moment = self.at(hours)
        fresh = Ticket.objects.get(id=ticket.id)
        CsatSurvey.objects.update_or_create(
            ticket=fresh,
            defaults={
                "contact": fresh.requester,
                "organisation": fresh.organisation,
                "agent": fresh.assignee,
                "team": fresh.team,
                "sent_at": moment,
                "score": score,
                "answered_at": moment if score is not None else None,
            },
        )

    def nps(self, contact: Contact, org: Organisation, score: int | None, hours: float) -> None:
        moment = self.at(hours)
        NpsSurvey.objects.create(
            contact=contact, organisation=org, sent_at=moment, score=score, answered_at=moment if score else None
        )


def build_world(monkeypatch: Any, commit: Callable[..., Any]) -> World:
    monkeypatch.setattr(clock, "now", lambda: T0 - timedelta(days=1))
    office = sla_services.save_calendar(by=None, name="Office", time_zone="Asia/Shanghai", hours=OFFICE_HOURS)
    plan = make_plan("Gold", highest_priority=1)
    sla_services.save_policy(
        by=None, plan=plan, priority=3, first_response_minutes=60, next_response_minutes=240,
        resolution_minutes=480, first_response_calendar=office, next_response_calendar=office,
        resolution_calendar=office,
    )  # fmt: skip
    sla_services.save_policy(
        by=None, plan=plan, priority=2, first_response_minutes=30, next_response_minutes=60, resolution_minutes=240
    )
    lead, lead2 = make_agent(full_name="Lena Lead"), make_agent(full_name="Leo Lead")
    platform, database = make_team("Platform", lead=lead), make_team("Database", lead=lead2)
    platform.members.add(lead)
    database.members.add(lead2)
    ada, bo = make_agent(platform, full_name="Ada Agent"), make_agent(database, full_name="Bo Agent")
    org_a, org_b = make_org("Org A", team=platform), make_org("Org B", team=database)
    product = make_product("PostgreSQL")
    make_contract(org_a, plan, products=(product,), starts_on=T0.date() - timedelta(days=60))
    return World(
        monkeypatch, commit, make_admin(full_name="Ann Admin"), lead, lead2, ada, bo, platform, database, plan,
        product, org_a, org_b, make_contact(org_a, admin=True), make_contact(org_a), make_contact(org_b, admin=True),
    )  # fmt: skip


def build_history(w: World) -> None:
    """A few days of tickets in both organisations, every kind of event the facts read, in time order (the SLA
    replay refuses a clock that runs backwards). Named in `w.named`: t1 … t6."""
    t = w.named
    # t1 (A): answered in 30 min, resolved after 6 h, CSAT 5.
    t["t1"] = w.open(w.a_user, w.org_a, 0.0, category=Category.DEFECT, product=w.product)
    w.assign(t["t1"], w.ada, w.platform, 0.2)
    w.reply(t["t1"], w.ada, 0.5)
    # t6 (A): a duplicate, merged into t3 later (it leaves the figures).
    t["t6"] = w.open(w.a_user, w.org_a, 1.0)
    # t4 (B): no contract, Database team, answered by bo, resolved, CSAT 4.
    t["t4"] = w.open(w.b_admin, w.org_b, 3.0, category=Category.DEFECT)
    w.assign(t["t4"], w.bo, w.database, 3.5)
    w.reply(t["t4"], w.bo, 4.0)
    w.status(t["t1"], w.ada, Status.RESOLVED, 6.0)
    w.csat(t["t1"], 5, 8.0)
    # t2 (A): opened at 23:00 Shanghai, outside office hours: the business clock waits; first response breached.
    t["t2"] = w.open(w.a_admin, w.org_a, 14.0, category=Category.HOWTO, priority=3, channel=Channel.EMAIL)
    w.status(t["t4"], w.bo, Status.RESOLVED, 20.0)
    w.csat(t["t4"], 4, 21.0)
    w.assign(t["t2"], w.ada, w.platform, 24.5)
    w.reply(t["t2"], w.ada, 26.0)
    w.status(t["t2"], w.ada, Status.RESOLVED, 30.0)
    w.csat(t["t2"], 2, 31.0)
    w.status(t["t2"], w.ada, Status.OPEN, 32.0)  # reopened, resolved again
    w.status(t["t2"], w.ada, Status.RESOLVED, 33.0)
    # NPS answers: a promoter, a passive, a detractor; one unanswered.
    w.nps(w.a_admin, w.org_a, 10, 40.0)
    w.nps(w.a_user, w.org_a, 7, 41.0)
    w.nps(w.b_admin, w.org_b, 3, 42.0)
    w.nps(w.a_user, w.org_a, None, 43.0)
    # t3 (A): P2 outage, answered, still open (backlog); t6 merged into it.
    t["t3"] = w.open(w.a_user, w.org_a, 50.0, category=Category.OUTAGE, priority=2)
    w.assign(t["t3"], w.ada, w.platform, 50.1)
    w.at(50.2)
    w.run(lambda: services.merge_tickets(by=w.ada, source=t["t6"], target=t["t3"]))
    w.reply(t["t3"], w.ada, 50.3)
    # t5 (B): never answered, unassigned (backlog).
    t["t5"] = w.open(w.b_admin, w.org_b, 70.0, category=Category.PRESALES)
    w.at(96.0)


@pytest.fixture
def world(db: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any) -> World:
    return build_world(monkeypatch, django_capture_on_commit_callbacks)


@pytest.fixture
def history(world: World) -> World:
    build_history(world)
    return world


def build_small(w: World) -> World:
    """Two tickets: one in organisation A (Platform, Ada), one in B (Database, Bo), both answered."""
    a = w.open(w.a_user, w.org_a, 0.0, category=Category.DEFECT)
    w.assign(a, w.ada, w.platform, 0.1)
    w.reply(a, w.ada, 0.5)
    b = w.open(w.b_admin, w.org_b, 1.0, category=Category.DEFECT)
    w.assign(b, w.bo, w.database, 1.1)
    w.reply(b, w.bo, 2.0)
    w.named.update({"a": a, "b": b})
    w.at(24.0)
    return w


@pytest.fixture
def small(world: World) -> World:
    return build_small(world)
