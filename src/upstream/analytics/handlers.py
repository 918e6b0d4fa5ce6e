"""Ticket events → the ticket's fact row, refreshed right after the change commits (subscribed in `apps.ready`, after
the SLA recompute, so the row reads the SLA state of the same change)."""

from __future__ import annotations

from upstream.analytics import maintenance
from upstream.events import Event


def _ids(event: Event) -> set[int]:
    # A merge emits one event per ticket: the source leaves the figures, the target takes its history.
    return {event.payload["ticket_id"]}


def on_ticket_event(event: Event) -> None:
    maintenance.refresh(_ids(event))


def on_ticket_events(events: list[Event]) -> None:
    """The same for a batch (`upstream.events.batch()`): every touched ticket in one pass."""
    maintenance.refresh(set().union(*(_ids(e) for e in events)))
