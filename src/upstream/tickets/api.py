"""Tickets over the REST API: list, open, read, change, reply, note, upload, download.

Thin by design: parse the input, call the named queries (who may see what) and services (what may change), and
shape the output. Every rule lives in queries.py and services.py, shared with the web UI.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import File, Form, Query, Router, Schema, UploadedFile
from pydantic import Field, StringConstraints

from upstream.accounts.api import actor
from upstream.accounts.models import Team, User
from upstream.core.api import Cursor, Id, Limit, PageParams, Ref, ShortText, StrictInput, TagName, Text, page_of
from upstream.core.errors import Forbidden, InvalidInput, NotFound
from upstream.customers.models import Channel, Priority
from upstream.customers.queries import access_contact, access_organisation, contact_of
from upstream.tickets import services
from upstream.tickets.downloads import attachment_response
from upstream.tickets.models import Attachment, Category, Message, MessageKind, Platform, Status, Ticket, Tier
from upstream.tickets.queries import (
    LIST_ORDER,
    QUEUE_ORDER,
    TicketFilters,
    access_attachment,
    access_ticket,
    apply_filters,
    queue_tickets,
    visible_messages,
    visible_tickets,
    with_list_relations,
)

tickets = Router()
attachments = Router()

MESSAGE_ORDER = ("created_at", "id")
IntakeText = Annotated[str, StringConstraints(max_length=20_000), Field(description="free text")]
Tags = Annotated[list[TagName], Field(max_length=20, description="tag names, at most 20")]


# --- output -------------------------------------------------------------------------------------------------------


class ContactRef(Schema):
    id: int
    name: str
    email: str


class UserRef(Schema):
    id: int
    username: str
    name: str


class ContractRef(Schema):
    id: int
    reference: str
    status: str
    plan: Ref


class SlaMetricOut(Schema):
    metric: str = Field(description="first_response, next_response or resolution")
    state: str = Field(description="running, paused, fulfilled, breached or not_applicable")
    due_at: datetime | None
    warn_at: datetime | None
    breached: bool
    explanation: str


class SlaOut(Schema):
    policy_id: int | None = Field(description="the SLA policy in force (see /sla/policies/); null when none applies")
    computed_at: datetime
    metrics: list[SlaMetricOut]


class TicketOut(Schema):
    id: int
    number: int
    reference: str = Field(description='the readable number, e.g. "UP-10001"')
    subject: str
    status: str
    priority: int = Field(description="1 (P1, critical) to 4 (P4, low)")
    category: str
    channel: str
    tier: str
    organisation: Ref
    requester: ContactRef
    contract: ContractRef | None = Field(description="the contract that entitles the request; null without one")
    product: Ref | None
    product_version: Ref | None
    assignee: UserRef | None
    team: Ref | None
    tags: list[str]
    platform: str
    environment: str
    recent_changes: str
    purchase_date: date | None
    access_notes: str
    created_at: datetime
    updated_at: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    allowed_statuses: list[str] = Field(description="the statuses you may change this ticket to now")
    sla_due_at: datetime | None = Field(description="the earliest running SLA deadline; null when none runs")
    sla: SlaOut | None = Field(description="the SLA per metric as last computed; null before the first computation")


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class AuthorOut(Schema):
    name: str
    staff: bool


class MessageOut(Schema):
    id: int
    kind: str
    channel: str
    author: AuthorOut
    body_text: str
    body_html: str = Field(description="sanitised HTML")
    created_at: datetime
    attachments: list[AttachmentOut]


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None


def _ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


def ticket_out(ticket: Ticket, user: User) -> dict[str, Any]:
    contract = ticket.contract
    assignee = ticket.assignee
    return {
        "id": ticket.id,
        "number": ticket.number,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "category": ticket.category,
        "channel": ticket.channel,
        "tier": ticket.tier,
        "organisation": _ref(ticket.organisation),
        "requester": {"id": ticket.requester.id, "name": ticket.requester.name, "email": ticket.requester.email},
        "contract": None
        if contract is None
        else {
            "id": contract.id,
            "reference": contract.reference,
            "status": contract.status,
            "plan": _ref(contract.plan),
        },
        "product": _ref(ticket.product),
        "product_version": _ref(ticket.product_version),
        "assignee": None
        if assignee is None
        else {"id": assignee.id, "username": assignee.username, "name": assignee.display_name},
        "team": _ref(ticket.team),
        "tags": sorted(tag.name for tag in ticket.tags.all()),
        "platform": ticket.platform,
        "environment": ticket.environment,
        "recent_changes": ticket.recent_changes,
        "purchase_date": ticket.purchase_date,
        "access_notes": ticket.access_notes,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "first_responded_at": ticket.first_responded_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "allowed_statuses": services.statuses_open_to(user, ticket),
        "sla_due_at": ticket.next_deadline,
        "sla": _sla(ticket),
    }


def _sla(ticket: Ticket) -> dict[str, Any] | None:
    """The SLA app's per-ticket state, read through the reverse one-to-one `ticket.sla` (prefetched by lists), so
    tickets imports nothing from sla."""
    try:
        sla = ticket.sla
    except ObjectDoesNotExist:
        return None
    return {
        "policy_id": sla.policy_id,
        "computed_at": sla.computed_at,
        "metrics": [
            {
                "metric": name,
                "state": snap["state"],
                "due_at": snap["due_at"],
                "warn_at": snap["warn_at"],
                "breached": snap["breached"],
                "explanation": snap["explanation"],
            }
            for name, snap in sla.metrics.items()
        ],
    }


def attachment_out(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": reverse("api:download_attachment", kwargs={"attachment_id": attachment.id}),
    }


def message_out(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "kind": message.kind,
        "channel": message.channel,
        "author": {"name": message.author_name, "staff": message.is_from_staff},
        "body_text": message.body_text,
        "body_html": message.body_html,
        "created_at": message.created_at,
        "attachments": [attachment_out(a) for a in message.attachments.all()],
    }


def _detail(user: User, ticket_id: int) -> dict[str, Any]:
    """A ticket re-read with everything its representation shows (after a change the actor just made)."""
    ticket = (
        Ticket.objects.select_related(
            "organisation", "requester", "assignee", "team", "product", "product_version", "contract__plan"
        )
        .prefetch_related("tags", "sla")
        .get(id=ticket_id)
    )
    return ticket_out(ticket, user)


# --- list ---------------------------------------------------------------------------------------------------------


class TicketQuery(Schema):
    status: list[Status] = Field(default=[], description="repeat to match any of several")
    priority: list[Priority] = Field(default=[], description="1 to 4; repeat to match any of several")
    category: list[Category] = Field(default=[], description="repeat to match any of several")
    channel: list[Channel] = Field(default=[], description="repeat to match any of several")
    organisation: Id | None = None
    product: Id | None = None
    team: Id | None = None
    assignee: Id | None = None
    requester: Id | None = None
    tag: TagName | None = None
    created_from: date | None = Field(default=None, description="created on or after this day")
    created_to: date | None = Field(default=None, description="created on or before this day")
    q: ShortText = Field(default="", description="a ticket number (UP-10001) or words of the subject")
    queue: Literal["mine", "unassigned", "teams", "open", "waiting"] | None = Field(
        default=None, description="an inbox queue; sorts by priority then age instead of newest first"
    )
    cursor: Cursor | None = None
    limit: Limit | None = None


@tickets.get("", response=TicketPage, summary="List tickets")
def list_tickets(request: HttpRequest, filters: Query[TicketQuery]) -> dict[str, Any]:
    """The tickets you may see, newest first (or in queue order with `queue`), one cursor page at a time."""
    user = actor(request)
    base = queue_tickets(user, filters.queue) if filters.queue else visible_tickets(user)
    found = apply_filters(
        base,
        TicketFilters(
            status=[s.value for s in filters.status],
            priority=[int(p) for p in filters.priority],
            category=[c.value for c in filters.category],
            channel=[c.value for c in filters.channel],
            organisation=filters.organisation,
            product=filters.product,
            team=filters.team,
            assignee=filters.assignee,
            requester=filters.requester,
            tag=filters.tag,
            created_from=filters.created_from,
            created_to=filters.created_to,
            q=filters.q,
        ),
    )
    rows = with_list_relations(found).select_related("contract__plan")
    order = QUEUE_ORDER if filters.queue else LIST_ORDER
    params = PageParams(cursor=filters.cursor, limit=filters.limit)
    return page_of(rows, order, params, lambda ticket: ticket_out(ticket, user))


# --- open ---------------------------------------------------------------------------------------------------------


class TicketIn(StrictInput):
    organisation: Id = Field(description="the organisation the request is for")
    requester: Id | None = Field(default=None, description="contact id; customers may leave it out (themselves)")
    subject: Text
    body: Text
    category: Category = Category.HOWTO
    priority: Priority | None = Field(default=None, description="1 to 4; defaults from the category")
    product: Id | None = None
    product_version: Id | None = None
    platform: Platform = Platform.UNKNOWN
    environment: IntakeText = ""
    recent_changes: IntakeText = ""
    purchase_date: date | None = None
    access_notes: IntakeText = ""
    tags: Tags = []


def _requester(user: User, requester_id: int | None) -> Any:
    if requester_id is None:
        if user.is_staff_member:
            raise InvalidInput("name the requester (a contact id)", field="requester")
        own = contact_of(user)
        if own is None:
            raise InvalidInput("your account is not linked to a contact; name the requester", field="requester")
        return own
    try:
        return access_contact(user, requester_id)
    except NotFound:
        raise InvalidInput(f"unknown contact {requester_id}", field="requester") from None


@tickets.post("", response={201: TicketOut}, summary="Open a ticket")
def open_ticket(request: HttpRequest, payload: TicketIn) -> dict[str, Any]:
    """Open a ticket (channel "api") with its first message. Customers open tickets in their own name."""
    user = actor(request)
    try:
        organisation = access_organisation(user, payload.organisation)
    except NotFound:
        raise InvalidInput(f"unknown organisation {payload.organisation}", field="organisation") from None
    requester = _requester(user, payload.requester)
    product, version = services.resolve_product(payload.product, payload.product_version)
    ticket = services.open_ticket(
        by=user,
        new=services.NewTicket(
            organisation=organisation,
            requester=requester,
            subject=payload.subject,
            body=payload.body,
            category=payload.category.value,
            priority=int(payload.priority) if payload.priority is not None else None,
            channel=Channel.API,
            product=product,
            product_version=version,
            intake=services.Intake(
                platform=payload.platform.value,
                environment=payload.environment,
                recent_changes=payload.recent_changes,
                purchase_date=payload.purchase_date,
                access_notes=payload.access_notes,
            ),
            tags=payload.tags,
        ),
    )
    return _detail(user, ticket.id)


# --- read and change ----------------------------------------------------------------------------------------------


@tickets.get("/{ref}", response=TicketOut, summary="Get a ticket")
def get_ticket(request: HttpRequest, ref: str) -> dict[str, Any]:
    """`ref` is the ticket's reference ("UP-10001") or its number ("10001")."""
    user = actor(request)
    return ticket_out(access_ticket(user, ref), user)


class TicketPatch(StrictInput):
    """Only the fields you send change. `null` empties assignee, team, product, product_version, purchase_date."""

    status: Status | None = Field(default=None, description="customers may only set closed")
    subject: Text | None = None
    priority: Priority | None = None
    category: Category | None = None
    tier: Tier | None = None
    assignee: Id | None = Field(default=None, description="an agent's user id")
    team: Id | None = None
    product: Id | None = None
    product_version: Id | None = None
    tags: Tags | None = Field(default=None, description="the complete new set of tags")
    platform: Platform | None = None
    environment: IntakeText | None = None
    recent_changes: IntakeText | None = None
    purchase_date: date | None = None
    access_notes: IntakeText | None = None


_NULLABLE = {"assignee", "team", "product", "product_version", "purchase_date"}
_INTAKE = ("platform", "environment", "recent_changes", "purchase_date", "access_notes")


def _plain(value: Any) -> Any:
    # Enum members (Status.OPEN …) become their stored value.
    return getattr(value, "value", value)


def _changes(payload: TicketPatch, sent: set[str]) -> services.TicketChanges:
    assignee = None
    if payload.assignee is not None:
        assignee = User.objects.filter(id=payload.assignee).first()
        if assignee is None:
            raise InvalidInput(f"unknown user {payload.assignee}", field="assignee")
    team = None
    if payload.team is not None:
        team = Team.objects.filter(id=payload.team).first()
        if team is None:
            raise InvalidInput(f"unknown team {payload.team}", field="team")
    product, version = services.resolve_product(payload.product, payload.product_version)
    clear = {name for name in _NULLABLE & sent if getattr(payload, name) is None}
    if "product" in clear and version is not None:
        raise InvalidInput("a version needs its product: send the product, or leave product out", field="product")
    return services.TicketChanges(
        subject=payload.subject,
        priority=int(payload.priority) if payload.priority is not None else None,
        category=_plain(payload.category),
        tier=_plain(payload.tier),
        assignee=assignee,
        team=team,
        product=product,
        product_version=version,
        tags=payload.tags,
        intake={name: _plain(getattr(payload, name)) for name in _INTAKE if name in sent},
        clear=clear,
    )


@tickets.patch("/{ref}", response=TicketOut, summary="Change a ticket")
def update_ticket(request: HttpRequest, ref: str, payload: TicketPatch) -> dict[str, Any]:
    """Agents change any field; customers may only close their ticket (`{"status": "closed"}`).

    An invalid status change is a 409 that names the allowed ones; nothing else in the request is applied then.
    """
    user = actor(request)
    ticket = access_ticket(user, ref)
    sent = set(payload.model_fields_set)
    for name in sorted(sent - _NULLABLE):
        if getattr(payload, name) is None:
            raise InvalidInput(f"{name} cannot be null", field=name)
    fields = sent - {"status"}
    if fields and not user.is_staff_member:
        # Checked before the ids in the request are looked up, so a customer cannot probe which users exist.
        raise Forbidden('only agents can change a ticket\'s fields; customers may close it with {"status": "closed"}')
    with transaction.atomic():
        if fields:
            ticket = services.update_ticket(by=user, ticket=ticket, changes=_changes(payload, sent))
        if payload.status is not None:
            services.change_status(by=user, ticket=ticket, status=payload.status.value)
    return _detail(user, ticket.id)


class MergeIn(StrictInput):
    into: ShortText = Field(description='the ticket to merge into, e.g. "UP-10234"')


@tickets.post("/{ref}/merge", response=TicketOut, summary="Merge a ticket into another (agents)")
def merge_ticket(request: HttpRequest, ref: str, payload: MergeIn) -> dict[str, Any]:
    """Merge the duplicate `ref` into `into`: its messages move there with their times and attachments, it is closed
    and points at the target, and the target's SLA keeps the earliest clock. Returns the target.

    403 for customers; 404 when either ticket is not visible; 409 when `ref` is already merged, `into` is closed or
    merged, or both are the same ticket; 422 when `into` belongs to another organisation."""
    user = actor(request)
    source = access_ticket(user, ref)
    if not user.is_staff_member:
        # Before `into` is looked up, so a customer cannot probe which tickets exist.
        raise Forbidden("only agents can merge tickets")
    target = access_ticket(user, payload.into)
    merged = services.merge_tickets(by=user, source=source, target=target)
    return _detail(user, merged.id)


# --- conversation -------------------------------------------------------------------------------------------------


@tickets.get("/{ref}/messages", response=MessagePage, summary="List a ticket's messages")
def list_messages(request: HttpRequest, ref: str, page: Query[PageParams]) -> dict[str, Any]:
    """The thread, oldest first. Customers never see internal notes."""
    user = actor(request)
    ticket = access_ticket(user, ref)
    return page_of(visible_messages(user, ticket), MESSAGE_ORDER, page, message_out)


class ReplyIn(StrictInput):
    body: Text
    status: Status | None = Field(default=None, description="agents: the status to set with the reply")


class NoteIn(StrictInput):
    body: Text


@tickets.post("/{ref}/replies", response={201: MessageOut}, summary="Reply publicly")
def post_reply(request: HttpRequest, ref: str, payload: ReplyIn) -> dict[str, Any]:
    user = actor(request)
    ticket = access_ticket(user, ref)
    message = services.reply(
        by=user, ticket=ticket, body=payload.body, channel=Channel.API, then_status=_plain(payload.status)
    )
    return message_out(message)


@tickets.post("/{ref}/notes", response={201: MessageOut}, summary="Add an internal note (agents)")
def post_note(request: HttpRequest, ref: str, payload: NoteIn) -> dict[str, Any]:
    user = actor(request)
    ticket = access_ticket(user, ref)
    return message_out(services.add_note(by=user, ticket=ticket, body=payload.body))


@tickets.post("/{ref}/messages/upload", response={201: MessageOut}, summary="Post a message with attachments")
def post_upload(
    request: HttpRequest,
    ref: str,
    body: Form[Text],
    kind: Form[MessageKind] = MessageKind.PUBLIC,
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> dict[str, Any]:
    """multipart/form-data: `body`, `kind` (public or internal) and any number of `files`. A file that is too large
    (413) or of a forbidden type (422) rejects the whole message: nothing is saved."""
    user = actor(request)
    ticket = access_ticket(user, ref)
    uploads = list(files or [])
    if kind == MessageKind.INTERNAL:
        message = services.add_note(by=user, ticket=ticket, body=body, uploads=uploads)
    else:
        message = services.reply(by=user, ticket=ticket, body=body, uploads=uploads, channel=Channel.API)
    return message_out(message)


@attachments.get("/{attachment_id}", url_name="download_attachment", summary="Download an attachment")
def download_attachment(request: HttpRequest, attachment_id: Id) -> FileResponse:
    """The file, always as a download with safe headers."""
    return attachment_response(access_attachment(actor(request), attachment_id))
