"""Named reads and access rules of customer success, shared by the web views and the API.

Customer success is the vendor's internal view of a customer: only staff see it; to anyone else every page and
object here is a 404. Ticket entries on a timeline come through `tickets.queries.visible_tickets`, so an agent sees
the tickets of their teams there as in the inbox.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from upstream.accounts.models import Team, User
from upstream.core.errors import InvalidInput, NotFound
from upstream.core.pagination import decode_cursor, encode_cursor
from upstream.customers.models import Organisation
from upstream.success.models import HealthSnapshot, Interaction, SuccessTask
from upstream.tickets.models import Message, MessageKind, Ticket
from upstream.tickets.queries import visible_tickets

# ---------------------------------------------------------------- access


def is_staff(user: User) -> bool:
    return bool(user.is_authenticated and user.is_staff_member)


def can_see_all_tasks(user: User) -> bool:
    """Admins and team leads see (and act on) every account manager's tasks."""
    return user.is_admin or Team.objects.filter(lead=user).exists()


def staff_organisation(user: User, organisation_id: int) -> Organisation:
    if not is_staff(user):
        raise NotFound("no such organisation")
    organisation = Organisation.objects.select_related("account_manager").filter(id=organisation_id).first()
    if organisation is None:
        raise NotFound("no such organisation")
    return organisation


def visible_tasks(user: User, *, see_all: bool | None = None) -> QuerySet[SuccessTask]:
    if not is_staff(user):
        return SuccessTask.objects.none()
    tasks = SuccessTask.objects.select_related("organisation", "assignee")
    if see_all is None:
        see_all = can_see_all_tasks(user)
    return tasks if see_all else tasks.filter(assignee=user)


def access_task(user: User, task_id: int) -> SuccessTask:
    task = visible_tasks(user).filter(id=task_id).first()
    if task is None:
        raise NotFound("no such task")
    return task


@dataclass(frozen=True)
class TaskPage:
    tasks: list[SuccessTask]
    next_cursor: str | None


def task_page(tasks: QuerySet[SuccessTask], *, cursor: str | None, size: int) -> TaskPage:
    """Tasks by due day, then id, keyset-paginated (the core paginator's cursors carry datetimes, not dates)."""
    if cursor:
        due, task_id = decode_cursor(cursor, 2)
        try:
            due_on = date.fromisoformat(due)
            if type(task_id) is not int:
                raise TypeError
        except (TypeError, ValueError):
            raise InvalidInput(
                "the cursor is malformed; use the next_cursor value of a previous page", field="cursor"
            ) from None
        tasks = tasks.filter(Q(due_on__gt=due_on) | Q(due_on=due_on, id__gt=task_id))
    rows = list(tasks.order_by("due_on", "id")[: size + 1])
    page = rows[:size]
    next_cursor = encode_cursor([page[-1].due_on.isoformat(), page[-1].id]) if len(rows) > size else None
    return TaskPage(tasks=page, next_cursor=next_cursor)


# ---------------------------------------------------------------- the timeline

TIMELINE_KINDS = ("ticket", "email", "chat", "call", "meeting", "note")
KIND_FILTERS = (
    ("ticket", _("Tickets")),
    ("email", _("Emails")),
    ("chat", _("Chats")),
    ("call", _("Calls")),
    ("meeting", _("Meetings")),
    ("note", _("Notes")),
)
ENTRY_LABELS = {
    "ticket_opened": _("Ticket opened"),
    "ticket_resolved": _("Ticket resolved"),
    "email": _("Email"),
    "chat": _("Chat"),
    "call": _("Phone call"),
    "meeting": _("Meeting"),
    "note": _("Note"),
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    rank: int  # breaks ties between sources at the same instant
    id: int
    kind: str  # ticket_opened, ticket_resolved, email, chat, call, meeting, note
    title: str
    author: str
    url: str = ""
    text: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(ENTRY_LABELS.get(self.kind, self.kind))

    @property
    def key(self) -> tuple[datetime, int, int]:
        return (self.at, self.rank, self.id)


@dataclass(frozen=True)
class TimelinePage:
    entries: list[Entry]
    next_cursor: str | None


@dataclass(frozen=True)
class _Source:
    rank: int
    kinds: frozenset[str]
    time_field: str
    build: Callable[[User, Organisation, set[str]], QuerySet[Any]]
    entry: Callable[[Any], Entry]


def _interactions(user: User, organisation: Organisation, kinds: set[str]) -> QuerySet[Interaction]:
    return Interaction.objects.filter(organisation=organisation, kind__in=kinds).select_related("author", "contact")


def _messages(user: User, organisation: Organisation, kinds: set[str]) -> QuerySet[Message]:
    tickets = visible_tickets(user).filter(organisation=organisation).values("id")
    return Message.objects.filter(
        ticket_id__in=tickets, kind=MessageKind.PUBLIC, automated=False, channel__in=kinds & {"email", "chat"}
    ).select_related("ticket", "author_user", "author_contact")


def _resolved(user: User, organisation: Organisation, kinds: set[str]) -> QuerySet[Ticket]:
    return (
        visible_tickets(user)
        .filter(organisation=organisation, resolved_at__isnull=False)
        .select_related("assignee")
        .only("id", "number", "subject", "resolved_at", "assignee__full_name", "assignee__username")
    )


def _opened(user: User, organisation: Organisation, kinds: set[str]) -> QuerySet[Ticket]:
    return (
        visible_tickets(user)
        .filter(organisation=organisation)
        .select_related("requester")
        .only("id", "number", "subject", "created_at", "channel", "priority", "requester__name")
    )


def _ticket_url(ticket: Ticket) -> str:
    return reverse("tickets:detail", kwargs={"ref": ticket.reference})


def _interaction_entry(row: Interaction) -> Entry:
    return Entry(
        at=row.happened_at,
        rank=0,
        id=row.id,
        kind=row.kind,
        title="",
        author=row.author.display_name,
        text=row.summary,
        details={
            "contact": row.contact.name if row.contact else "",
            "duration": row.duration_minutes,
            "follow_up_on": row.follow_up_on,
        },
    )


def _message_entry(row: Message) -> Entry:
    text = row.body_text if len(row.body_text) <= 300 else row.body_text[:299] + "…"
    return Entry(
        at=row.created_at,
        rank=1,
        id=row.id,
        kind=row.channel,
        title=f"{row.ticket.reference} {row.ticket.subject}",
        author=row.author_name,
        url=_ticket_url(row.ticket) + f"#m{row.id}",
        text=text,
        details={"from_customer": row.author_contact_id is not None},
    )


def _resolved_entry(row: Ticket) -> Entry:
    assert row.resolved_at is not None
    return Entry(
        at=row.resolved_at,
        rank=2,
        id=row.id,
        kind="ticket_resolved",
        title=f"{row.reference} {row.subject}",
        author=row.assignee.display_name if row.assignee else "",
        url=_ticket_url(row),
    )


def _opened_entry(row: Ticket) -> Entry:
    return Entry(
        at=row.created_at,
        rank=3,
        id=row.id,
        kind="ticket_opened",
        title=f"{row.reference} {row.subject}",
        author=row.requester.name,
        url=_ticket_url(row),
        details={"channel": row.get_channel_display(), "priority": row.priority},
    )


SOURCES: tuple[_Source, ...] = (
    _Source(0, frozenset({"call", "meeting", "note"}), "happened_at", _interactions, _interaction_entry),
    _Source(1, frozenset({"email", "chat"}), "created_at", _messages, _message_entry),
    _Source(2, frozenset({"ticket"}), "resolved_at", _resolved, _resolved_entry),
    _Source(3, frozenset({"ticket"}), "created_at", _opened, _opened_entry),
)


def _before(source: _Source, cursor: tuple[datetime, int, int]) -> Q:
    """Rows of `source` that sort after the cursor in the timeline's order (newest first, then by source, id)."""
    at, rank, row_id = cursor
    t = source.time_field
    if source.rank < rank:
        return Q(**{f"{t}__lte": at})
    if source.rank > rank:
        return Q(**{f"{t}__lt": at})
    return Q(**{f"{t}__lt": at}) | Q(**{t: at, "id__lt": row_id})


def parse_kinds(values: Iterable[str]) -> set[str]:
    chosen = {v for v in values if v}
    unknown = chosen - set(TIMELINE_KINDS)
    if unknown:
        raise InvalidInput(
            f"unknown kind {sorted(unknown)[0]!r}; choose from {', '.join(TIMELINE_KINDS)}", field="kind"
        )
    return chosen or set(TIMELINE_KINDS)


def _parse_cursor(cursor: str) -> tuple[datetime, int, int]:
    at, rank, row_id = decode_cursor(cursor, 3)
    if not isinstance(at, datetime) or at.tzinfo is None or type(rank) is not int or type(row_id) is not int:
        raise InvalidInput("the cursor is malformed; use the next_cursor value of a previous page", field="cursor")
    return at, rank, row_id


def timeline(
    user: User, organisation: Organisation, *, kinds: set[str], cursor: str | None = None, size: int = 25
) -> TimelinePage:
    """One page of the organisation's merged history, newest first: each source contributes at most size + 1 rows
    after the cursor (one query each), and the merge keeps the first `size`. Keyset-paginated, so page 100 costs
    what page 1 does."""
    position = _parse_cursor(cursor) if cursor else None
    entries: list[Entry] = []
    for source in SOURCES:
        if not source.kinds & kinds:
            continue
        rows = source.build(user, organisation, kinds)
        if position is not None:
            rows = rows.filter(_before(source, position))
        rows = rows.order_by(f"-{source.time_field}", "-id")[: size + 1]
        entries.extend(source.entry(row) for row in rows)
    entries.sort(key=lambda e: e.key, reverse=True)
    page = entries[:size]
    next_cursor = encode_cursor(list(page[-1].key)) if len(entries) > size else None
    return TimelinePage(entries=page, next_cursor=next_cursor)


# ---------------------------------------------------------------- health and the overview


def latest_snapshot(organisation: Organisation) -> HealthSnapshot | None:
    return HealthSnapshot.objects.filter(organisation=organisation).order_by("-computed_on").first()


def history(organisation: Organisation, today: date, days: int = 90) -> list[tuple[date, int]]:
    rows = HealthSnapshot.objects.filter(
        organisation=organisation, computed_on__gt=today - timedelta(days=days), computed_on__lte=today
    ).order_by("computed_on")
    return list(rows.values_list("computed_on", "score"))


SORTS: dict[str, Sequence[Any]] = {
    "score": (F("score").asc(nulls_last=True), "name"),
    "-score": (F("score").desc(nulls_last=True), "name"),
    "name": ("name",),
    "renewal": (F("renewal_on").asc(nulls_last=True), "name"),
    "last_interaction": (F("last_interaction_at").asc(nulls_first=True), "name"),
    "-last_interaction": (F("last_interaction_at").desc(nulls_last=True), "name"),
}


def overview(
    user: User, *, sort: str = "score", manager: User | None = None, unmanaged: bool = False, below: int | None = None
) -> QuerySet[Organisation]:
    """Organisations with their latest health (score, previous score, renewal, last interaction) as columns, in
    one query."""
    if not is_staff(user):
        return Organisation.objects.none()
    if sort not in SORTS:
        raise InvalidInput(f"unknown sort {sort!r}; choose from {', '.join(SORTS)}", field="sort")
    latest = HealthSnapshot.objects.filter(organisation=OuterRef("pk")).order_by("-computed_on")
    organisations = Organisation.objects.select_related("account_manager").annotate(
        score=Subquery(latest.values("score")[:1]),
        previous_score=Subquery(latest.values("previous_score")[:1]),
        renewal_on=Subquery(latest.values("renewal_on")[:1]),
        last_interaction_at=Subquery(latest.values("last_interaction_at")[:1]),
        computed_on=Subquery(latest.values("computed_on")[:1]),
    )
    if manager is not None:
        organisations = organisations.filter(account_manager=manager)
    if unmanaged:
        organisations = organisations.filter(account_manager__isnull=True)
    if below is not None:
        organisations = organisations.filter(score__lt=below)
    return organisations.order_by(*SORTS[sort])
