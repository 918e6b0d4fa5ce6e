"""Reactions to ticket events (subscribed by dotted path in `upstream.events.SUBSCRIBERS`)."""

from __future__ import annotations

from upstream.events import Event
from upstream.sla import runtime


def on_ticket_event(event: Event) -> None:
    """Recompute the ticket's SLA inline, right after the change commits: a few milliseconds, and the inbox order and
    deadlines are right even when no worker runs."""
    runtime.recompute([event.payload["ticket_id"]])


def on_ticket_events(events: list[Event]) -> None:
    """The same for a batch of events (`upstream.events.batch()`): every touched ticket recomputed in one pass."""
    runtime.recompute(sorted({event.payload["ticket_id"] for event in events}))
