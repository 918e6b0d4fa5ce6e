"""Many tickets, fast: history for benchmarks (`upstream generate --tickets N`).

Rows are built in Python from the demo reference data and written in batches: with PostgreSQL's COPY (psycopg 3)
or, on SQLite, bulk_create. Numbers are reserved from TicketCounter in one step; row ids for tickets and messages come
from their sequences up front, so messages and activity entries can point at them without reading anything back.

Every ticket gets its opening message and a "created" entry; tickets an agent has picked up also get the
assignment, the first public reply (which sets first_responded_at) and their status changes, with times that follow
each other and end before now. `messages_per_ticket` adds a back-and-forth conversation after the first reply (so a
million tickets can carry five million messages); a few resolved tickets are reopened by the customer and resolved
again; resolved tickets get CSAT surveys (most unanswered) and contacts periodic NPS surveys.
"""

from __future__ import annotations

import bisect
import json
import random
import time as timer
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.db import connection, models, transaction

from upstream.core.html import text_to_html
from upstream.customers.models import Channel, Contact, Contract, ProductVersion
from upstream.tickets import rules, services
from upstream.tickets.demo.conversations import LANGUAGES
from upstream.tickets.demo.reference import PRODUCT_TEAM, OrgData, Reference
from upstream.tickets.demo.scenarios import Output, Scenario, fill, host_for
from upstream.tickets.models import Activity, Category, Message, MessageKind, Platform, Status, Ticket, Tier

HISTORY_DAYS = 730
CATEGORY_WEIGHTS = {
    Category.OUTAGE: 5, Category.ONBOARDING: 10, Category.DEFECT: 30, Category.PRESALES: 10, Category.HOWTO: 45,
}  # fmt: skip
CHANNEL_WEIGHTS = {
    Channel.EMAIL: 40, Channel.PORTAL: 35, Channel.CHAT: 10, Channel.PHONE: 5, Channel.API: 5, Channel.MONITORING: 5,
}  # fmt: skip
TIER_WEIGHTS = {Tier.L1: 60, Tier.L2: 30, Tier.ENGINEERING: 8, Tier.MANAGEMENT: 2}
# (younger than, in days) -> share of tickets still being worked on: most history is resolved and closed.
ACTIVE_SHARE = ((2, 0.70), (7, 0.45), (30, 0.12), (180, 0.025), (None, 0.004))
AUTO_CLOSE = timedelta(days=7)
FIRST_RESPONSE_MINUTES = {1: (4, 30), 2: (15, 180), 3: (60, 600), 4: (120, 1800)}
# Median hours from the first reply to the resolution, per priority (log-normal around it, sigma below).
RESOLUTION_MEDIAN_HOURS = {1: 3.0, 2: 10.0, 3: 24.0, 4: 48.0}
RESOLUTION_SIGMA = 0.9
REOPEN_SHARE = 0.05  # of resolved tickets, reopened once by the customer
CSAT_SENT_SHARE = 0.8  # of resolved tickets with a requester
CSAT_ANSWER_SHARE = 0.35
CSAT_SCORES, CSAT_WEIGHTS = (1, 2, 3, 4, 5), (4, 5, 11, 30, 50)
NPS_EVERY_DAYS, NPS_ANSWER_SHARE = 90, 0.4
NPS_WEIGHTS = (2, 1, 1, 2, 2, 3, 4, 8, 15, 30, 32)  # scores 0..10

TICKET_COLUMNS = (
    "number", "subject", "status", "priority", "category", "channel", "organisation_id", "requester_id",
    "contract_id", "product_id", "product_version_id", "assignee_id", "team_id", "tier", "platform",
    "created_at", "updated_at", "first_responded_at", "resolved_at", "closed_at",
)  # fmt: skip
MESSAGE_COLUMNS = (
    "ticket_id", "kind", "channel", "author_user_id", "author_contact_id", "body_text", "body_html", "created_at",
)  # fmt: skip
ACTIVITY_COLUMNS = ("ticket_id", "actor_id", "action", "field", "before", "after", "created_at")
CSAT_COLUMNS = ("ticket_id", "contact_id", "organisation_id", "agent_id", "team_id", "sent_at", "score", "answered_at")
NPS_COLUMNS = ("contact_id", "organisation_id", "sent_at", "score", "answered_at")


@dataclass
class BulkResult:
    tickets: int
    messages: int
    activities: int
    seconds: float
    first_number: int
    last_number: int
    csat_surveys: int = 0
    nps_surveys: int = 0


class Table:
    """Column order for one model: the columns we fill, then every other column with its default."""

    def __init__(self, model: type[models.Model], supplied: Sequence[str]) -> None:
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
        unknown = set(supplied) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
        self.extra = [f for name, f in fields.items() if name not in supplied]
        self.attnames = [*supplied, *(f.attname for f in self.extra)]
        self.columns = [fields[a].column for a in self.attnames]
        self.json_positions = [i for i, a in enumerate(self.attnames) if isinstance(fields[a], models.JSONField)]

    def defaults(self) -> tuple[Any, ...]:
        return tuple(f.get_default() for f in self.extra)


class Writer:
    """Inserts rows and hands out ids; one implementation per database family."""

    def begin(self) -> None:
        """Called at the start of each batch's transaction."""

    def insert(self, table: Table, rows: list[tuple[Any, ...]], *, ids: bool) -> list[int]:
        raise NotImplementedError

    def finish(self, *tables: str) -> None:
        pass


class CopyWriter(Writer):
    """PostgreSQL: ids from the table's sequence in one query, rows through COPY FROM STDIN."""

    def begin(self) -> None:
        # Generated data needs no durability guarantee at each commit; not waiting for the WAL flush of every
        # batch saves a third of the time. (A crash loses at most the last batches, never consistency.)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")

    def _reserve(self, table: Table, count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table.model._meta.db_table, count],
            )
            return [row[0] for row in cursor.fetchall()]

    def insert(self, table: Table, rows: list[tuple[Any, ...]], *, ids: bool) -> list[int]:
        if not rows:
            return []
        quote = connection.ops.quote_name
        columns = [*(["id"] if ids else []), *table.columns]
        sql = f"COPY {quote(table.model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
        reserved = self._reserve(table, len(rows)) if ids else []
        extra = table.defaults()
        positions = table.json_positions
        with connection.cursor() as cursor:
            raw = cursor.connection  # the psycopg 3 connection behind Django's
            with raw.cursor() as pg, pg.copy(sql) as copy:
                for index, row in enumerate(rows):
                    values = [*row, *extra]
                    for position in positions:
                        values[position] = None if values[position] is None else json.dumps(values[position])
                    copy.write_row([reserved[index], *values] if ids else values)
        return reserved

    def finish(self, *tables: str) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tickets_ticket, tickets_message, tickets_activity")
            for table in tables:
                cursor.execute(f"ANALYZE {quote(table)}")


class OrmWriter(Writer):
    """Any other database (SQLite): bulk_create, which returns the new ids. (bulk_create stamps `updated_at` with
    the wall clock; on PostgreSQL it is the ticket's last event.)"""

    def insert(self, table: Table, rows: list[tuple[Any, ...]], *, ids: bool) -> list[int]:
        extra = table.defaults()
        objects = [table.model(**dict(zip(table.attnames, (*row, *extra), strict=True))) for row in rows]
        created = table.model._default_manager.bulk_create(objects, batch_size=500)
        return [obj.pk for obj in created] if ids else []


def writer_for_database() -> Writer:
    return CopyWriter() if connection.vendor == "postgresql" else OrmWriter()


@dataclass(frozen=True)
class Requester:
    org_index: int
    org: OrgData
    contact: Contact
    user_id: int | None
    pool: dict[str, list[int]]  # category -> indexes of the scenarios that fit this organisation


class Story(NamedTuple):
    """What happened to one generated ticket, kept until its id is known."""

    channel: str
    opener: int | None  # the user who opened it (None: mail, phone or an alert)
    contact: int
    opening: tuple[str, str]  # text, html
    reply: tuple[str, str]
    created: datetime
    priority: int
    responder: int | None
    assignee: int | None
    first: datetime | None
    status: str
    changed_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopen: tuple[datetime, datetime] | None  # (first resolved, reopened by the customer), resolved again later
    extra: tuple[datetime, ...]  # later messages, alternating customer and agent, after the first reply
    org: int
    team: int | None


class TicketFactory:
    """Builds the rows of a batch of tickets, their messages and activity entries, from the demo reference data."""

    def __init__(self, ref: Reference, *, now: datetime, seed: int, messages_per_ticket: float = 0.0) -> None:
        self.ref = ref
        # Messages beyond the opening and the first reply, on average per answered ticket.
        self.extra_mean = max(0.0, messages_per_ticket - 2.0)
        self.now = now
        self.rng = random.Random(seed)
        self.requesters: list[Requester] = []
        self.requester_weights: list[int] = []
        for org_index, org in enumerate(ref.orgs):
            _phrases, scenarios = LANGUAGES[org.spec.language]
            fitting = [i for i, s in enumerate(scenarios) if s.product is None or s.product in org.products]
            pool = {c: [i for i in fitting if scenarios[i].category == c] or fitting for c in Category.values}
            for contact in org.contacts:
                self.requesters.append(Requester(org_index, org, contact, contact.user_id, pool))
                self.requester_weights.append(org.spec.weight * (3 if contact.user_id else 1))
        self.releases = {name: [v.released_on or date.min for v in versions] for name, versions in ref.versions.items()}
        self.agents: dict[tuple[str, str], list[int]] = {}
        for key in ref.teams:
            members = ref.members(key)
            for language in LANGUAGES:
                speakers = [a.id for a in members if a.language[:2] == language]
                self.agents[key, language] = speakers or [a.id for a in members]
        self.all_agents = [a.id for a in ref.agents]
        self.agent_names = {a.id: a.display_name for a in ref.agents}
        self.categories, self.category_weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
        self.channels, self.channel_weights = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
        self.tiers, self.tier_weights = list(TIER_WEIGHTS), list(TIER_WEIGHTS.values())
        self.platforms = [p for p in Platform.values if p]
        self._texts: dict[tuple[str, int, str, str], tuple[str, tuple[str, str], tuple[str, str]]] = {}
        self._contracts: dict[tuple[int, str | None, date], int | None] = {}

    def texts(self, language: str, index: int, version: str, host: str) -> tuple[str, tuple[str, str], tuple[str, str]]:
        """Subject, opening and first reply, rendered once and shared by every row that uses them."""
        key = (language, index, version, host)
        if key not in self._texts:
            s = LANGUAGES[language][1][index]
            values = {"version": version, "host": host, "product": s.product or ""}
            opening, reply = fill(s.opening, **values), fill(s.ask or s.answer, **values)
            self._texts[key] = (
                fill(s.subject, **values)[:250],
                (opening, text_to_html(opening)),
                (reply, text_to_html(reply)),
            )
        return self._texts[key]

    def contract_id(self, requester: Requester, product: str | None, day: date) -> int | None:
        key = (requester.org_index, product, day)
        if key not in self._contracts:
            contract: Contract | None = self.ref.contract_on(requester.org, product, day)
            self._contracts[key] = contract.id if contract else None
        return self._contracts[key]

    def status_for(self, age: timedelta) -> str:
        """Active with a probability that falls with age; otherwise closed (or resolved, decided by the times)."""
        days = age.total_seconds() / 86400
        share = next(s for limit, s in ACTIVE_SHARE if limit is None or days < limit)
        if self.rng.random() >= share:
            return Status.CLOSED
        weights = (35, 35, 20, 10) if days < 2 else (5, 40, 35, 20)
        return self.rng.choices(rules.ACTIVE_STATUSES, weights)[0]

    def version(self, product: str, created: date) -> ProductVersion:
        """A version released before the ticket, usually one of the newest."""
        newest = max(0, bisect.bisect_right(self.releases[product], created) - 1)
        return self.ref.versions[product][max(0, newest - int(self.rng.expovariate(1.2)))]

    def batch(self, numbers: Sequence[int], start: datetime, end: datetime) -> BatchRows:
        rng = self.rng
        span = (end - start).total_seconds()
        moments = sorted(start + timedelta(seconds=rng.random() * span) for _ in numbers)
        requesters = rng.choices(self.requesters, self.requester_weights, k=len(numbers))
        categories = rng.choices(self.categories, self.category_weights, k=len(numbers))
        channels = rng.choices(self.channels, self.channel_weights, k=len(numbers))
        rows = BatchRows()
        for row in zip(numbers, moments, requesters, categories, channels, strict=True):
            rows.add(self, *row)
        return rows


class BatchRows:
    """Rows of one batch; message and activity rows are completed once the ticket ids are known."""

    def __init__(self) -> None:
        self.tickets: list[tuple[Any, ...]] = []
        self.stories: list[Story] = []

    def add(self, f: TicketFactory, number: int, created: datetime, r: Requester, category: str, channel: str) -> None:
        rng, now, org = f.rng, f.now, r.org
        language = org.spec.language
        index = rng.choice(r.pool[category])
        scenario: Scenario = LANGUAGES[language][1][index]
        product = scenario.product
        version = f.version(product, created.date()) if product else None
        host = host_for(LANGUAGES[language][0], product, rng.random())
        subject, opening, reply = f.texts(language, index, version.name if version else "", host)
        if channel in (Channel.PORTAL, Channel.CHAT, Channel.API) and r.user_id is None:
            channel = Channel.EMAIL
        if channel == Channel.MONITORING and category != Category.OUTAGE:
            channel = Channel.EMAIL
        priority = rules.default_priority(category)
        if rng.random() < 0.3:
            priority = min(4, max(1, priority + rng.choice((-1, 1))))

        status = f.status_for(now - created)
        team_key = PRODUCT_TEAM.get(product or "", org.spec.team or "")
        team_id = f.ref.teams[team_key].id if team_key else None
        responder = assignee = None
        if status == Status.NEW:
            team_id = org.organisation.default_team_id  # not triaged yet
        else:
            responder = rng.choice(f.agents.get((team_key, language)) or f.all_agents)
            active = status in rules.ACTIVE_STATUSES
            assignee = None if active and rng.random() < 0.15 else responder

        room = (now - created).total_seconds()
        first = resolved_at = closed_at = changed_at = None
        reopen: tuple[datetime, datetime] | None = None
        if status == Status.CLOSED and rng.random() < 0.03:  # a duplicate, closed without a reply
            resolved_at = closed_at = created + timedelta(seconds=min(rng.uniform(300, 14400), room * 0.5))
        elif status != Status.NEW:
            low, high = FIRST_RESPONSE_MINUTES[priority]
            first = created + timedelta(seconds=min(rng.uniform(low, high) * 60, room * 0.5))
            left = (now - first).total_seconds()
            if status == Status.CLOSED:
                hours = RESOLUTION_MEDIAN_HOURS[priority] * rng.lognormvariate(0, RESOLUTION_SIGMA)
                resolved_at = first + timedelta(seconds=min(hours * 3600, left * 0.5))
                if rng.random() < REOPEN_SHARE:
                    # Resolved, reopened by the customer a little later, resolved again.
                    quiet = (resolved_at - first) * rng.uniform(0.1, 0.5)
                    reopen = (first + quiet, first + quiet * 1.2)
                if resolved_at + AUTO_CLOSE < now:
                    closed_at = resolved_at + AUTO_CLOSE
                else:
                    status = Status.RESOLVED
            elif status in (Status.WAITING_CUSTOMER, Status.WAITING_INTERNAL):
                changed_at = first + timedelta(seconds=left * rng.uniform(0.05, 0.5))
        tier = Tier.ENGINEERING if status == Status.WAITING_INTERNAL else rng.choices(f.tiers, f.tier_weights)[0]
        extra: tuple[datetime, ...] = ()
        if first is not None and f.extra_mean:
            count = int(f.extra_mean * 2 * rng.random() + 0.5)
            end = resolved_at or changed_at or min(now, first + timedelta(days=2))
            extra = tuple(sorted(first + (end - first) * rng.random() for _ in range(count)))
        updated = closed_at or resolved_at or changed_at or first or created
        if extra and extra[-1] > updated:  # a conversation still going on an open ticket
            updated = extra[-1]
        self.tickets.append((
            number, subject, status, priority, category, channel, org.organisation.id, r.contact.id,
            f.contract_id(r, product, created.date()), f.ref.products[product].id if product else None,
            version.id if version else None, assignee, team_id, tier,
            rng.choice(f.platforms) if category in (Category.OUTAGE, Category.DEFECT) else "",
            created, updated, first, resolved_at, closed_at,
        ))  # fmt: skip
        opener = r.user_id if channel in (Channel.PORTAL, Channel.CHAT, Channel.API) else None
        self.stories.append(
            Story(channel, opener, r.contact.id, opening, reply, created, priority, responder, assignee, first,
                  status, changed_at, resolved_at, closed_at, reopen, extra, org.organisation.id, team_id)
        )  # fmt: skip

    def messages(self, ticket_ids: list[int]) -> tuple[list[tuple[Any, ...]], list[int | None]]:
        """Message rows, and for each ticket the position of its reply among them (None without a reply)."""
        rows: list[tuple[Any, ...]] = []
        reply_at: list[int | None] = []
        for ticket_id, s in zip(ticket_ids, self.stories, strict=True):
            rows.append((ticket_id, MessageKind.PUBLIC, s.channel, s.opener, s.contact, *s.opening, s.created))
            if s.first is None:
                reply_at.append(None)
                continue
            channel = s.channel if s.channel in (Channel.PORTAL, Channel.CHAT, Channel.EMAIL) else Channel.EMAIL
            reply_at.append(len(rows))
            rows.append((ticket_id, MessageKind.PUBLIC, channel, s.responder, None, *s.reply, s.first))
            for turn, at in enumerate(s.extra):
                if turn % 2 == 0:  # the customer writes back, the agent answers
                    rows.append((ticket_id, MessageKind.PUBLIC, channel, s.opener, s.contact, *s.opening, at))
                else:
                    rows.append((ticket_id, MessageKind.PUBLIC, channel, s.responder, None, *s.reply, at))
            if s.reopen is not None:
                rows.append((ticket_id, MessageKind.PUBLIC, channel, s.opener, s.contact, *s.opening, s.reopen[1]))
        return rows, reply_at

    def activities(
        self, f: TicketFactory, ticket_ids: list[int], message_ids: list[int], reply_at: list[int | None]
    ) -> list[tuple[Any, ...]]:
        """The activity log the services would have written for each ticket's story."""
        rows: list[tuple[Any, ...]] = []
        add = rows.append
        for ticket_id, s, reply_index in zip(ticket_ids, self.stories, reply_at, strict=True):
            add((ticket_id, s.opener, "created", "", None, {"status": Status.NEW, "priority": s.priority}, s.created))
            if s.first is None or reply_index is None:
                if s.closed_at is not None:  # a duplicate
                    add((ticket_id, s.responder, "changed", "status", Status.NEW, Status.CLOSED, s.closed_at))
                continue
            if s.assignee is not None:
                pick_up = s.created + (s.first - s.created) / 2
                who = {"id": s.assignee, "name": f.agent_names[s.assignee]}
                add((ticket_id, s.assignee, "changed", "assignee", None, who, pick_up))
            add((ticket_id, s.responder, "replied", "", None, {"message": message_ids[reply_index]}, s.first))
            # Every later message is logged as the services log a reply: by its author, pointing at it.
            for turn, at in enumerate(s.extra):
                author = s.opener if turn % 2 == 0 else s.responder
                add((ticket_id, author, "replied", "", None, {"message": message_ids[reply_index + 1 + turn]}, at))
            if s.reopen is not None:
                message = message_ids[reply_index + 1 + len(s.extra)]
                add((ticket_id, s.opener, "replied", "", None, {"message": message}, s.reopen[1]))
            add((ticket_id, s.responder, "changed", "status", Status.NEW, Status.OPEN, s.first))
            if s.changed_at is not None:
                add((ticket_id, s.responder, "changed", "status", Status.OPEN, s.status, s.changed_at))
            if s.reopen is not None:
                add((ticket_id, s.responder, "changed", "status", Status.OPEN, Status.RESOLVED, s.reopen[0]))
                add((ticket_id, s.opener, "changed", "status", Status.RESOLVED, Status.OPEN, s.reopen[1]))
            if s.resolved_at is not None:
                add((ticket_id, s.responder, "changed", "status", Status.OPEN, Status.RESOLVED, s.resolved_at))
            if s.closed_at is not None:
                add((ticket_id, s.responder, "changed", "status", Status.RESOLVED, Status.CLOSED, s.closed_at))
        return rows

    def csat(self, f: TicketFactory, ticket_ids: list[int]) -> list[tuple[Any, ...]]:
        """A CSAT survey for most resolved tickets, sent at the resolution; about a third answered within days."""
        rng, rows = f.rng, []
        for ticket_id, s in zip(ticket_ids, self.stories, strict=True):
            if s.resolved_at is None or s.first is None or rng.random() >= CSAT_SENT_SHARE:
                continue
            score = answered = None
            if rng.random() < CSAT_ANSWER_SHARE:
                answered = min(f.now, s.resolved_at + timedelta(hours=rng.uniform(0.1, 96)))
                score = rng.choices(CSAT_SCORES, CSAT_WEIGHTS)[0]
            rows.append((ticket_id, s.contact, s.org, s.assignee, s.team, s.resolved_at, score, answered))
        return rows


def nps_rows(ref: Reference, *, now: datetime, seed: int) -> list[tuple[Any, ...]]:
    """Every contact asked every NPS_EVERY_DAYS over the history; a share of them answers within a week."""
    rng = random.Random(seed)
    rows: list[tuple[Any, ...]] = []
    begin = now - timedelta(days=HISTORY_DAYS)
    for org in ref.orgs:
        for contact in org.contacts:
            sent = begin + timedelta(days=rng.uniform(0, NPS_EVERY_DAYS))
            while sent < now:
                score = answered = None
                if rng.random() < NPS_ANSWER_SHARE:
                    answered = min(now, sent + timedelta(hours=rng.uniform(1, 168)))
                    score = rng.choices(range(11), NPS_WEIGHTS)[0]
                rows.append((contact.id, org.organisation.id, sent, score, answered))
                sent += timedelta(days=NPS_EVERY_DAYS)
    return rows


def generate_tickets(
    ref: Reference,
    count: int,
    *,
    now: datetime,
    batch_size: int = 10_000,
    seed: int = 7,
    messages_per_ticket: float = 0.0,
    surveys: tuple[type[models.Model], type[models.Model]] | None = None,
    out: Output | None = None,
) -> BulkResult:
    """Add `count` tickets created over the last two years, in batches of `batch_size` (one transaction each).
    `messages_per_ticket` (0: the opening and first reply only) sets the average conversation length. `surveys`, the
    (CSAT, NPS) survey models handed in by the command (tickets imports no downstream app), adds CSAT surveys for
    resolved tickets and NPS surveys for every contact."""

    started = timer.monotonic()
    writer = writer_for_database()
    tickets, messages, activities = (
        Table(Ticket, TICKET_COLUMNS),
        Table(Message, MESSAGE_COLUMNS),
        Table(Activity, ACTIVITY_COLUMNS),
    )
    with transaction.atomic():
        numbers = services.next_numbers(count)  # one step: the counter row is locked once
    factory = TicketFactory(ref, now=now, seed=seed, messages_per_ticket=messages_per_ticket)
    csat_table = nps_table = None
    if surveys is not None:
        csat_table, nps_table = Table(surveys[0], CSAT_COLUMNS), Table(surveys[1], NPS_COLUMNS)
    csat_total = nps_total = 0
    begin = now - timedelta(days=HISTORY_DAYS)
    span = now - timedelta(minutes=5) - begin
    totals = [0, 0, 0]
    for offset in range(0, count, batch_size):
        chunk = numbers[offset : offset + batch_size]
        start = begin + span * (offset / count)
        end = begin + span * ((offset + len(chunk)) / count)
        rows = factory.batch(chunk, start, end)
        with transaction.atomic():
            writer.begin()
            ticket_ids = writer.insert(tickets, rows.tickets, ids=True)
            message_rows, reply_at = rows.messages(ticket_ids)
            message_ids = writer.insert(messages, message_rows, ids=True)
            activity_rows = rows.activities(factory, ticket_ids, message_ids, reply_at)
            writer.insert(activities, activity_rows, ids=False)
            if csat_table is not None:
                csat_rows = rows.csat(factory, ticket_ids)
                writer.insert(csat_table, csat_rows, ids=False)
                csat_total += len(csat_rows)
        totals[0] += len(ticket_ids)
        totals[1] += len(message_rows)
        totals[2] += len(activity_rows)
        if out is not None:
            elapsed = timer.monotonic() - started
            out.write(
                f"  {totals[0]:>10,}/{count:,} tickets, {totals[1]:,} messages, {totals[2]:,} activity entries "
                f"({elapsed:,.1f} s, {totals[0] / max(elapsed, 1e-9):,.0f} tickets/s)\n"
            )
            out.flush()
    if nps_table is not None:
        with transaction.atomic():
            nps = nps_rows(ref, now=now, seed=seed)
            writer.insert(nps_table, nps, ids=False)
            nps_total = len(nps)
    writer.finish(*(t.model._meta.db_table for t in (csat_table, nps_table) if t is not None))
    return BulkResult(
        tickets=totals[0],
        messages=totals[1],
        activities=totals[2],
        seconds=timer.monotonic() - started,
        first_number=numbers.start,
        last_number=numbers.stop - 1,
        csat_surveys=csat_total,
        nps_surveys=nps_total,
    )
