"""Every change to a ticket goes through here: named actions with an explicit actor, one transaction, an activity
entry per change, and events announced after commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import BigIntegerField, F, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from upstream import events
from upstream.accounts.models import Role, Team, User
from upstream.core import clock
from upstream.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from upstream.core.html import html_to_text, sanitise, text_to_html
from upstream.customers import entitlements
from upstream.customers.models import (
    Channel,
    Contact,
    Membership,
    Organisation,
    Priority,
    Product,
    ProductVersion,
)
from upstream.customers.queries import contact_of, entitling_contract
from upstream.tickets import rules
from upstream.tickets.attachments import Upload, store_attachments, validate_uploads
from upstream.tickets.models import (
    Activity,
    Category,
    Message,
    MessageKind,
    Platform,
    Status,
    Tag,
    Ticket,
    TicketCounter,
    Tier,
)

# Without an entitling contract (community, presales) a customer may ask for at most this priority.
FALLBACK_HIGHEST_PRIORITY = Priority.P3
MAX_BODY_CHARS = 200_000


def next_numbers(count: int = 1) -> range:
    """Reserve `count` consecutive ticket numbers (the counter row is locked until the transaction ends)."""
    counter = TicketCounter.objects.select_for_update().filter(id=1).first()
    if counter is None:
        counter = TicketCounter.objects.create(id=1)
        counter = TicketCounter.objects.select_for_update().get(id=1)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return range(first, first + count)


def log(
    ticket: Ticket,
    by: User | None,
    action: str,
    field: str = "",
    before: Any = None,
    after: Any = None,
    at: datetime | None = None,
) -> None:
    Activity.objects.create(
        ticket=ticket,
        actor=by,
        action=action,
        field=field,
        before=before,
        after=after,
        created_at=at or clock.now(),
    )


def resolve_product(product_id: int | None, version_id: int | None) -> tuple[Product | None, ProductVersion | None]:
    """Look up a product and version by id; unknown ids or a version of another product are 422s."""
    product = None
    if product_id is not None:
        product = Product.objects.filter(id=product_id).first()
        if product is None:
            raise InvalidInput(f"unknown product {product_id}", field="product")
    version = None
    if version_id is not None:
        version = ProductVersion.objects.select_related("product").filter(id=version_id).first()
        if version is None:
            raise InvalidInput(f"unknown product version {version_id}", field="product_version")
        if product is None:
            product = version.product
        elif version.product_id != product.id:
            raise InvalidInput(
                f"version {version.name} belongs to {version.product.name}, not {product.name}",
                field="product_version",
            )
    return product, version


def highest_priority_for(organisation: Organisation, product: Product | None, on: date) -> int:
    contract = entitling_contract(organisation, product, on)
    return contract.plan.highest_priority if contract else FALLBACK_HIGHEST_PRIORITY


def _check_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise InvalidInput("the message is empty", field="body")
    if len(body) > MAX_BODY_CHARS:
        raise InvalidInput(f"the message is longer than {MAX_BODY_CHARS} characters", field="body")
    return body


def _check_choice(value: str, choices: Iterable[str], field: str) -> str:
    allowed = list(choices)
    if value not in allowed:
        raise InvalidInput(f"unknown {field} {value!r}; expected one of " + ", ".join(allowed), field=field)
    return value


@dataclass
class Intake:
    """What an engineer needs before being pulled in."""

    platform: str = ""
    environment: str = ""
    recent_changes: str = ""
    purchase_date: date | None = None
    access_notes: str = ""


@dataclass
class NewTicket:
    organisation: Organisation
    requester: Contact
    subject: str
    body: str
    category: str = Category.HOWTO
    priority: int | None = None
    channel: str = Channel.PORTAL
    product: Product | None = None
    product_version: ProductVersion | None = None
    intake: Intake = field(default_factory=Intake)
    tags: Sequence[str] = ()
    body_html: str | None = None
    team: Team | None = None  # else the organisation's default team (an email mailbox routes to its own team)
    number: int | None = None  # one reserved beforehand with next_numbers (an email batch); else taken now
    # What the caller already read in this transaction (an email batch), sparing open_ticket the same reads: the ids
    # of the requester's organisations (their memberships), and the organisation's contracts for the entitlement.
    requester_organisation_ids: frozenset[int] | None = None
    entitlement_facts: entitlements.KnownFacts | None = None


def _check_requester(by: User | None, new: NewTicket) -> None:
    known = new.requester_organisation_ids
    member = (
        new.organisation.id in known
        if known is not None
        else Membership.objects.filter(contact=new.requester, organisation=new.organisation).exists()
    )
    if not member:
        raise InvalidInput(f"{new.requester.email} is not a contact of {new.organisation.name}", field="requester")
    if by is None or by.is_staff_member:
        return
    own = contact_of(by)
    if own is None or own.id != new.requester.id:
        # A customer opens tickets as themselves; org admins see others' tickets but do not speak for them.
        raise Forbidden("customers open tickets in their own name")


@transaction.atomic
def open_ticket(*, by: User | None, new: NewTicket, uploads: Sequence[Upload] = ()) -> Ticket:
    """Open a ticket. `by=None` means the requester wrote in through a channel with no login (email): the customer's
    rules apply (plan-capped priority) and the message is authored by the requester contact."""
    subject = " ".join(new.subject.split())
    if not subject:
        raise InvalidInput("the subject is empty", field="subject")
    if len(subject) > 250:
        raise InvalidInput("the subject is longer than 250 characters", field="subject")
    body = _check_body(new.body)
    _check_choice(new.category, Category.values, "category")
    _check_choice(new.channel, Channel.values, "channel")
    _check_choice(new.intake.platform, Platform.values, "platform")
    if new.product_version is not None and new.product is not None and new.product_version.product_id != new.product.id:
        raise InvalidInput("the version belongs to another product", field="product_version")
    _check_requester(by, new)
    validate_uploads(uploads)

    now = clock.now()
    priority = new.priority if new.priority is not None else rules.default_priority(new.category)
    _check_choice(str(priority), [str(p) for p in Priority.values], "priority")
    entitled = entitlements.at_intake(
        new.organisation, new.product, now.date(), team=new.team, known=new.entitlement_facts
    )
    contract = entitled.contract
    if by is None or not by.is_staff_member:
        highest = contract.plan.highest_priority if contract else FALLBACK_HIGHEST_PRIORITY
        if priority < highest:
            raise InvalidInput(
                f"your plan allows priority P{highest} to P4; P{priority} is not included", field="priority"
            )

    ticket = Ticket.objects.create(
        number=new.number if new.number is not None else next_numbers(1)[0],
        subject=subject,
        status=Status.NEW,
        priority=priority,
        category=new.category,
        channel=new.channel,
        organisation=new.organisation,
        requester=new.requester,
        contract=contract,
        entitlement=entitled.entitlement,
        product=new.product or (new.product_version.product if new.product_version else None),
        product_version=new.product_version,
        team=entitled.team,
        tier=Tier.L1,
        platform=new.intake.platform,
        environment=new.intake.environment.strip(),
        recent_changes=new.intake.recent_changes.strip(),
        purchase_date=new.intake.purchase_date,
        access_notes=new.intake.access_notes.strip(),
        created_at=now,
    )
    if new.tags:  # a new ticket has none to replace: skip the read
        _set_tags(ticket, new.tags)
    message = _add_message(
        ticket,
        by=by,
        contact=new.requester,
        kind=MessageKind.PUBLIC,
        channel=new.channel,
        body=body,
        body_html=new.body_html,
        uploads=uploads,
        at=now,
    )
    created: dict[str, Any] = {"status": ticket.status, "priority": ticket.priority}
    if by is None:
        created["by_contact"] = new.requester.name  # wrote in without a login (email): named in the activity log
    log(ticket, by, "created", after=created)
    events.emit("ticket.created", ticket_id=ticket.id, message_id=message.id, message_kind=message.kind)
    ticket.opening_message = message  # type: ignore[attr-defined]  # for channels that record it (email)
    return ticket


def _add_message(
    ticket: Ticket,
    *,
    by: User | None,
    contact: Contact | None,
    kind: str,
    channel: str,
    body: str,
    body_html: str | None,
    uploads: Sequence[Upload],
    at: Any,
    automated: bool = False,
) -> Message:
    html = sanitise(body_html) if body_html else text_to_html(body)
    text = body if not body_html else (body or html_to_text(html))
    message = Message.objects.create(
        ticket=ticket,
        kind=kind,
        channel=channel,
        author_user=by,
        author_contact=contact,
        body_text=text,
        body_html=html,
        created_at=at,
        automated=automated,
    )
    store_attachments(message, uploads)
    return message


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock so concurrent changes serialise. Only the ticket's row: a plain FOR UPDATE
    would also lock the joined organisation and requester rows, which every new ticket of that organisation needs
    (foreign-key check), so two transactions touching tickets of the same organisations could deadlock."""
    return Ticket.objects.select_for_update(of=("self",)).select_related("organisation", "requester").get(id=ticket.id)


def _open_for_reply(ticket: Ticket, body: str, body_html: str | None, uploads: Sequence[Upload]) -> tuple[Ticket, str]:
    """Validate a public message and lock its ticket; a closed ticket takes no more messages."""
    body = _check_body(body) if not body_html else body
    validate_uploads(uploads)
    locked = _lock(ticket)
    if locked.status == Status.CLOSED:
        raise Conflict("this ticket is closed; open a new ticket to continue")
    return locked, body


def _after_message(ticket: Ticket, original: Ticket, by: User | None, message: Message, target: str | None) -> None:
    if target and target != ticket.status:
        _set_status(ticket, by, target, message.created_at)
    events.emit("ticket.message_added", ticket_id=ticket.id, message_id=message.id, message_kind=message.kind)
    _copy_state(ticket, original)


@transaction.atomic
def reply(
    *,
    by: User,
    ticket: Ticket,
    body: str,
    uploads: Sequence[Upload] = (),
    channel: str = Channel.PORTAL,
    then_status: str | None = None,
    body_html: str | None = None,
) -> Message:
    """A public reply, by an agent or by the customer."""
    locked, body = _open_for_reply(ticket, body, body_html, uploads)
    now = clock.now()
    contact = None if by.is_staff_member else contact_of(by)
    message = _add_message(
        locked, by=by, contact=contact, kind=MessageKind.PUBLIC, channel=channel, body=body,
        body_html=body_html, uploads=uploads, at=now,
    )  # fmt: skip
    log(locked, by, "replied", after={"message": message.id})
    if by.is_staff_member:
        if locked.first_responded_at is None:
            locked.first_responded_at = now
            locked.save(update_fields=["first_responded_at", "updated_at"])
        target = then_status or rules.status_after_agent_reply(locked.status)
    else:
        if then_status is not None:
            raise Forbidden("customers cannot set a status with a reply")
        target = rules.status_after_customer_message(locked.status)
    _after_message(locked, ticket, by, message, target)
    return message


@transaction.atomic
def contact_message(
    *,
    contact: Contact,
    ticket: Ticket,
    body: str,
    body_html: str | None = None,
    uploads: Sequence[Upload] = (),
    channel: str = Channel.EMAIL,
) -> Message:
    """A public message from a customer's contact who wrote in without a login (an emailed answer)."""
    locked, body = _open_for_reply(ticket, body, body_html, uploads)
    message = _add_message(
        locked, by=None, contact=contact, kind=MessageKind.PUBLIC, channel=channel, body=body,
        body_html=body_html, uploads=uploads, at=clock.now(),
    )  # fmt: skip
    log(locked, None, "replied", after={"message": message.id, "by_contact": contact.name})
    _after_message(locked, ticket, None, message, rules.status_after_customer_message(locked.status))
    return message


@transaction.atomic
def automated_reply(*, ticket: Ticket, body: str, body_html: str | None = None) -> Message:
    """A public message written by Upstream itself (the answer bot). It changes no status and is not a response:
    the ticket still waits for a person, with its SLA running from the original request."""
    locked, body = _open_for_reply(ticket, body, body_html, ())
    message = _add_message(
        locked, by=None, contact=None, kind=MessageKind.PUBLIC, channel=locked.channel, body=body,
        body_html=body_html, uploads=(), at=clock.now(), automated=True,
    )  # fmt: skip
    log(locked, None, "automated_reply", after={"message": message.id})
    _after_message(locked, ticket, None, message, None)
    return message


@transaction.atomic
def resolve_on_confirmation(*, ticket: Ticket) -> bool:
    """The requester confirmed (through a signed link) that an offered answer solved the request: resolve it.
    False when the ticket has moved on (already resolved, closed, or being worked on by a person)."""
    locked = _lock(ticket)
    if locked.status not in (Status.NEW, Status.WAITING_CUSTOMER):
        return False
    _set_status(locked, None, Status.RESOLVED, clock.now())
    log(locked, None, "confirmed_solved", after={"by_contact": locked.requester.name})
    _copy_state(locked, ticket)
    return True


@transaction.atomic
def add_note(*, by: User, ticket: Ticket, body: str, uploads: Sequence[Upload] = ()) -> Message:
    """An internal note: seen by staff only, and not a response to the customer."""
    if not by.is_staff_member:
        raise Forbidden("only agents can add internal notes")
    body = _check_body(body)
    validate_uploads(uploads)
    locked = _lock(ticket)
    message = _add_message(
        locked, by=by, contact=None, kind=MessageKind.INTERNAL, channel=Channel.PORTAL, body=body,
        body_html=None, uploads=uploads, at=clock.now(),
    )  # fmt: skip
    log(locked, by, "noted", after={"message": message.id})
    events.emit("ticket.message_added", ticket_id=locked.id, message_id=message.id, message_kind=message.kind)
    return message


def _set_status(ticket: Ticket, by: User | None, target: str, now: Any) -> None:
    if not rules.can_transition(ticket.status, target):
        allowed = sorted(rules.allowed_next(ticket.status))
        raise Conflict(
            f"cannot change status from {ticket.status} to {target}; allowed: "
            + (", ".join(allowed) if allowed else "none (the ticket is closed)"),
            field="status",
        )
    before = ticket.status
    ticket.status = target
    if target == Status.RESOLVED:
        ticket.resolved_at = now
    elif target == Status.CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    elif before == Status.RESOLVED:
        ticket.resolved_at = None  # reopened
    ticket.save(update_fields=["status", "resolved_at", "closed_at", "updated_at"])
    log(ticket, by, "changed", "status", before, target)
    events.emit("ticket.updated", ticket_id=ticket.id, fields=["status"], before={"status": before})


@transaction.atomic
def change_status(*, by: User, ticket: Ticket, status: str) -> Ticket:
    _check_choice(status, Status.values, "status")
    if not by.is_staff_member and status != Status.CLOSED:
        raise Forbidden("customers can close their tickets; other status changes are made by agents")
    locked = _lock(ticket)
    if locked.status != status:
        _set_status(locked, by, status, clock.now())
    _copy_state(locked, ticket)
    return ticket


def statuses_open_to(by: User, ticket: Ticket) -> list[str]:
    """The statuses `by` may move `ticket` to now, in workflow order: exactly what change_status would accept."""
    allowed = rules.allowed_next(ticket.status)
    return [s for s in Status.values if s in allowed and (by.is_staff_member or s == Status.CLOSED)]


def _copy_state(source: Ticket, target: Ticket) -> None:
    if source is target:
        return
    for name in ("status", "resolved_at", "closed_at", "first_responded_at", "updated_at"):
        setattr(target, name, getattr(source, name))


@dataclass
class TicketChanges:
    """Fields an agent may change; None means "leave as is". `clear` names FK fields to empty."""

    subject: str | None = None
    priority: int | None = None
    category: str | None = None
    tier: str | None = None
    assignee: User | None = None
    team: Team | None = None
    product: Product | None = None
    product_version: ProductVersion | None = None
    tags: Sequence[str] | None = None
    intake: dict[str, Any] = field(default_factory=dict)
    clear: set[str] = field(default_factory=set)


_CLEARABLE = {"assignee", "team", "product", "product_version", "purchase_date"}


def _display(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return {"id": value.pk, "name": str(value)}


def _validate_changes(ticket: Ticket, changes: TicketChanges) -> None:
    if changes.priority is not None:
        _check_choice(str(changes.priority), [str(p) for p in Priority.values], "priority")
    if changes.category is not None:
        _check_choice(changes.category, Category.values, "category")
    if changes.tier is not None:
        _check_choice(changes.tier, Tier.values, "tier")
    if changes.subject is not None and not " ".join(changes.subject.split()):
        raise InvalidInput("the subject is empty", field="subject")
    if changes.subject is not None and len(" ".join(changes.subject.split())) > 250:
        raise InvalidInput("the subject is longer than 250 characters", field="subject")
    if changes.assignee is not None and not changes.assignee.is_staff_member:
        raise InvalidInput("tickets can be assigned to agents only", field="assignee")
    unknown = changes.clear - _CLEARABLE
    if unknown:
        raise InvalidInput("cannot clear " + ", ".join(sorted(unknown)), field="clear")
    if set(changes.intake) - {"platform", "environment", "recent_changes", "purchase_date", "access_notes"}:
        raise InvalidInput("unknown intake field", field="intake")
    if "platform" in changes.intake:
        _check_choice(changes.intake["platform"], Platform.values, "platform")
    product = changes.product or (None if "product" in changes.clear else ticket.product)
    version = changes.product_version
    if version is not None and product is not None and version.product_id != product.id:
        raise InvalidInput("the version belongs to another product", field="product_version")


@transaction.atomic
def update_ticket(*, by: User | None, ticket: Ticket, changes: TicketChanges) -> Ticket:
    """Change an agent-owned field or several; one activity entry per field that really changed.

    `by=None` is Upstream itself acting (an SLA escalation raising the tier or moving the ticket): recorded in the
    activity log without an actor and shown as "Upstream". Only code passes None; every request has a user, who
    must be staff."""
    if by is not None and not by.is_staff_member:
        raise Forbidden("only agents can change a ticket's fields")
    _validate_changes(ticket, changes)
    locked = _lock(ticket)
    proposed: dict[str, Any] = {
        "subject": " ".join(changes.subject.split()) if changes.subject is not None else None,
        "priority": changes.priority,
        "category": changes.category,
        "tier": changes.tier,
        "assignee": changes.assignee,
        "team": changes.team,
        "product": changes.product,
        "product_version": changes.product_version,
        **changes.intake,
    }
    changed: list[str] = []
    before_values: dict[str, Any] = {}
    for name, value in proposed.items():
        clearing = name in changes.clear
        if value is None and not clearing:
            continue
        new_value = None if clearing else value
        old_value = getattr(locked, name)
        if old_value == new_value:
            continue
        setattr(locked, name, new_value)
        if (
            name == "product"
            and locked.product_version
            and locked.product_version.product_id != getattr(new_value, "id", None)
        ):
            # A version of the old product no longer applies.
            log(locked, by, "changed", "product_version", _display(locked.product_version), None)
            locked.product_version = None
            changed.append("product_version")
        log(locked, by, "changed", name, _display(old_value), _display(new_value))
        before_values[name] = _display(old_value)
        changed.append(name)
    if changed:
        locked.save()
    if changes.tags is not None:
        old_tags = sorted(locked.tags.values_list("name", flat=True))
        new_tags = sorted(_set_tags(locked, changes.tags))
        if old_tags != new_tags:
            log(locked, by, "changed", "tags", old_tags, new_tags)
            changed.append("tags")
    if changed:
        events.emit("ticket.updated", ticket_id=locked.id, fields=changed, before=before_values)
    return locked


def _set_tags(ticket: Ticket, names: Iterable[str]) -> list[str]:
    cleaned = sorted({" ".join(n.split()).lower()[:50] for n in names if n and n.strip()})
    tags = [Tag.objects.get_or_create(name=name)[0] for name in cleaned]
    ticket.tags.set(tags)
    return cleaned


@transaction.atomic
def assign_ticket(*, by: User, ticket: Ticket, assignee: User | None) -> Ticket:
    changes = TicketChanges(assignee=assignee, clear=set() if assignee else {"assignee"})
    return update_ticket(by=by, ticket=ticket, changes=changes)


@dataclass
class BulkResult:
    done: list[int]
    failed: dict[int, str]


def _bulk(by: User, numbers: Sequence[int], action: Any) -> BulkResult:
    """Apply `action` to each visible ticket; one failure does not undo the others."""
    from upstream.tickets.queries import visible_tickets

    if not by.is_staff_member:
        raise Forbidden("bulk changes are for agents")
    tickets = {t.number: t for t in visible_tickets(by).filter(number__in=list(numbers)[:500])}
    result = BulkResult(done=[], failed={})
    for number in numbers:
        ticket = tickets.get(number)
        if ticket is None:
            result.failed[number] = "not found"
            continue
        try:
            with transaction.atomic():
                action(ticket)
            result.done.append(number)
        except (Conflict, InvalidInput, Forbidden, NotFound) as exc:
            result.failed[number] = exc.message
    return result


def bulk_assign(*, by: User, numbers: Sequence[int], assignee: User | None) -> BulkResult:
    return _bulk(by, numbers, lambda t: assign_ticket(by=by, ticket=t, assignee=assignee))


def bulk_close(*, by: User, numbers: Sequence[int]) -> BulkResult:
    return _bulk(by, numbers, lambda t: change_status(by=by, ticket=t, status=Status.CLOSED))


# The activity-log field of a merge on each side: the source records where it went, the target what it absorbed.
MERGED_INTO = "merged_into"
MERGED_TICKETS = "merged_tickets"


def _merge_sources(source: Ticket) -> list[dict[str, Any]]:
    """The tickets whose clocks the source carries: itself and, flattened, every ticket merged into it before.

    Recorded on the target's activity entry (id, number, creation), so the SLA replay finds each merged-in ticket's
    creation and messages from the target's own activity log, without reading the sources."""
    sources = [{"id": source.id, "number": source.number, "created_at": source.created_at.isoformat()}]
    for entry in Activity.objects.filter(ticket=source, action="merged", field=MERGED_TICKETS).order_by("id"):
        sources.extend((entry.after or {}).get("sources", []))
    return sources


@transaction.atomic
def merge_tickets(*, by: User, source: Ticket, target: Ticket) -> Ticket:
    """Merge a duplicate (`source`) into `target`: the source's messages move to the target with their times and
    attachments, each side gets an internal note and an activity entry, and the source is closed with `merged_into`
    and `merged_at` set. The target keeps its requester and fields; its SLA keeps the earliest clock (the replay
    counts from the earlier creation, see `sla.history`). Returns the target."""
    from upstream.tickets.queries import visible_tickets

    if not by.is_staff_member:
        raise Forbidden("only agents can merge tickets")
    # Both rows locked in id order, so two merges touching the same tickets cannot deadlock.
    ids = sorted({source.id, target.id})
    locked = {t.id: t for t in Ticket.objects.select_for_update().filter(id__in=ids).order_by("id")}
    visible = set(visible_tickets(by).filter(id__in=ids).values_list("id", flat=True))
    for ticket in (source, target):
        if ticket.id not in locked or ticket.id not in visible:
            raise NotFound(f"no ticket {ticket.reference}")
    src, dst = locked[source.id], locked[target.id]
    if src.id == dst.id:
        raise Conflict(f"cannot merge {src.reference} into itself", field="target")
    if src.organisation_id != dst.organisation_id:
        raise InvalidInput(
            f"{dst.reference} belongs to another organisation; only tickets of the same organisation can be merged",
            field="target",
        )
    if src.merged_into_id is not None:
        into = Ticket.objects.only("number").get(id=src.merged_into_id)
        raise Conflict(f"{src.reference} is already merged into {into.reference}", field="source")
    if dst.merged_into_id is not None:
        into = Ticket.objects.only("number").get(id=dst.merged_into_id)
        raise Conflict(
            f"{dst.reference} was merged into {into.reference}; merge into {into.reference} instead", field="target"
        )
    if dst.status == Status.CLOSED:
        raise Conflict(f"{dst.reference} is closed; merge into an open ticket", field="target")

    now = clock.now()
    sources = _merge_sources(src)
    # Messages keep the ticket they were first written on, so a ticket merged twice still replays its own history.
    moved = Message.objects.filter(ticket=src).update(
        ticket=dst, merged_from=Coalesce(F("merged_from"), Value(src.id), output_field=BigIntegerField())
    )
    _add_message(
        dst, by=by, contact=None, kind=MessageKind.INTERNAL, channel=Channel.PORTAL,
        body=_("Merged %(source)s into this ticket.") % {"source": src.reference},
        body_html=None, uploads=(), at=now,
    )  # fmt: skip
    _add_message(
        src, by=by, contact=None, kind=MessageKind.INTERNAL, channel=Channel.PORTAL,
        body=_("Merged into %(target)s.") % {"target": dst.reference},
        body_html=None, uploads=(), at=now,
    )  # fmt: skip
    if src.status != Status.CLOSED:
        _set_status(src, by, Status.CLOSED, now)
    src.merged_into, src.merged_at = dst, now
    src.save(update_fields=["merged_into", "merged_at", "updated_at"])
    log(src, by, "merged", MERGED_INTO, None, {"id": dst.id, "name": dst.reference}, at=now)

    responded = [t.first_responded_at for t in (src, dst) if t.first_responded_at is not None]
    dst.first_responded_at = min(responded, default=None)
    dst.save(update_fields=["first_responded_at", "updated_at"])
    log(
        dst, by, "merged", MERGED_TICKETS, None,
        {"id": src.id, "name": src.reference, "messages": moved, "sources": sources}, at=now,
    )  # fmt: skip
    events.emit("ticket.updated", ticket_id=src.id, fields=[MERGED_INTO], before={MERGED_INTO: None})
    events.emit("ticket.updated", ticket_id=dst.id, fields=[MERGED_TICKETS], before={})
    _copy_state(src, source)
    source.merged_into, source.merged_at = dst, now
    return dst


def agents() -> list[User]:
    return list(User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.ADMIN]).order_by("username"))
