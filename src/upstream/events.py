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
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# event name -> dotted paths of handlers `handler(event: Event) -> None`.
SLA_RECOMPUTE = "upstream.sla.handlers.on_ticket_event"
ANSWER_BOT = "upstream.kb.assist.handlers.on_ticket_created"
SUBSCRIBERS: dict[str, list[str]] = {
    "ticket.created": [SLA_RECOMPUTE, ANSWER_BOT],
    "ticket.updated": [SLA_RECOMPUTE],
    "ticket.message_added": [SLA_RECOMPUTE],
}

# Subscribers that can take many events at once: inside `batch()`, their events are collected and handed over in one
# call when the batch ends (an IMAP fetch of 200 messages recomputes 200 tickets' SLA in one pass, not 200).
BATCHED: dict[str, str] = {
    SLA_RECOMPUTE: "upstream.sla.handlers.on_ticket_events",
    ANSWER_BOT: "upstream.kb.assist.handlers.on_tickets_created",
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


_batch = threading.local()


@contextmanager
def batch() -> Iterator[None]:
    """Collect the events of batchable subscribers until the block ends, then hand each its events in one call.
    Nested batches join the outermost one."""
    if getattr(_batch, "pending", None) is not None:
        yield
        return
    _batch.pending = defaultdict(list)
    try:
        yield
    finally:
        pending, _batch.pending = _batch.pending, None
        for path, collected in pending.items():
            try:
                import_string(path)(collected)
            except Exception:
                log.exception("batched event handler %s failed for %d events", path, len(collected))


def defer_to_batch(path: str, item: Any) -> bool:
    """Inside `batch()`: collect `item` for the handler at dotted `path`, which receives every collected item in one
    call when the batch ends (e.g. one task enqueued for a whole fetch instead of one per message); True. Outside a
    batch: False, and the caller acts at once."""
    pending = getattr(_batch, "pending", None)
    if pending is None:
        return False
    pending[path].append(item)
    return True


def dispatch_now(event: Event) -> None:
    pending = getattr(_batch, "pending", None)
    for path in SUBSCRIBERS[event.name]:
        if pending is not None and path in BATCHED:
            pending[BATCHED[path]].append(event)
            continue
        try:
            _resolve(path)(event)
        except Exception:
            # One failing subscriber must not stop the others or undo the committed change.
            log.exception("event handler %s failed for %s", path, event.name)


def emit(name: str, **payload: Any) -> None:
    """Announce an event: in-transaction subscribers run now, the others once the current transaction commits."""
    event = Event(name, payload)
    handlers_for(name)  # fail fast on an undeclared event name
    for path in IN_TRANSACTION.get(name, []):
        _resolve(path)(event)
    transaction.on_commit(lambda: dispatch_now(event))
