"""Tickets as search documents, in two kinds so that the index itself keeps internal notes away from customers:

- "ticket": the reference and subject (title) and the public messages (body), visibility "customers", carrying the
  ticket's organisation: agents find it, a customer only within their own organisations (and search() then checks
  tickets.queries, so a contact who is not an organisation admin sees only their own tickets);
- "ticket_note": the same ticket's internal notes, visibility "internal" and staff-only; search() shows a match
  there as the ticket itself.

Both are reindexed through ticket events (registered as in-transaction subscribers in SearchConfig.ready), and the
catch-up job also asks `changed_since` for tickets updated or written on lately.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime

from django.urls import reverse

from upstream.events import Event
from upstream.kb.search import analysis
from upstream.kb.search.index import BODY_INDEXED, schedule_reindex_many
from upstream.kb.search.sources import SourceDoc
from upstream.tickets import rules
from upstream.tickets.models import Message, MessageKind, Ticket

log = logging.getLogger(__name__)

TICKET = "ticket"
NOTE = "ticket_note"
_RESOLVED = {rules.StatusValue.RESOLVED, rules.StatusValue.CLOSED}


class TicketSource:
    def __init__(self, kind: str, message_kind: str) -> None:
        self.kind = kind
        self.message_kind = message_kind

    def load(self, ids: Sequence[int]) -> list[SourceDoc]:
        tickets = Ticket.objects.filter(id__in=ids).only(
            "id", "number", "subject", "status", "category", "organisation_id", "product_id", "updated_at"
        )
        texts: dict[int, list[str]] = defaultdict(list)
        sizes: dict[int, int] = defaultdict(int)
        rows = (
            Message.objects.filter(ticket_id__in=ids, kind=self.message_kind)
            .order_by("ticket_id", "created_at", "id")
            .values_list("ticket_id", "body_text")
        )
        for ticket_id, text in rows.iterator(chunk_size=2000):
            if sizes[ticket_id] < BODY_INDEXED:  # a thread of hundreds of messages is indexed by its beginning
                texts[ticket_id].append(text)
                sizes[ticket_id] += len(text)
        docs = []
        for ticket in tickets:
            body = "\n\n".join(texts.get(ticket.id, ()))
            if self.kind == NOTE and not body:
                continue  # no internal notes: nothing to find, no document
            reference = ticket.reference
            docs.append(
                SourceDoc(
                    kind=self.kind,
                    object_id=ticket.id,
                    title=f"{reference} {ticket.subject}",  # a note hit is shown as its ticket
                    body=body,
                    language=analysis.detect_language(f"{ticket.subject}\n{body[:2000]}"),
                    visibility="customers" if self.kind == TICKET else "internal",
                    url=reverse("tickets:detail", args=[reference]),
                    product_ids=(ticket.product_id,) if ticket.product_id else (),
                    organisation_id=ticket.organisation_id,
                    updated_at=ticket.updated_at,
                    extra={
                        "reference": reference,
                        "status": ticket.status,
                        "category": ticket.category,
                        "resolved": ticket.status in _RESOLVED,
                        "portal_url": reverse("tickets:portal_detail", args=[reference]),
                    },
                )
            )
        return docs

    def all_ids(self) -> Iterator[int]:
        tickets = Ticket.objects.all()
        if self.kind == NOTE:
            tickets = tickets.filter(messages__kind=MessageKind.INTERNAL).distinct()
        return tickets.order_by("id").values_list("id", flat=True).iterator(chunk_size=5000)

    def changed_since(self, since: datetime) -> Iterator[int]:
        updated = set(Ticket.objects.filter(updated_at__gte=since).values_list("id", flat=True))
        written = Message.objects.filter(created_at__gte=since, kind=self.message_kind).values_list(
            "ticket_id", flat=True
        )
        return iter(sorted(updated | set(written)))


_MESSAGE_EVENTS = frozenset({"ticket.created", "ticket.message_added"})


def on_ticket_event(event: Event) -> None:
    """In-transaction subscriber of the ticket events: the kinds the change can touch are queued with the change
    itself, in one statement (schedule_reindex_many; one task per transaction). A new public message (every
    inbound email) cannot change the internal notes: its ticket_note is left alone. The event carries the message's
    kind (`message_kind`); an event without it costs one primary-key read. A status change it causes has its own
    ticket.updated event, which queues both."""
    ticket_id = event.payload.get("ticket_id")
    if ticket_id is None:
        return
    ticket_id = int(ticket_id)
    message_id = event.payload.get("message_id")
    if event.name in _MESSAGE_EVENTS and message_id is not None:
        kind = event.payload.get("message_kind")
        if kind is None:
            try:
                kind = Message.objects.filter(id=message_id).values_list("kind", flat=True).first()
            except Exception:  # never into the save: queue both
                log.exception("could not read the kind of message %s", message_id)
        if kind == MessageKind.PUBLIC:
            schedule_reindex_many([(TICKET, ticket_id)])
            return
    schedule_reindex_many([(TICKET, ticket_id), (NOTE, ticket_id)])
