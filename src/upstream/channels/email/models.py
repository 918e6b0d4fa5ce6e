"""Mailboxes, every inbound message as received, and what ties email to tickets (Message-IDs, followers)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Security(models.TextChoices):
    SSL = "ssl", _("IMAPS (TLS from the start)")
    STARTTLS = "starttls", _("IMAP with STARTTLS")
    NONE = "none", _("IMAP without encryption")


class ProcessedAction(models.TextChoices):
    FLAG = "flag", _("Mark as read")
    MOVE = "move", _("Move to a folder")
    DELETE = "delete", _("Delete")


class UnknownSenders(models.TextChoices):
    CREATE = "create", _("Create a contact and open a ticket")
    REFUSE = "refuse", _("Reply with a polite refusal")


class Mailbox(models.Model):
    """A support address. Mail reaches it by IMAP fetch, by the MTA pipe or by the built-in SMTP receiver."""

    name = models.CharField(_("name"), max_length=100)
    address = models.EmailField(_("address"), unique=True)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True,
        help_text=_("new tickets from this address go to this team (else the organisation's default team)"),
    )  # fmt: skip
    active = models.BooleanField(_("active"), default=True)
    imap_host = models.CharField(_("IMAP host"), max_length=253, blank=True, help_text=_("empty: no fetching"))
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(_("security"), max_length=10, choices=Security.choices, default=Security.SSL)
    imap_username = models.CharField(_("user name"), max_length=254, blank=True)
    imap_password = models.CharField(_("password"), max_length=500, blank=True)
    oauth2_token_url = models.URLField(_("OAuth2 token URL"), blank=True)
    oauth2_client_id = models.CharField(_("OAuth2 client ID"), max_length=500, blank=True)
    oauth2_client_secret = models.CharField(_("OAuth2 client secret"), max_length=500, blank=True)
    oauth2_refresh_token = models.TextField(
        _("OAuth2 refresh token"), blank=True, help_text=_("when set, log in with XOAUTH2 instead of the password")
    )
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    processed_action = models.CharField(
        _("after processing"), max_length=10, choices=ProcessedAction.choices, default=ProcessedAction.FLAG
    )
    move_to = models.CharField(_("move to folder"), max_length=200, default="Processed", blank=True)
    unknown_senders = models.CharField(
        _("unknown senders"), max_length=10, choices=UnknownSenders.choices, default=UnknownSenders.CREATE
    )
    fallback_organisation = models.ForeignKey(
        "customers.Organisation", verbose_name=_("organisation for unknown senders"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
        help_text=_("senders whose address and domain match no organisation become its contacts"),
    )  # fmt: skip
    auto_acknowledge = models.BooleanField(_("acknowledge new tickets"), default=True)
    last_fetch_at = models.DateTimeField(_("last fetch"), null=True, blank=True)
    last_fetch_error = models.TextField(_("last fetch error"), blank=True)
    last_fetch_count = models.PositiveIntegerField(default=0)
    # One fetch per mailbox at a time across workers: a fetch claims the mailbox until this time.
    fetch_lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["address"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.address

    @property
    def fetches(self) -> bool:
        return self.active and bool(self.imap_host)

    @property
    def uses_oauth2(self) -> bool:
        return bool(self.oauth2_refresh_token)


class Via(models.TextChoices):
    IMAP = "imap", _("IMAP")
    PIPE = "pipe", _("MTA pipe")
    SMTP = "smtp", _("SMTP receiver")


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    TICKET = "ticket", _("Added to a ticket")
    IGNORED = "ignored", _("Ignored (machine-generated)")
    BOUNCE = "bounce", _("Bounce recorded")
    REFUSED = "refused", _("Refused (unknown sender)")
    QUARANTINED = "quarantined", _("Quarantined")


def raw_path(instance: InboundEmail, filename: str) -> str:
    return f"mail/raw/{instance.received_at:%Y/%m}/{filename}"


class InboundEmail(models.Model):
    """One inbound message exactly as received (the raw bytes are kept) and what became of it."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound")
    via = models.CharField(_("via"), max_length=10, choices=Via.choices)
    # "mid:<Message-ID>", or "sha256:<hash of the raw bytes>" for a message without one: the same message ingested
    # twice (two mailboxes, an IMAP flag lost after commit, an MTA retry) is stored once.
    dedupe_key = models.CharField(max_length=300, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField(_("size"))
    raw = models.FileField(upload_to=raw_path, max_length=255)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=InboundStatus.choices, default=InboundStatus.RECEIVED)
    error = models.TextField(_("error"), blank=True)
    parse_problems = models.JSONField(default=list, blank=True)
    machine_reasons = models.JSONField(default=list, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_emails"
    )
    ticket_message = models.ForeignKey(
        "tickets.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=1)
    received_at = models.DateTimeField(_("received"), db_index=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        indexes = [models.Index(fields=["status", "-received_at"], name="inbound_status_recent")]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject}"


class Direction(models.TextChoices):
    INBOUND = "in", _("received")
    OUTBOUND = "out", _("sent")


class ThreadId(models.Model):
    """A Message-ID we received or sent on a ticket: replies that cite it (In-Reply-To, References) thread here."""

    message_id = models.CharField(max_length=255, unique=True)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    ticket_message = models.ForeignKey(
        "tickets.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["ticket", "-created_at"], name="threadid_ticket_recent")]

    def __str__(self) -> str:
        return f"<{self.message_id}>"


class Follower(models.Model):
    """Someone copied on a ticket (Cc'd on an email): they receive its public replies."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="email_followers")
    email = models.EmailField()
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "email"], name="follower_once_per_ticket")]

    def __str__(self) -> str:
        return self.email


class AutoReply(models.Model):
    """An automatic email we sent (acknowledgement, refusal): counted to rate-limit them per sender."""

    address = models.CharField(max_length=254)
    kind = models.CharField(max_length=20)
    sent_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["address", "-sent_at"], name="autoreply_address_recent")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.address}"
