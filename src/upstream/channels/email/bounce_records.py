"""A bounce of our own mail, matched to the email it bounces: recorded on that ticket, and the address marked.

A hard bounce ("5.1.1 user unknown") marks the address undeliverable, so the outbox stops writing to it; a soft
one is counted. The ticket's activity log says which recipient failed and why, for the agent to act on.
"""

from __future__ import annotations

from upstream.channels.email.bounces import BounceReport, describe
from upstream.channels.email.models import ThreadId
from upstream.notifications.models import OutboundEmail
from upstream.notifications.outbox import mark_undeliverable
from upstream.tickets import services as tickets
from upstream.tickets.models import Ticket


def _bounced_ticket(report: BounceReport) -> Ticket | None:
    if not report.original_message_id:
        return None
    sent = OutboundEmail.objects.filter(message_id=report.original_message_id).select_related("ticket").first()
    if sent is not None and sent.ticket is not None:
        return sent.ticket
    thread = ThreadId.objects.filter(message_id=report.original_message_id).select_related("ticket").first()
    return thread.ticket if thread is not None else None


def record(report: BounceReport) -> Ticket | None:
    """Record every failed recipient of the bounce; returns the ticket the bounced email belonged to, if known."""
    ticket = _bounced_ticket(report)
    delayed = report.kind == "delay"
    for recipient in report.recipients:
        detail = describe(recipient)
        if not delayed and recipient.address:
            mark_undeliverable(recipient.address, reason=detail, hard=recipient.hard)
        if ticket is not None:
            tickets.log(
                ticket, None, "delivery_delayed" if delayed else "delivery_failed",
                after={"recipient": recipient.address, "detail": detail, "hard": recipient.hard},
            )  # fmt: skip
    return ticket
