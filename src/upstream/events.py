"""A small in-process event dispatcher.

Upstream apps (tickets) announce what happened; downstream apps (sla, channels, kb …) react. Subscribers are named
by dotted path in SUBSCRIBERS so that `tickets` never imports a downstream app and no import cycle runs back up the
dependency chain. Handlers run after the surrounding transaction commits, so a rolled-back change announces nothing.

A few reactions must be written in the *same* transaction as the change (the email outbox: a reply and the email that
carries it are committed together or not at all). Those subscribers are listed in IN_TRANSACTION and run inside
`emit`, before it returns; an exception there rolls the whole change back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# event name -> dotted paths of handlers `handler(event: Event) -> None`.
SLA_RECOMPUTE = "upstream.sla.handlers.on_ticket_event"
SUBSCRIBERS: dict[str, list[str]] = {
    "ticket.created": [SLA_RECOMPUTE],
    "ticket.updated": [SLA_RECOMPUTE],
    "ticket.message_added": [SLA_RECOMPUTE],
}

# event name -> dotted paths of handlers that run inside the emitting transaction.
IN_TRANSACTION: dict[str, list[str]] = {
    "ticket.message_added": ["upstream.channels.email.outbound.on_message_added"],
}


@dataclass(frozen=True)
class Event:
    name: str
    payload: dict[str, Any] = field(default_factory=dict)


@cache
def _resolve(path: str) -> Callable[[Event], None]:
    handler: Callable[[Event], None] = import_string(path)
    return handler


def handlers_for(name: str) -> list[Callable[[Event], None]]:
    if name not in SUBSCRIBERS:
        raise KeyError(f"unknown event {name!r}; declare it in upstream.events.SUBSCRIBERS")
    return [_resolve(path) for path in SUBSCRIBERS[name]]


def dispatch_now(event: Event) -> None:
    for handler in handlers_for(event.name):
        try:
            handler(event)
        except Exception:
            # One failing subscriber must not stop the others or undo the committed change.
            log.exception("event handler %r failed for %s", handler, event.name)


def emit(name: str, **payload: Any) -> None:
    """Announce an event: in-transaction subscribers run now, the others once the current transaction commits."""
    event = Event(name, payload)
    handlers_for(name)  # fail fast on an undeclared event name
    for path in IN_TRANSACTION.get(name, []):
        _resolve(path)(event)
    transaction.on_commit(lambda: dispatch_now(event))
