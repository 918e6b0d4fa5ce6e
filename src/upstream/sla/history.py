"""From stored tickets to the pure SLA replay: a ticket's messages and activity log become `targets` events, its
contract's plan and its priority (over time) become `targets` policies.

Everything is rebuilt from the ticket's own history, never from "now", so a change of priority, plan or calendar
recomputes deadlines exactly, and a report for last month gives the same answer today as it did then. Loading is
batched: `load_histories` costs three queries for any number of tickets.
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
    if message.kind == MessageKind.INTERNAL:
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


def build_history(
    ticket: Ticket, messages: Sequence[Message], activities: Sequence[Activity], book: PolicyBook
) -> TicketHistory:
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
        event = _activity_event(activity, ticket, book)
        if event is not None:
            timed.append((activity.created_at, 2, activity.id, event))
    timed.sort(key=lambda item: item[:3])
    return TicketHistory(ticket, model, initial, tuple(item[3] for item in timed))


def load_histories(tickets: Sequence[Ticket], book: PolicyBook | None = None) -> dict[int, TicketHistory]:
    """Histories of many tickets in three queries (messages, activities, policies), whatever their number.

    `tickets` should come with `organisation` and `contract` selected (see `sla_tickets`).
    """
    ids = [t.id for t in tickets]
    messages: dict[int, list[Message]] = defaultdict(list)
    for message in (
        Message.objects.filter(ticket_id__in=ids)
        .only("id", "ticket_id", "kind", "author_contact_id", "created_at")
        .order_by("created_at", "id")
    ):
        messages[message.ticket_id].append(message)
    activities: dict[int, list[Activity]] = defaultdict(list)
    for activity in Activity.objects.filter(ticket_id__in=ids, field__in=("status", "priority")).order_by(
        "created_at", "id"
    ):
        activities[activity.ticket_id].append(activity)
    book = book or PolicyBook.load(_plan_id(t) for t in tickets)
    return {t.id: build_history(t, messages[t.id], activities[t.id], book) for t in tickets}


def sla_tickets() -> Any:
    """Tickets with what building their history reads, joined."""
    return Ticket.objects.select_related("organisation", "contract")


def history_of(ticket: Ticket) -> TicketHistory:
    fresh = sla_tickets().get(id=ticket.id)
    return load_histories([fresh])[fresh.id]
