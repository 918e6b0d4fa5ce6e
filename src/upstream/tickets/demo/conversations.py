"""About 200 demo tickets with believable conversations, played through the ticket services.

Each ticket is a short story (customer asks, agent triages and replies, notes, status changes …) whose steps run
with the clock moved to the moment they happen, so created/first-responded/resolved/closed times, message times and
the activity log are exactly what the services would have recorded then. Only what no service does is written
directly: mail from contacts without a login (the email channel's job later), and `updated_at`, which Django stamps
with the wall clock.
"""

from __future__ import annotations

import random
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from upstream.accounts.models import User
from upstream.core import clock
from upstream.core.html import text_to_html
from upstream.customers.models import Channel, Contact, Contract
from upstream.tickets import rules, services
from upstream.tickets.attachments import store_attachments
from upstream.tickets.demo import scenarios_en, scenarios_zh
from upstream.tickets.demo.reference import PRODUCT_TEAM, OrgData, Reference
from upstream.tickets.demo.scenarios import Output, Phrases, Scenario, fill, host_for
from upstream.tickets.models import Activity, Attachment, Message, MessageKind, Platform, Status, Ticket, Tier

DEMO_TICKETS = 200
# Share of each final status among the demo tickets (most history is done; a working backlog remains).
STATUS_SHARE: dict[str, int] = {
    Status.NEW: 7,
    Status.OPEN: 15,
    Status.WAITING_CUSTOMER: 10,
    Status.WAITING_INTERNAL: 6,
    Status.RESOLVED: 10,
    Status.CLOSED: 52,
}
# How long ago (hours) a ticket that ends in this status was opened.
AGE_HOURS: dict[str, tuple[float, float]] = {
    Status.NEW: (0.3, 30),
    Status.OPEN: (2, 20 * 24),
    Status.WAITING_CUSTOMER: (24, 25 * 24),
    Status.WAITING_INTERNAL: (48, 60 * 24),
    Status.RESOLVED: (36, 12 * 24),
    Status.CLOSED: (10 * 24, 90 * 24),
}
LANGUAGES: dict[str, tuple[Phrases, tuple[Scenario, ...]]] = {
    "en": (scenarios_en.PHRASES, scenarios_en.SCENARIOS),
    "zh": (scenarios_zh.PHRASES, scenarios_zh.SCENARIOS),
}
MINUTE = 60.0
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def status_counts(total: int) -> dict[str, int]:
    """Split `total` tickets over the statuses in STATUS_SHARE (every status gets at least one from 6 up)."""
    weight = sum(STATUS_SHARE.values())
    counts = {
        s: max(1, total * share // weight) if total >= len(STATUS_SHARE) else 0 for s, share in STATUS_SHARE.items()
    }
    counts[Status.CLOSED] += total - sum(counts.values())
    return counts


@dataclass
class Plan:
    """One demo ticket before it is played: who, what, when, and how it ends."""

    org: OrgData
    requester: Contact
    scenario: Scenario
    phrases: Phrases
    status: str
    created_at: datetime
    values: dict[str, str]
    version_index: int
    assignee: User
    variant: float
    steps: list[tuple[float, Callable[[], None]]] = field(default_factory=list)
    ticket: Ticket | None = None


@contextmanager
def clock_at(moment: list[datetime]) -> Iterator[None]:
    """Make `upstream.core.clock.now()` return moment[0] (which the caller moves forward)."""
    with mock.patch.object(clock, "now", lambda: moment[0]):
        yield


class DemoBuilder:
    def __init__(self, ref: Reference, *, now: datetime, seed: int = 3) -> None:
        self.ref = ref
        self.now = now
        self.rng = random.Random(seed)
        self.used: set[tuple[str, str]] = set()

    # Planning ------------------------------------------------------------------------------------------------

    def plans(self, count: int) -> list[Plan]:
        rng = self.rng
        statuses = [s for s, n in status_counts(count).items() for _ in range(n)]
        rng.shuffle(statuses)
        orgs = self.ref.orgs
        weights = [o.spec.weight for o in orgs]
        drafts = []
        for status in statuses:
            low, high = AGE_HOURS[status]
            drafts.append((self.now - timedelta(hours=rng.uniform(low, high)), rng.choices(orgs, weights)[0], status))
        drafts.sort(key=lambda d: d[0])
        # Each organisation works through its own shuffled deck of scenarios, so a request repeats only after
        # the others have come up, and rarely twice in the same weeks.
        decks: dict[str, list[Scenario]] = {}
        plans = [self._plan(org, status, moment, self._next_scenario(org, decks)) for moment, org, status in drafts]
        plans.sort(key=lambda p: p.created_at)  # numbers are handed out in time order
        return plans

    def _next_scenario(self, org: OrgData, decks: dict[str, list[Scenario]]) -> Scenario:
        deck = decks.setdefault(org.spec.name, [])
        while True:
            if not deck:
                _phrases, scenarios = LANGUAGES[org.spec.language]
                channels = {c for contract in org.contracts for c in contract.plan.channels}
                deck.extend(
                    s
                    for s in scenarios
                    if (s.product is None or s.product in org.products) and (not s.channel or s.channel in channels)
                )
                self.rng.shuffle(deck)
            scenario = deck.pop()
            # A customer is onboarded once and asks for a given quote once; outages are rarer than questions.
            once = scenario.category in (rules.CategoryValue.ONBOARDING, rules.CategoryValue.PRESALES)
            if once and (org.spec.name, scenario.subject) in self.used:
                continue
            if scenario.category == rules.CategoryValue.OUTAGE and not scenario.channel and self.rng.random() < 0.5:
                continue
            self.used.add((org.spec.name, scenario.subject))
            return scenario

    def _plan(self, org: OrgData, status: str, moment: datetime, scenario: Scenario) -> Plan:
        rng = self.rng
        phrases = LANGUAGES[org.spec.language][0]
        requester = rng.choices(
            org.contacts, [3 if c.user and c.user.has_usable_password() else 1 for c in org.contacts]
        )[0]
        versions = self.ref.versions.get(scenario.product or "", [])
        version_index = rng.choices(range(len(versions)), range(1, len(versions) + 1))[0] if versions else -1
        created = self._working_time(org, moment, scenario)
        values = {
            "host": host_for(phrases, scenario.product, rng.random()),
            "version": versions[version_index].name if versions else "",
            "product": scenario.product or "",
        }
        team_key = PRODUCT_TEAM.get(scenario.product or "", org.spec.team or "")
        members = self.ref.members(team_key) if team_key else self.ref.agents
        speakers = [a for a in members if a.language[:2] == org.spec.language[:2]] or members
        assignee = rng.choice(members if rng.random() < 0.15 else speakers)
        return Plan(
            org=org, requester=requester, scenario=scenario, phrases=phrases, status=status, created_at=created,
            values=values, version_index=version_index, assignee=assignee, variant=rng.random(),
        )  # fmt: skip

    def _working_time(self, org: OrgData, moment: datetime, scenario: Scenario) -> datetime:
        """Most requests arrive in the customer's office hours on weekdays; outages arrive whenever."""
        if scenario.category == rules.CategoryValue.OUTAGE or self.rng.random() < 0.15:
            return moment
        local = moment.astimezone(zoneinfo.ZoneInfo(org.spec.time_zone))
        day = local.date()
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        start = datetime.combine(day, time(9), tzinfo=local.tzinfo)
        shifted = start + timedelta(minutes=self.rng.uniform(0, 8.5 * 60))
        if shifted > self.now - timedelta(minutes=20) or abs(shifted - moment) > timedelta(days=1.5):
            return moment
        return shifted

    # Playing -------------------------------------------------------------------------------------------------

    def play(self, plan: Plan) -> Ticket:
        story = _Story(self, plan)
        story.write()
        offsets, total = [], 0.0
        for delay, _step in plan.steps:
            total += delay
            offsets.append(total)
        room = (self.now - timedelta(minutes=2) - plan.created_at).total_seconds()
        scale = min(1.0, room / total) if total > 0 else 1.0
        moment = [plan.created_at]
        with clock_at(moment), transaction.atomic():
            for offset, (_delay, step) in zip(offsets, plan.steps, strict=True):
                moment[0] = plan.created_at + timedelta(seconds=offset * scale)
                step()
            assert plan.ticket is not None
            Ticket.objects.filter(id=plan.ticket.id).update(updated_at=moment[0])
        return plan.ticket


class _Story:
    """Turns a plan into timed steps that call the services."""

    def __init__(self, builder: DemoBuilder, plan: Plan) -> None:
        self.b = builder
        self.plan = plan
        self.rng = builder.rng
        self.s = plan.scenario
        self.p = plan.phrases
        self._priority: int | None = None

    def text(self, raw: str) -> str:
        return fill(raw, **self.plan.values)

    def add(self, delay: float, step: Callable[[], None]) -> None:
        self.plan.steps.append((delay, step))

    @property
    def ticket(self) -> Ticket:
        assert self.plan.ticket is not None
        return self.plan.ticket

    # Delays, in seconds.
    def first_response(self) -> float:
        minutes = {1: (4, 25), 2: (20, 150), 3: (60, 480), 4: (120, 1440)}[self.priority()]
        return self.rng.uniform(*minutes) * MINUTE

    def customer_delay(self) -> float:
        return self.rng.uniform(20, 1200) * MINUTE

    def agent_delay(self) -> float:
        return self.rng.uniform(30, 600) * MINUTE

    def priority(self) -> int:
        """The category's usual priority, one step off for a quarter of the tickets; fixed once chosen."""
        if self._priority is None:
            base = self.s.priority or rules.default_priority(self.s.category)
            if self.rng.random() < 0.25:
                base = min(4, max(1, base + self.rng.choice((-1, 1))))
            self._priority = base
        return self._priority

    # The story ------------------------------------------------------------------------------------------------

    def write(self) -> None:
        status, s, p, rng = self.plan.status, self.s, self.p, self.rng
        self.add(0, self.open)
        if status == Status.NEW:
            return
        triage = rng.uniform(2, 30) * MINUTE
        self.add(min(triage, self.first_response() * 0.5), self.triage)
        ask = s.ask or rng.choice(p.more_info)
        if status == Status.OPEN:
            if rng.random() < 0.4:
                self.add(rng.uniform(1, 20) * MINUTE, self.note(s.note or rng.choice(p.triage_note)))
            if s.ask:
                self.add(self.first_response(), self.agent(s.ask))
                if rng.random() < 0.6:
                    self.add(self.customer_delay(), self.customer(s.details, s.attachment))
            else:
                self.add(self.first_response(), self.agent(s.answer))
                if rng.random() < 0.5:
                    self.add(self.customer_delay(), self.customer(rng.choice(p.testing)))
        elif status == Status.WAITING_CUSTOMER:
            if s.ask and rng.random() < 0.4:
                self.add(self.first_response(), self.agent(s.ask))
                self.add(self.customer_delay(), self.customer(s.details, s.attachment))
                self.add(self.agent_delay(), self.agent(rng.choice(p.second_ask), Status.WAITING_CUSTOMER))
            else:
                self.add(self.first_response(), self.agent(ask, Status.WAITING_CUSTOMER))
        elif status == Status.WAITING_INTERNAL:
            if s.ask:
                self.add(self.first_response(), self.agent(s.ask))
                self.add(self.customer_delay(), self.customer(s.details, s.attachment))
            self.add(self.agent_delay(), self.note(rng.choice(p.escalation_note)))
            self.add(rng.uniform(1, 10) * MINUTE, self.escalate)
            self.add(rng.uniform(5, 60) * MINUTE, self.agent(rng.choice(p.engineering_update), Status.WAITING_INTERNAL))
        elif status == Status.RESOLVED:
            self.investigate()
            self.add(self.agent_delay(), self.agent(s.answer, Status.RESOLVED))
        else:
            self.closed_story()

    def investigate(self) -> None:
        s, rng = self.s, self.rng
        if s.ask:
            self.add(self.first_response(), self.agent(s.ask))
            self.add(self.customer_delay(), self.customer(s.details, s.attachment))
        if s.note and rng.random() < 0.6:
            self.add(rng.uniform(5, 90) * MINUTE, self.note(s.note))

    def closed_story(self) -> None:
        s, p, rng, variant = self.s, self.p, self.rng, self.plan.variant
        if variant < 0.04:  # a duplicate, closed without a reply
            self.add(self.first_response(), self.note(p.duplicate_note[0]))
            self.add(rng.uniform(1, 5) * MINUTE, self.set_status(Status.CLOSED))
            return
        self.investigate()
        delay = self.agent_delay() if s.ask else self.first_response()
        if variant < 0.55:
            self.add(delay, self.agent(s.answer, Status.RESOLVED))
        elif variant < 0.8:
            self.add(delay, self.agent(s.answer))
            self.add(self.customer_delay(), self.customer(rng.choice(p.thanks)))
            self.add(rng.uniform(10, 120) * MINUTE, self.set_status(Status.RESOLVED))
        else:
            self.add(delay, self.agent(s.answer, Status.RESOLVED))
            self.add(self.customer_delay() + DAY, self.customer(rng.choice(p.reopen)))
            self.add(self.agent_delay(), self.agent(rng.choice(p.reopen_answer), Status.RESOLVED))
        user = self.plan.requester.user
        if user is not None and user.has_usable_password() and rng.random() < 0.5:
            self.add(rng.uniform(1, 48) * HOUR, self.set_status(Status.CLOSED, by=user))
        else:  # closed by the agent when the customer confirmed or a week went by
            self.add(7 * DAY, self.set_status(Status.CLOSED))

    # Steps: each returns a callable that runs at its moment ------------------------------------------------

    def opener(self, channel: str) -> tuple[User, bool]:
        """Who opens the ticket, and whether the opening message is then attributed to the contact alone."""
        user = self.plan.requester.user
        if user is not None and channel in (Channel.PORTAL, Channel.CHAT, Channel.EMAIL, Channel.API):
            return user, False
        if channel == Channel.PHONE:
            return self.plan.assignee, False  # the agent logs the call
        return self.b.ref.admin, True  # mail or an alert from someone without a login

    def channel(self) -> str:
        if self.s.channel:
            return self.s.channel
        contract = self.contract()
        offered = contract.plan.channels if contract else [Channel.EMAIL, Channel.PORTAL]
        has_login = self.plan.requester.user is not None
        wanted = [Channel.PORTAL, Channel.EMAIL, Channel.CHAT, Channel.PHONE, Channel.API] if has_login else [
            Channel.EMAIL, Channel.PHONE]  # fmt: skip
        weights = {Channel.PORTAL: 5, Channel.EMAIL: 4, Channel.CHAT: 2, Channel.PHONE: 1, Channel.API: 1}
        options = [c for c in wanted if c in offered] or [Channel.EMAIL]
        return self.rng.choices(options, [weights[c] for c in options])[0]

    def contract(self) -> Contract | None:
        return self.b.ref.contract_on(self.plan.org, self.s.product, self.plan.created_at.date())

    def open(self) -> None:
        plan, s, rng = self.plan, self.s, self.rng
        ref = self.b.ref
        channel = self.channel()
        by, anonymous = self.opener(channel)
        product = ref.products[s.product] if s.product else None
        version = ref.versions[s.product][plan.version_index] if s.product else None
        priority = self.priority()
        if not by.is_staff_member:
            priority = max(priority, services.highest_priority_for(plan.org.organisation, product, clock.now().date()))
        intake = services.Intake()
        if s.category in (rules.CategoryValue.OUTAGE, rules.CategoryValue.DEFECT) or rng.random() < 0.3:
            contract = ref.contract_on(plan.org, s.product, plan.created_at.date())
            intake = services.Intake(
                platform=s.platform or rng.choice([p for p in Platform.values if p]),
                environment=rng.choice(self.p.environments) if rng.random() < 0.7 else "",
                recent_changes=rng.choice(self.p.recent_changes) if rng.random() < 0.6 else "",
                purchase_date=contract.starts_on if contract and rng.random() < 0.4 else None,
                access_notes=rng.choice(self.p.access_notes) if rng.random() < 0.25 else "",
            )
        new = services.NewTicket(
            organisation=plan.org.organisation,
            requester=plan.requester,
            subject=self.text(s.subject),
            body=self.text(s.opening),
            category=s.category,
            priority=priority,
            channel=channel,
            product=product,
            product_version=version,
            intake=intake,
            tags=[*s.tags, *([s.product.lower()] if s.product else [])],
        )
        ticket = services.open_ticket(by=by, new=new)
        if anonymous:
            Message.objects.filter(ticket=ticket).update(author_user=None)
            Activity.objects.filter(ticket=ticket, action="created").update(actor=None)
        # Entitlement as it was on the day (a contract that has expired since still entitled older tickets).
        contract = ref.contract_on(plan.org, s.product, plan.created_at.date())
        if ticket.contract_id != (contract.id if contract else None):
            Ticket.objects.filter(id=ticket.id).update(contract=contract)
        plan.ticket = ticket

    def triage(self) -> None:
        plan = self.plan
        team_key = PRODUCT_TEAM.get(self.s.product or "", plan.org.spec.team or "")
        team = self.b.ref.teams.get(team_key) if team_key else None
        keep_unassigned = plan.status == Status.OPEN and plan.variant > 0.9
        changes = services.TicketChanges(
            team=team,
            assignee=None if keep_unassigned else plan.assignee,
            tier=Tier.L2 if self.s.category in (rules.CategoryValue.OUTAGE, rules.CategoryValue.DEFECT) else None,
        )
        plan.ticket = services.update_ticket(by=plan.assignee, ticket=self.ticket, changes=changes)

    def escalate(self) -> None:
        changes = services.TicketChanges(tier=Tier.ENGINEERING)
        self.plan.ticket = services.update_ticket(by=self.plan.assignee, ticket=self.ticket, changes=changes)
        services.change_status(by=self.plan.assignee, ticket=self.ticket, status=Status.WAITING_INTERNAL)

    def agent(self, raw: str, then_status: str | None = None) -> Callable[[], None]:
        def step() -> None:
            channel = self.ticket.channel
            if channel not in (Channel.PORTAL, Channel.CHAT, Channel.EMAIL):
                channel = Channel.EMAIL
            services.reply(
                by=self.plan.assignee, ticket=self.ticket, body=self.text(raw), channel=channel,
                then_status=then_status if then_status != self.ticket.status else None,
            )  # fmt: skip

        return step

    def customer(self, raw: str, attachment: tuple[str, str] | None = None) -> Callable[[], None]:
        def step() -> None:
            body = self.text(raw)
            uploads = []
            if attachment is not None:
                name, content = attachment
                uploads.append(SimpleUploadedFile(name, content.encode(), content_type="text/plain"))
            user = self.plan.requester.user
            if user is not None:
                channel = (
                    self.ticket.channel if self.ticket.channel in (Channel.PORTAL, Channel.CHAT) else Channel.EMAIL
                )
                services.reply(by=user, ticket=self.ticket, body=body, channel=channel, uploads=uploads)
            else:
                inbound_mail(self.ticket, self.plan.requester, body, uploads)
            Attachment.objects.filter(message__ticket=self.ticket, created_at__gt=clock.now()).update(
                created_at=clock.now()
            )

        return step

    def note(self, raw: str) -> Callable[[], None]:
        def step() -> None:
            services.add_note(by=self.plan.assignee, ticket=self.ticket, body=self.text(raw))

        return step

    def set_status(self, status: str, *, by: User | None = None) -> Callable[[], None]:
        def step() -> None:
            services.change_status(by=by or self.plan.assignee, ticket=self.ticket, status=status)

        return step


def inbound_mail(ticket: Ticket, contact: Contact, body: str, uploads: list[SimpleUploadedFile]) -> Message:
    """A reply by mail from a contact without a login, recorded as the email channel will record it."""
    locked = Ticket.objects.select_for_update().get(id=ticket.id)
    now = clock.now()
    message = Message.objects.create(
        ticket=locked, kind=MessageKind.PUBLIC, channel=Channel.EMAIL, author_contact=contact,
        body_text=body, body_html=text_to_html(body), created_at=now,
    )  # fmt: skip
    store_attachments(message, uploads)
    Activity.objects.create(ticket=locked, actor=None, action="replied", after={"message": message.id}, created_at=now)
    target = rules.status_after_customer_message(locked.status)
    if target and target != locked.status:
        before = locked.status
        locked.status = target
        if before == Status.RESOLVED:
            locked.resolved_at = None
        locked.save(update_fields=["status", "resolved_at", "updated_at"])
        Activity.objects.create(
            ticket=locked, actor=None, action="changed", field="status", before=before, after=target, created_at=now
        )
    ticket.status, ticket.resolved_at = locked.status, locked.resolved_at
    return message


def load_demo(ref: Reference, *, now: datetime, count: int = DEMO_TICKETS, out: Output | None = None) -> int:
    builder = DemoBuilder(ref, now=now)
    plans = builder.plans(count)
    for index, plan in enumerate(plans, 1):
        builder.play(plan)
        if out is not None and (index % 50 == 0 or index == len(plans)):
            out.write(f"  {index}/{len(plans)} demo tickets\n")
    return len(plans)
