"""From stored tickets to the pure SLA replay: a ticket's messages and activity log become `targets` events, its
contract's plan and its priority (over time) become `targets` policies.

Everything is rebuilt from the ticket's own history, never from "now", so a change of priority, plan or calendar
recomputes deadlines exactly, and a report for last month gives the same answer today as it did then. Loading is
batched: `load_histories` costs three queries for any number of tickets.

Merged tickets keep the earliest clock: a ticket's activity log records each merge into it (`merged_tickets`, with the
id and creation of every ticket whose clock the merged one carried), and a merge moves messages but remembers where
each was first written (`Message.merged_from`). So a target gets one `targets.Merged(at=merge instant,
history=(Created(source creation), the source's messages))` per merged-in ticket, and the merged source replays its
own messages until it was closed by the merge, both from the same activities and messages queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q

from upstream.sla import targets
from upstream.sla.models import Metric, SlaPolicy
from upstream.tickets.models import Activity, Message, MessageKind, Ticket
from upstream.tickets.services import MERGED_TICKETS

_METRIC_FIELD = {
    Metric.FIRST_RESPONSE: "first_response",
    Metric.NEXT_RESPONSE: "next_response",
    Metric.RESOLUTION: "resolution",
}


class PolicyBook:
    """Policies by (plan, priority), loaded once per batch, converted to the pure engine's form once per zone."""

    def __init__(self, policies: Iterable[SlaPolicy]) -> None:
        self._by_key: dict[tuple[int | None, int], SlaPolicy] = {(p.plan_id, p.priority): p for p in policies}
        self._engine: dict[tuple[int, str], targets.Policy] = {}

    @classmethod
    def load(cls, plan_ids: Iterable[int | None] = ()) -> PolicyBook:
        ids = {pid for pid in plan_ids if pid is not None}
        scope = Q(plan__isnull=True) | Q(plan_id__in=ids) if ids else Q(plan__isnull=True)
        related = ("plan", "first_response_calendar", "next_response_calendar", "resolution_calendar")
        return cls(SlaPolicy.objects.filter(scope).select_related(*related))

    def model(self, plan_id: int | None, priority: int) -> SlaPolicy | None:
        """The plan's policy for the priority, else the fallback (the policy for tickets without a contract)."""
        own = self._by_key.get((plan_id, priority)) if plan_id is not None else None
        return own or self._by_key.get((None, priority))

    def engine(self, plan_id: int | None, priority: int, customer_time_zone: str) -> targets.Policy | None:
        model = self.model(plan_id, priority)
        if model is None:
            return None
        key = (model.pk, customer_time_zone)
        if key not in self._engine:
            self._engine[key] = to_engine_policy(model, customer_time_zone)
        return self._engine[key]


def to_engine_policy(policy: SlaPolicy, customer_time_zone: str) -> targets.Policy:
    metrics: dict[str, targets.Target | None] = {}
    for metric, name in _METRIC_FIELD.items():
        minutes = policy.target_minutes(metric)
        calendar = policy.calendar_for(metric)
        metrics[name] = (
            None
            if minutes is None
            else targets.Target(
                seconds=minutes * 60,
                calendar=policy.engine_for(metric, customer_time_zone=customer_time_zone),
                calendar_name=calendar.name if calendar else "24×7",
            )
        )
    return targets.Policy(
        **metrics,
        warn_at=policy.warn_at_percent / 100,
        reopen_restarts_resolution=policy.reopen_restarts_resolution,
        name=str(policy),
    )


@dataclass(frozen=True)
class TicketHistory:
    ticket: Ticket
    policy: SlaPolicy | None  # in force at creation
    initial: targets.Policy | None
    events: tuple[targets.Event, ...]

    def compute(self, now: datetime) -> targets.SlaTargets | None:
        """The ticket's SLA at `now`; None when no policy applies (no plan policy and no fallback)."""
        if self.initial is None:
            return None
        return targets.compute(self.initial, self.events, now)


def _plan_id(ticket: Ticket) -> int | None:
    return ticket.contract.plan_id if ticket.contract_id and ticket.contract else None


def _message_event(message: Message) -> targets.Event:
    if message.kind == MessageKind.INTERNAL or message.automated:
        # The answer bot's offer is not a person's response: no SLA target is met by it.
        return targets.InternalNote(message.created_at)
    # A message on behalf of a contact (portal, email, the opening request) is the customer speaking.
    if message.author_contact_id is not None:
        return targets.CustomerMessage(message.created_at)
    return targets.AgentPublicReply(message.created_at)


def _activity_event(activity: Activity, ticket: Ticket, book: PolicyBook) -> targets.Event | None:
    if activity.field == "status" and activity.before and activity.after:
        return targets.StatusChanged(activity.created_at, activity.before, activity.after)
    if activity.field == "priority" and isinstance(activity.after, int):
        policy = book.engine(_plan_id(ticket), activity.after, ticket.organisation.time_zone)
        if policy is not None:
            return targets.PolicyChanged(activity.created_at, policy)
    return None


def _initial_priority(ticket: Ticket, activities: Sequence[Activity]) -> int:
    """The priority at creation: the first recorded change's "before", else the current one."""
    for activity in activities:
        if activity.field == "priority" and isinstance(activity.before, int):
            return activity.before
    return ticket.priority


def _merged_sources(activity: Activity) -> list[tuple[int, datetime]]:
    """(ticket id, creation) of each ticket whose clock a merge brought in, from the target's activity entry."""
    after = activity.after if isinstance(activity.after, dict) else {}
    found = []
    for source in after.get("sources", []):
        try:
            found.append((int(source["id"]), datetime.fromisoformat(source["created_at"])))
        except (KeyError, TypeError, ValueError):
            continue
    return found


def _merged_event(activity: Activity, by_origin: dict[int, list[Message]]) -> targets.Merged | None:
    """The tickets merged in by one merge: their creations and conversations, as `Merged` events at its instant."""
    history: list[targets.Event] = []
    sources = _merged_sources(activity)
    if not sources:
        return None
    # One Merged event carries every ticket the source carried; the earliest creation is the one that counts.
    created = min(at for _, at in sources)
    history.append(targets.Created(created))
    for source_id, _at in sources:
        history.extend(_message_event(m) for m in by_origin.get(source_id, ()) if m.created_at <= activity.created_at)
    return targets.Merged(activity.created_at, tuple(history))


def build_history(
    ticket: Ticket,
    messages: Sequence[Message],
    activities: Sequence[Activity],
    book: PolicyBook,
    by_origin: dict[int, list[Message]] | None = None,
) -> TicketHistory:
    """`messages`: those first written on this ticket; `by_origin`: messages by the ticket they were first written
    on, for the tickets merged into this one."""
    priority = _initial_priority(ticket, activities)
    model = book.model(_plan_id(ticket), priority)
    initial = book.engine(_plan_id(ticket), priority, ticket.organisation.time_zone)
    # Order by time; at the same instant messages come before the status change they caused (a reply "and wait").
    timed: list[tuple[datetime, int, int, targets.Event]] = [
        (ticket.created_at, 0, 0, targets.Created(ticket.created_at))
    ]
    for message in messages:
        timed.append((message.created_at, 1, message.id, _message_event(message)))
    for activity in activities:
        event = (
            _merged_event(activity, by_origin or {})
            if activity.field == MERGED_TICKETS
            else _activity_event(activity, ticket, book)
        )
        if event is not None:
            timed.append((activity.created_at, 2, activity.id, event))
    timed.sort(key=lambda item: item[:3])
    return TicketHistory(ticket, model, initial, tuple(item[3] for item in timed))


def load_histories(tickets: Sequence[Ticket], book: PolicyBook | None = None) -> dict[int, TicketHistory]:
    """Histories of many tickets in three queries (activities, messages, policies), whatever their number.

    `tickets` should come with `organisation` and `contract` selected (see `sla_tickets`). Merged tickets cost no
    query of their own: the activities name them, and their messages come with the batch's.
    """
    ids = [t.id for t in tickets]
    activities: dict[int, list[Activity]] = defaultdict(list)
    for activity in Activity.objects.filter(
        ticket_id__in=ids, field__in=("status", "priority", MERGED_TICKETS)
    ).order_by("created_at", "id"):
        activities[activity.ticket_id].append(activity)
    # Messages are grouped by the ticket they were first written on: a merge moves them, the history stays.
    origins = {t.id for t in tickets if t.merged_into_id is not None}
    for entries in activities.values():
        origins.update(source_id for a in entries if a.field == MERGED_TICKETS for source_id, _ in _merged_sources(a))
    scope = Q(ticket_id__in=ids) | Q(merged_from_id__in=sorted(origins)) if origins else Q(ticket_id__in=ids)
    by_origin: dict[int, list[Message]] = defaultdict(list)
    for message in (
        Message.objects.filter(scope)
        .only("id", "ticket_id", "merged_from_id", "kind", "author_contact_id", "automated", "created_at")
        .order_by("created_at", "id")
    ):
        by_origin[message.merged_from_id or message.ticket_id].append(message)
    book = book or PolicyBook.load(_plan_id(t) for t in tickets)
    return {t.id: build_history(t, by_origin[t.id], activities[t.id], book, by_origin) for t in tickets}


def sla_tickets() -> Any:
    """Tickets with what building their history reads, joined."""
    return Ticket.objects.select_related("organisation", "contract")


def history_of(ticket: Ticket) -> TicketHistory:
    fresh = sla_tickets().get(id=ticket.id)
    return load_histories([fresh])[fresh.id]
