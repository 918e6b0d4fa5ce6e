"""Telling a person something: an in-app notification and, optionally, an email.

The email goes out through Django's mail API once the transaction commits (a rolled-back escalation sends nothing).
It is sent inline for now; the email issue brings the full outbox (queued, retried, logged) and this is where it will
plug in.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse

from upstream.accounts.models import User
from upstream.core import clock
from upstream.notifications.models import Notification, NotificationKind
from upstream.tickets.models import Ticket

log = logging.getLogger(__name__)


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
        transaction.on_commit(lambda: _send(subject, body, user.email))
    return notification


def _send(subject: str, body: str, address: str) -> None:
    try:
        send_mail(subject, body, None, [address])
    except Exception:
        # The in-app notification is already stored; a mail server hiccup must not undo it.
        log.exception("could not email a notification to %s", address)


def unread(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, read_at__isnull=True)


def unread_count(user: User) -> int:
    return unread(user).count()


def mark_read(user: User, notification_id: int) -> bool:
    """Mark one of the user's own notifications read; False when there is no such unread one."""
    return bool(unread(user).filter(id=notification_id).update(read_at=clock.now()))


def mark_all_read(user: User) -> int:
    return unread(user).update(read_at=clock.now())
