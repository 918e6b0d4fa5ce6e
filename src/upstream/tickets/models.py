"""Tickets, their messages and attachments, tags and the activity log."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from upstream.customers.models import Channel, Entitlement, Priority
from upstream.tickets import rules


class Status(models.TextChoices):
    NEW = rules.StatusValue.NEW, _("New")
    OPEN = rules.StatusValue.OPEN, _("Open")
    WAITING_CUSTOMER = rules.StatusValue.WAITING_CUSTOMER, _("Waiting on customer")
    WAITING_INTERNAL = rules.StatusValue.WAITING_INTERNAL, _("Waiting internal")
    RESOLVED = rules.StatusValue.RESOLVED, _("Resolved")
    CLOSED = rules.StatusValue.CLOSED, _("Closed")


class Category(models.TextChoices):
    """In order of urgency."""

    OUTAGE = rules.CategoryValue.OUTAGE, _("Outage")
    ONBOARDING = rules.CategoryValue.ONBOARDING, _("Onboarding / first use")
    DEFECT = rules.CategoryValue.DEFECT, _("Defect")
    PRESALES = rules.CategoryValue.PRESALES, _("Presales question")
    HOWTO = rules.CategoryValue.HOWTO, _("How-to / self-configuration")


class Tier(models.TextChoices):
    L1 = "l1", _("L1")
    L2 = "l2", _("L2")
    ENGINEERING = "engineering", _("Engineering")
    MANAGEMENT = "management", _("Management")


class Platform(models.TextChoices):
    UNKNOWN = "", _("Not stated")
    ON_PREMISES = "on_premises", _("On premises")
    PRIVATE_CLOUD = "private_cloud", _("Private cloud / Kubernetes")
    PUBLIC_CLOUD = "public_cloud", _("Public cloud")
    MANAGED = "managed", _("Our managed hosting")
    DESKTOP = "desktop", _("Desktop / workstation")


ACTIVE = Q(status__in=rules.ACTIVE_STATUSES)

# "No running SLA deadline" sorts after every real one. A sentinel instead of NULL keeps (priority, sla_due_at,
# created_at, id) a plain row value, so keyset cursors and the queue indexes work without NULL special cases.
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


# The order of every inbox queue (and the API's queue lists).
QUEUE_KEY = ("priority", "sla_due_at", "created_at", "id")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class TicketCounter(models.Model):
    """One row holding the last ticket number handed out; locked while a number is taken."""

    last_number = models.BigIntegerField(default=10000)

    def __str__(self) -> str:
        return f"last ticket number {self.last_number}"


class Ticket(models.Model):
    number = models.BigIntegerField(_("number"), unique=True)
    subject = models.CharField(_("subject"), max_length=250)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.P3)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.HOWTO)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.PORTAL)
    organisation = models.ForeignKey(
        "customers.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    requester = models.ForeignKey(
        "customers.Contact", verbose_name=_("requester"), on_delete=models.PROTECT, related_name="tickets"
    )
    contract = models.ForeignKey(
        "customers.Contract",
        verbose_name=_("contract"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        help_text=_("the contract that entitles this request; empty for community or presales requests"),
    )
    # Whether the request was entitled to support when it arrived, and if not why (customers.entitlements).
    entitlement = models.CharField(
        _("entitlement at intake"),
        max_length=24,
        choices=Entitlement.choices,
        blank=True,
        default=Entitlement.UNKNOWN,
        db_default=Entitlement.UNKNOWN,
    )
    product = models.ForeignKey(
        "customers.Product", verbose_name=_("product"), on_delete=models.PROTECT, null=True, blank=True
    )
    product_version = models.ForeignKey(
        "customers.ProductVersion", verbose_name=_("version"), on_delete=models.PROTECT, null=True, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey("accounts.Team", verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True)
    tier = models.CharField(_("support tier"), max_length=16, choices=Tier.choices, default=Tier.L1)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="tickets")
    # Intake: what an engineer needs before being pulled in.
    platform = models.CharField(_("platform / deployment"), max_length=20, choices=Platform.choices, blank=True)
    environment = models.TextField(_("environment"), blank=True, help_text=_("OS, versions, topology"))
    recent_changes = models.TextField(_("what changed recently"), blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    access_notes = models.TextField(_("access notes"), blank=True)

    # The earliest running SLA deadline, maintained by the SLA engine (NO_DEADLINE when none is running); the
    # inbox orders each queue by priority, then by this: the ticket closest to breaching comes first.
    sla_due_at = models.DateTimeField(_("next SLA deadline"), default=NO_DEADLINE, db_default=NO_DEADLINE)
    created_at = models.DateTimeField(_("created"), db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    first_responded_at = models.DateTimeField(_("first responded"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # A duplicate merged into another ticket: closed, its messages moved to `merged_into` (see services.merge_tickets).
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_tickets",
    )
    merged_at = models.DateTimeField(_("merged"), null=True, blank=True)

    class Meta:
        ordering = ["priority", "sla_due_at", "created_at", "id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # Inbox queues: active tickets by priority, then time to SLA breach, then age; keyset-paginated on
            # QUEUE_KEY = (priority, sla_due_at, created_at, id).
            models.Index(fields=[*QUEUE_KEY], condition=ACTIVE, name="tkt_q_active"),
            models.Index(fields=["assignee", *QUEUE_KEY], condition=ACTIVE, name="tkt_q_assignee"),
            models.Index(fields=["team", *QUEUE_KEY], condition=ACTIVE, name="tkt_q_team"),
            models.Index(fields=[*QUEUE_KEY], condition=ACTIVE & Q(assignee__isnull=True), name="tkt_q_unassigned"),
            models.Index(fields=["status", *QUEUE_KEY], name="tkt_q_status"),
            # Portal and API lists, newest first.
            models.Index(fields=["organisation", "id"], name="tkt_org"),
            models.Index(fields=["requester", "id"], name="tkt_requester"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return rules.format_number(settings.TICKET_PREFIX, self.number)

    @property
    def is_active(self) -> bool:
        return self.status in rules.ACTIVE_STATUSES

    @property
    def next_deadline(self) -> datetime | None:
        return None if self.sla_due_at >= NO_DEADLINE else self.sla_due_at


class MessageKind(models.TextChoices):
    PUBLIC = "public", _("Public reply")
    INTERNAL = "internal", _("Internal note")


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices, default=MessageKind.PUBLIC)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.PORTAL)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_contact = models.ForeignKey(
        "customers.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("sanitised HTML"))
    created_at = models.DateTimeField(_("created"))
    # Written by Upstream itself (the answer bot offering articles): shown to the customer, but never a response by
    # a person, so the SLA clock keeps running from the original request.
    automated = models.BooleanField(_("automated"), default=False)
    # The ticket this message was first written on, when a merge moved it here (null: written on this ticket). The
    # SLA engine replays it as part of that ticket's history.
    merged_from = models.ForeignKey(
        Ticket, verbose_name=_("merged from"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="msg_ticket_time")]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"

    @property
    def is_internal(self) -> bool:
        return self.kind == MessageKind.INTERNAL

    @property
    def author_name(self) -> str:
        # A customer is known to agents by their contact name; their login name is incidental.
        if self.author_contact is not None:
            return self.author_contact.name
        if self.author_user is not None:
            return self.author_user.display_name
        if self.automated:
            return str(_("Upstream assistant"))
        return str(_("Unknown"))

    @property
    def is_from_staff(self) -> bool:
        return self.author_user is not None and self.author_user.is_staff_member


def attachment_path(instance: Attachment, filename: str) -> str:
    # Stored under a random name: the customer's filename is metadata, never a path.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}/{instance.storage_name}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=127)
    size = models.BigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=64)
    # The MIME Content-ID of an image an HTML email shows inline (`<img src="cid:…">`); empty for ordinary files.
    content_id = models.CharField(_("content ID"), max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class Activity(models.Model):
    """One change to a ticket: who, when, what was before and after."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="activities")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField(_("action"), max_length=32)
    field = models.CharField(_("field"), max_length=32, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="activity_ticket_time")]
        verbose_name = _("activity")
        verbose_name_plural = _("activity log")

    def __str__(self) -> str:
        return f"{self.action} {self.field}".strip()
