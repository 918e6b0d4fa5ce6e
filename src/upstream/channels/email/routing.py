"""What an inbound email becomes: nothing (machine-generated), a bounce record, a refusal, a message on an existing
ticket, or a new ticket. Runs inside the transaction `ingest.process` opens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from upstream.channels.email import bounce_records, contacts, display, matching, outbound
from upstream.channels.email.bounces import parse_bounce
from upstream.channels.email.lookups import Lookups
from upstream.channels.email.loops import classify
from upstream.channels.email.models import Follower, InboundEmail, InboundStatus, Mailbox
from upstream.channels.email.parsing import ParsedAttachment, ParsedEmail
from upstream.core import clock
from upstream.core.errors import DomainError
from upstream.customers.models import Channel, Contact
from upstream.tickets import services as tickets
from upstream.tickets.attachments import validate_uploads
from upstream.tickets.models import Message, Status, Ticket

NO_SUBJECT = "(no subject)"
EMPTY_BODY = "(the email had no text)"


class Unroutable(Exception):
    """The message is readable but cannot go anywhere (no sender): quarantined with this explanation."""


@dataclass(frozen=True)
class Outcome:
    status: str
    ticket: Ticket | None = None
    message: Message | None = None
    machine_reasons: tuple[str, ...] = ()
    note: str = ""


def route(
    inbound: InboundEmail, parsed: ParsedEmail, *, recipients: Sequence[str] = (), lookups: Lookups | None = None
) -> Outcome:
    """Route one message. `lookups` carries what the transaction already read and the rows it writes at its end:
    the caller flushes it before committing (`Lookups.flush`)."""
    lookups = lookups if lookups is not None else Lookups()
    our_addresses = lookups.our_addresses()
    ours = {address.lower() for address in our_addresses}
    mailbox = inbound.mailbox or _mailbox_for(recipients, parsed, ours, lookups)
    verdict = (
        classify(parsed.message, own_addresses=[*our_addresses, settings.DEFAULT_FROM_EMAIL])
        if parsed.message is not None
        else None
    )
    if verdict is not None and verdict.machine:
        report = parse_bounce(parsed.message) if parsed.message is not None else None
        if report is not None and report.kind in ("bounce", "delay"):
            ticket = bounce_records.record(report)
            return Outcome(InboundStatus.BOUNCE, ticket=ticket, machine_reasons=verdict.reasons)
        return Outcome(InboundStatus.IGNORED, machine_reasons=verdict.reasons)
    if parsed.from_ is None or not parsed.from_.email:
        raise Unroutable("the email has no usable sender address (From)")

    sender = parsed.from_
    all_recipients = [*recipients, *(a.email for a in parsed.to), *(a.email for a in parsed.cc)]
    ticket = _threaded_ticket(parsed, all_recipients, our_addresses, lookups)
    contact = lookups.contact(sender.email)
    if ticket is not None:
        contact = contacts.participant(ticket, sender, contact, lookups)
        if contact is None:
            ticket = None  # a stranger citing a ticket does not get to write on it: a ticket of their own instead
    if ticket is not None and ticket.status != Status.CLOSED:
        assert contact is not None
        return _append(ticket, contact, parsed, ours, lookups)
    return _open(parsed, sender_contact=contact, mailbox=mailbox, follow_up_of=ticket, ours=ours, lookups=lookups)


def _mailbox_for(recipients: Sequence[str], parsed: ParsedEmail, ours: set[str], lookups: Lookups) -> Mailbox | None:
    candidates = [*recipients, *(a.email for a in parsed.to), *(a.email for a in parsed.cc)]
    for address in candidates:
        base = matching.base_address(address)
        if base in ours:
            return lookups.mailbox(base)
    return None


def thread_hints(parsed: ParsedEmail, recipients: Sequence[str], our_addresses: list[str]) -> matching.ThreadHints:
    return matching.hints(
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        subject=parsed.subject,
        recipients=recipients,
        mailbox_addresses=our_addresses,
        prefix=settings.TICKET_PREFIX,
    )


def _threaded_ticket(
    parsed: ParsedEmail, recipients: list[str], our_addresses: list[str], lookups: Lookups
) -> Ticket | None:
    hints = thread_hints(parsed, recipients, our_addresses)
    ticket: Ticket | None = None
    if hints.cited_ids:
        ticket_id = lookups.threaded_ticket_id(hints.cited_ids)
        if ticket_id is not None:
            ticket = Ticket.objects.filter(id=ticket_id).first()
    for number in (hints.subject_number, hints.address_number):
        if ticket is None and number is not None:
            ticket = Ticket.objects.filter(number=number).first()
    # A merged ticket's conversation continues on the ticket it was merged into.
    hops = 0
    while ticket is not None and ticket.merged_into_id is not None and hops < 10:
        ticket = Ticket.objects.get(id=ticket.merged_into_id)
        hops += 1
    return ticket


def _body(parsed: ParsedEmail) -> tuple[str, str]:
    text = parsed.text.strip() or EMPTY_BODY
    if len(text) > tickets.MAX_BODY_CHARS:
        text = text[: tickets.MAX_BODY_CHARS - 200] + "\n\n[… truncated: the full email is kept as received]"
    return text, display.folded_html(parsed)


def _uploads(parsed: ParsedEmail) -> tuple[list[SimpleUploadedFile], list[str]]:
    """Attachments the ticket may hold, and a note for each one it may not (type or size): the raw email keeps it."""
    accepted: list[SimpleUploadedFile] = []
    withheld: list[str] = []
    for part in parsed.attachments:
        upload = _upload(part)
        try:
            validate_uploads([upload])
        except DomainError as exc:
            withheld.append(f"{part.filename}: {exc}")
            continue
        accepted.append(upload)
    return accepted, withheld


def _upload(part: ParsedAttachment) -> SimpleUploadedFile:
    upload = SimpleUploadedFile(part.filename, part.data, content_type=part.content_type)
    upload.content_id = part.content_id  # type: ignore[attr-defined]  # read by store_attachments for cid: images
    return upload


def _with_withheld(text: str, withheld: list[str]) -> str:
    if not withheld:
        return text
    lines = "\n".join(f"- {item}" for item in withheld)
    return f"{text}\n\n[Attachments not added to the ticket (kept in the original email):\n{lines}]"


def _append(ticket: Ticket, contact: Contact, parsed: ParsedEmail, ours: set[str], lookups: Lookups) -> Outcome:
    text, html = _body(parsed)
    uploads, withheld = _uploads(parsed)
    message = tickets.contact_message(
        contact=contact, ticket=ticket, body=_with_withheld(text, withheld), body_html=html or None, uploads=uploads
    )
    _remember(ticket, message, parsed, lookups)
    _follow(ticket, parsed, exclude=contact.email, ours=ours, lookups=lookups)
    return Outcome(InboundStatus.TICKET, ticket=ticket, message=message)


def _open(
    parsed: ParsedEmail,
    *,
    sender_contact: Contact | None,
    mailbox: Mailbox | None,
    follow_up_of: Ticket | None,
    ours: set[str],
    lookups: Lookups,
) -> Outcome:
    assert parsed.from_ is not None
    placement = contacts.place_sender(parsed.from_, sender_contact, mailbox, lookups)
    if placement is None:
        outbound.send_refusal(parsed, mailbox, lookups)
        return Outcome(InboundStatus.REFUSED, note="unknown sender: this mailbox refuses mail from unknown senders")
    text, html = _body(parsed)
    uploads, withheld = _uploads(parsed)
    subject = matching.strip_reply_prefixes(parsed.subject)[:250] or NO_SUBJECT
    ticket = tickets.open_ticket(
        by=None,
        new=tickets.NewTicket(
            subject=subject,
            body=_with_withheld(text, withheld),
            body_html=html or None,
            organisation=placement.organisation,
            requester=placement.contact,
            channel=Channel.EMAIL,
            team=mailbox.team if mailbox else None,
            number=lookups.take_number(),
            requester_organisation_ids=lookups.requester_organisation_ids(placement.contact),
            entitlement_facts=lookups.entitlement_facts(placement.organisation),
        ),
        uploads=uploads,
    )
    message: Message = ticket.opening_message  # type: ignore[attr-defined]
    lookups.opened(ticket)
    if follow_up_of is not None:
        tickets.log(ticket, None, "follow_up", after={"of": follow_up_of.reference})
    _remember(ticket, message, parsed, lookups)
    _follow(ticket, parsed, exclude=placement.contact.email, ours=ours, lookups=lookups)
    outbound.send_acknowledgement(ticket, parsed, mailbox, lookups)
    return Outcome(InboundStatus.TICKET, ticket=ticket, message=message)


def _remember(ticket: Ticket, message: Message, parsed: ParsedEmail, lookups: Lookups) -> None:
    if parsed.message_id:
        # Written at the end of the transaction; a Message-ID already known (a resent message, a forged id) keeps
        # pointing where it pointed.
        lookups.remember_thread(parsed.message_id, ticket, message)


def _follow(ticket: Ticket, parsed: ParsedEmail, *, exclude: str, ours: set[str], lookups: Lookups) -> None:
    """Cc'd people who are contacts of the ticket's organisation (or of its domain) follow the ticket."""
    for address in [*parsed.cc, *parsed.to]:
        email = address.email.lower()
        if not email or email == exclude.lower() or matching.base_address(email) in ours:
            continue
        contact = contacts.colleague(ticket.organisation, address, lookups)
        if contact is not None:
            Follower.objects.get_or_create(
                ticket=ticket, email=contact.email, defaults={"contact": contact, "added_at": clock.now()}
            )
