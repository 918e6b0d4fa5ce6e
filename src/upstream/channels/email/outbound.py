"""Emails Upstream writes on a ticket: an agent's public reply to the requester and followers, the acknowledgement
of a new emailed request, the refusal an unknown sender gets. Each is put in the outbox inside the transaction that
wrote the message (see `upstream.events.IN_TRANSACTION`), threaded with the Message-IDs of the conversation, the
ticket token in the subject and a per-ticket reply address, in the recipient's language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from upstream.channels.email import matching
from upstream.channels.email.lookups import Lookups
from upstream.channels.email.models import Direction, Follower, InboundEmail, Mailbox, ThreadId
from upstream.channels.email.parsing import ParsedEmail
from upstream.core import clock
from upstream.customers.models import Contact
from upstream.customers.queries import language_of, preferred_language
from upstream.events import Event
from upstream.notifications.models import OutboundKind
from upstream.notifications.outbox import make_message_id, queue_email
from upstream.tickets.models import Attachment, Message, MessageKind, Ticket

# At most this many automatic emails (acknowledgements, refusals) per sender per window: a loop that slips past
# every header check still cannot become a flood.
AUTO_REPLY_LIMIT = 3
AUTO_REPLY_WINDOW = timedelta(hours=1)
MAX_REFERENCES = 20


def on_message_added(event: Event) -> None:
    """An agent's public reply goes to the requester and the ticket's followers by email."""
    message = (
        Message.objects.select_related("ticket__requester__user", "ticket__organisation", "author_user")
        .filter(id=event.payload["message_id"])
        .first()
    )
    if message is None or message.kind != MessageKind.PUBLIC:
        return
    if message.automated:  # the answer bot's offer: automatic mail, marked so
        send_reply(message, automatic=True)
        return
    if message.author_user is None or not message.author_user.is_staff_member:
        return
    send_reply(message)


def send_reply(message: Message, *, automatic: bool = False) -> None:
    ticket = message.ticket
    requester = ticket.requester
    followers = [e for e in Follower.objects.filter(ticket=ticket).values_list("email", flat=True)]
    cc = [e for e in followers if e.lower() != requester.email.lower()]
    mailbox = mailbox_of(ticket)
    language = recipient_language(requester, ticket)
    context = {"ticket": ticket, "message": message, "portal_url": _portal_url(ticket), "requester": requester}
    text, html = _render("reply", context, language)
    _queue_threaded(
        ticket, mailbox, to=[requester.email], cc=cc, subject=_subject(ticket), text=text, html=html,
        kind=OutboundKind.AUTO_REPLY if automatic else OutboundKind.REPLY, language=language, message=message,
        attachments=list(message.attachments.all()), auto=automatic,
    )  # fmt: skip


def send_acknowledgement(ticket: Ticket, parsed: ParsedEmail, mailbox: Mailbox | None, lookups: Lookups) -> None:
    """ "We have your request UP-10234": only from a mailbox that acknowledges, and rate-limited per sender."""
    if mailbox is None or not mailbox.auto_acknowledge or parsed.from_ is None:
        return
    address = parsed.from_.email
    if not _may_auto_reply(address, "ack", lookups):
        return
    language = recipient_language(ticket.requester, ticket)
    text, html = _render("acknowledgement", {"ticket": ticket, "portal_url": _portal_url(ticket)}, language)
    _queue_threaded(
        ticket, mailbox, to=[address], cc=[], subject=_subject(ticket), text=text, html=html,
        kind=OutboundKind.AUTO_REPLY, language=language, message=None, attachments=[], auto=True, lookups=lookups,
    )  # fmt: skip


def send_refusal(parsed: ParsedEmail, mailbox: Mailbox | None, lookups: Lookups) -> None:
    """A polite refusal to a sender the mailbox does not accept mail from (never to machines: the caller checked)."""
    if parsed.from_ is None or not _may_auto_reply(parsed.from_.email, "refusal", lookups):
        return
    language = language_of(parsed.subject + parsed.text[:2000])
    sender = mailbox.address if mailbox else settings.DEFAULT_FROM_EMAIL
    text, html = _render("refusal", {"subject": parsed.subject, "mailbox": sender}, language)
    headers = _reply_headers(parsed.message_id, [*parsed.references, parsed.message_id])
    with translation.override(language):
        subject = f"{_('We could not accept your email')}: {parsed.subject}"[:250]
    queue_email(
        to=[parsed.from_.email], subject=subject, text=text, html=html,
        from_email=_from_header(mailbox), headers=headers, kind=OutboundKind.REFUSAL,
        language=language, auto_submitted=True,
    )  # fmt: skip


def _may_auto_reply(address: str, kind: str, lookups: Lookups) -> bool:
    # Addresses are stored lower-case: an exact match uses the (address, sent_at) index. The record is written with
    # the rest of the transaction's bookkeeping (Lookups.flush), and counted at once for the next message.
    if lookups.auto_replies(address, AUTO_REPLY_WINDOW) >= AUTO_REPLY_LIMIT:
        return False
    lookups.record_auto_reply(address, kind)
    return True


def _queue_threaded(
    ticket: Ticket,
    mailbox: Mailbox | None,
    *,
    to: list[str],
    cc: list[str],
    subject: str,
    text: str,
    html: str,
    kind: str,
    language: str,
    message: Message | None,
    attachments: list[Attachment],
    auto: bool,
    lookups: Lookups | None = None,
) -> None:
    domain = (mailbox.address if mailbox else settings.DEFAULT_FROM_EMAIL).rsplit("@", 1)[-1]
    message_id = make_message_id(domain)
    cited = lookups.thread_ids_of(ticket) if lookups is not None else None
    if cited is None:
        cited = list(
            ThreadId.objects.filter(ticket=ticket).order_by("-created_at", "-id").values_list("message_id", "direction")
        )
    last_inbound = next((mid for mid, direction in cited if direction == Direction.INBOUND), None)
    references = [mid for mid, _ in reversed(cited[:MAX_REFERENCES])]
    reply_to = matching.plus_address(mailbox.address, ticket.reference) if mailbox else ""
    queue_email(
        to=to, cc=cc, subject=subject, text=text, html=html, from_email=_from_header(mailbox), reply_to=reply_to,
        headers=_reply_headers(last_inbound or (references[-1] if references else ""), references),
        message_id=message_id, attachments=attachments, ticket=ticket, message=message, kind=kind,
        language=language, auto_submitted=auto,
    )  # fmt: skip
    if lookups is not None:
        lookups.remember_thread(message_id, ticket, message, Direction.OUTBOUND)
        return
    ThreadId.objects.create(
        message_id=message_id, ticket=ticket, ticket_message=message, direction=Direction.OUTBOUND,
        created_at=clock.now(),
    )  # fmt: skip


def _reply_headers(in_reply_to: str, references: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    if in_reply_to:
        headers["In-Reply-To"] = f"<{in_reply_to}>"
    refs = [r for r in references if r][-MAX_REFERENCES:]
    if refs:
        headers["References"] = " ".join(f"<{r}>" for r in refs)
    return headers


def _subject(ticket: Ticket) -> str:
    return matching.with_token(ticket.subject, ticket.reference)


def _from_header(mailbox: Mailbox | None) -> str:
    if mailbox is None:
        return settings.DEFAULT_FROM_EMAIL
    name = mailbox.name.replace('"', "'")
    return f'"{name}" <{mailbox.address}>' if name else mailbox.address


def mailbox_of(ticket: Ticket) -> Mailbox | None:
    """The mailbox the customer last wrote to on this ticket, else the first active one."""
    latest = (
        InboundEmail.objects.filter(ticket=ticket, mailbox__isnull=False)
        .select_related("mailbox")
        .order_by("-received_at")
        .first()
    )
    if latest is not None and latest.mailbox is not None:
        return latest.mailbox
    return Mailbox.objects.filter(active=True).order_by("id").first()


def recipient_language(contact: Contact, ticket: Ticket) -> str:
    """The contact's chosen portal language, else the language they wrote the ticket in."""
    return preferred_language(contact, ticket.subject)


def _portal_url(ticket: Ticket) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("tickets:portal_detail", kwargs={"ref": ticket.reference})


def _render(name: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    with translation.override(language):
        text = render_to_string(f"email_channel/mail/{name}.txt", context)
        html = render_to_string(f"email_channel/mail/{name}.html", context)
    return text.strip() + "\n", html
