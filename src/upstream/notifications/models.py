"""In-app notifications for staff: what an SLA escalation (and later other apps) tells a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breach")
    GENERAL = "general", _("General")


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(
        _("kind"), max_length=24, choices=NotificationKind.choices, default=NotificationKind.GENERAL
    )
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notif_user_time"),
            # The bell counts unread ones: a small partial index, since most notifications end up read.
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notif_user_unread"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.text


class OutboundKind(models.TextChoices):
    REPLY = "reply", _("Reply")
    AUTO_REPLY = "auto_reply", _("Automatic reply")
    NOTIFICATION = "notification", _("Notification")
    REFUSAL = "refusal", _("Refusal")


class OutboundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")  # gave up: too many attempts, or a permanent (5xx) answer
    SUPPRESSED = "suppressed", _("Suppressed")  # every recipient is marked undeliverable


class OutboundEmail(models.Model):
    """One email in the outbox, written in the same transaction as whatever it tells (see `outbox.py`)."""

    kind = models.CharField(_("kind"), max_length=24, choices=OutboundKind.choices, default=OutboundKind.NOTIFICATION)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="outbound_emails"
    )
    # The ticket message this email carries (`message_id` is the email's Message-ID, hence the longer name).
    ticket_message = models.ForeignKey(
        "tickets.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="outbound_emails"
    )
    from_email = models.CharField(_("from"), max_length=320)
    to = models.JSONField(_("to"), default=list)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    reply_to = models.CharField(_("reply to"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=998)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    # Extra headers (In-Reply-To, References, Auto-Submitted, …); never the ones built from the fields above.
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)  # without the angle brackets
    attachments = models.ManyToManyField("tickets.Attachment", blank=True, related_name="+")
    language = models.CharField(_("language"), max_length=16, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=OutboundStatus.choices, default=OutboundStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When a worker may (next) pick the row up. While SENDING it equals `lease_until`, so one index serves both.
    next_attempt_at = models.DateTimeField(_("next attempt"))
    # A worker's claim: while `lease_until` is in the future nobody else sends this row; `lease_token` fences a
    # worker whose lease expired (its late "sent" is ignored if someone else has claimed the row since).
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # Recipients dropped because they are marked undeliverable: [{"email": …, "reason": …}].
    suppressed = models.JSONField(_("suppressed recipients"), default=list, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The worker's scan: only rows still to send (a small partial index; sent mail accumulates).
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=[OutboundStatus.PENDING, OutboundStatus.SENDING]),
                name="outbox_due",
            ),
            models.Index(fields=["ticket", "created_at"], name="outbox_ticket"),
        ]
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")

    def __str__(self) -> str:
        return self.subject


class EmailAddressState(models.Model):
    """What bounces taught us about an address. A hard bounce makes it undeliverable: the outbox skips it."""

    email = models.CharField(_("email"), max_length=320, unique=True)  # lower-case
    undeliverable = models.BooleanField(_("undeliverable"), default=False)
    reason = models.TextField(_("reason"), blank=True)
    hard_bounces = models.PositiveIntegerField(_("hard bounces"), default=0)
    soft_bounces = models.PositiveIntegerField(_("soft bounces"), default=0)
    last_bounce_at = models.DateTimeField(_("last bounce"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["email"]
        verbose_name = _("email address state")
        verbose_name_plural = _("email address states")

    def __str__(self) -> str:
        return self.email
