"""Telling a person something: an in-app notification and, optionally, an email.

The email is written to the outbox (`outbox.queue_email`) in the same transaction as the notification, so a
rolled-back escalation sends nothing and a committed one is delivered, retried and logged by the outbox task.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse

from upstream.accounts.models import User
from upstream.core import clock
from upstream.notifications.models import Notification, NotificationKind, OutboundKind
from upstream.notifications.outbox import queue_email
from upstream.tickets.models import Ticket


@transaction.atomic
def notify(
    user: User,
    *,
    text: str,
    ticket: Ticket | None = None,
    kind: str = NotificationKind.GENERAL,
    url: str = "",
    email: bool = True,
) -> Notification:
    if not url and ticket is not None:
        url = reverse("tickets:detail", kwargs={"ref": ticket.reference})
    notification = Notification.objects.create(
        user=user, ticket=ticket, kind=kind, text=text[:500], url=url, created_at=clock.now()
    )
    if email and user.email:
        subject = text if len(text) <= 120 else text[:119] + "…"
        body = text + (f"\n\n{settings.SITE_URL.rstrip('/')}{url}" if url else "")
        queue_email(
            to=[user.email],
            subject=subject,
            text=body,
            ticket=ticket,
            kind=OutboundKind.NOTIFICATION,
            language=user.language or "",
            auto_submitted="auto-generated",  # RFC 3834: written by the system, so no out-of-office replies
        )
    return notification


def unread(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, read_at__isnull=True)


def unread_count(user: User) -> int:
    return unread(user).count()


def mark_read(user: User, notification_id: int) -> bool:
    """Mark one of the user's own notifications read; False when there is no such unread one."""
    return bool(unread(user).filter(id=notification_id).update(read_at=clock.now()))


def mark_all_read(user: User) -> int:
    return unread(user).update(read_at=clock.now())
