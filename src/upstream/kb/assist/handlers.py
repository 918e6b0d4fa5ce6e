"""Reactions to ticket events (subscribed by dotted path in `upstream.events.SUBSCRIBERS`)."""

from __future__ import annotations

from upstream.events import Event


def on_ticket_created(event: Event) -> None:
    # The search and the reply run in a task: opening a ticket never waits for the bot.
    from upstream.kb.assist.tasks import offer_answer

    offer_answer.enqueue(event.payload["ticket_id"])
