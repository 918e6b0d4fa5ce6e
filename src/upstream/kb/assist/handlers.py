"""Reactions to ticket events (subscribed by dotted path in `upstream.events.SUBSCRIBERS`)."""

from __future__ import annotations

from upstream.events import Event


def on_ticket_created(event: Event) -> None:
    # The search and the reply run in a task: opening a ticket never waits for the bot.
    from upstream.kb.assist.tasks import offer_answer

    offer_answer.enqueue(event.payload["ticket_id"])


def on_tickets_created(events: list[Event]) -> None:
    """The same for a batch (`upstream.events.batch()`, an IMAP fetch): one task for all the new tickets."""
    from upstream.kb.assist.tasks import offer_answers

    offer_answers.enqueue(sorted({event.payload["ticket_id"] for event in events}))
