"""The outgoing-mail outbox: every email is a row written in the caller's transaction, delivered later by a task.

Queueing (`queue_email`) writes an `OutboundEmail` inside the caller's transaction and enqueues the `deliver_outbox`
task once that transaction commits, so a rolled-back reply sends nothing and a committed one cannot be lost: if the
enqueue itself is lost, the periodic `deliver_outbox` job (every minute, `NotificationsConfig.ready`) picks the row up.

Delivery (`deliver_due`) works in three short steps per batch:

1. **Claim** (one transaction): due rows are locked with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL; a no-op on
   SQLite) and flipped to SENDING with a fresh `lease_token` and `lease_until`. The flip is a conditional UPDATE that
   repeats the "due" test, so two workers never both own a row even where row locks do not exist. Claiming counts the
   attempt, so a message that kills its worker every time still runs out of attempts.
2. **Send**, one message at a time over one SMTP connection, each preceded by a conditional lease renewal (a worker
   that lost its lease skips the row).
3. **Record** each outcome at once in its own transaction, fenced by the lease token: SENT, PENDING with exponential
   backoff (transient: connection refused, timeouts, 4xx), FAILED (5xx for every recipient, or too many attempts),
   SUPPRESSED (every recipient is marked undeliverable).

**At-least-once, not exactly-once.** SMTP has no idempotency key. If a worker dies (or its database write fails)
after the server accepted DATA but before SENT is committed, the lease expires and the row is re-sent, with the same
Message-ID, so receiving systems and mail clients can drop the duplicate. The window is one SMTP round trip plus one
small UPDATE per message. A row is never re-sent while its lease is live, and the lease (`LEASE`) is longer than the
SMTP timeout used for every connection (`SMTP_TIMEOUT`), so a slow server cannot make two workers send concurrently.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import encoders
from email.mime.base import MIMEBase
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.db import transaction
from django.db.models import F, Q

from upstream import events
from upstream.core import clock
from upstream.notifications.models import EmailAddressState, OutboundEmail, OutboundKind, OutboundStatus
from upstream.tickets.models import Attachment, Message, Ticket

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BACKOFF_BASE = timedelta(minutes=1)  # 1, 2, 4, 8 … minutes after each transient failure
BACKOFF_CAP = timedelta(hours=1)
LEASE = timedelta(minutes=5)
SMTP_TIMEOUT = 60  # seconds, per socket operation; well inside LEASE
BATCH = 50

# Headers the outbox builds from the row's own fields; `headers=` may not override them.
_RESERVED_HEADERS = {
    "from",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
}
# RFC 3463 X.1.Y: the address itself is wrong (no such mailbox, no such domain, bad syntax, moved, null MX).
_BAD_ADDRESS_CODES = ("5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10")


def make_message_id(domain: str | None = None) -> str:
    """A new, globally unique Message-ID without angle brackets: `up.20261124T010000.<random>@<domain>`, the domain
    being that of DEFAULT_FROM_EMAIL unless given."""
    if domain is None:
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "upstream.localhost"
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    return f"up.{stamp}.{secrets.token_hex(10)}@{domain}"


def normalise_address(address: str) -> str:
    return parseaddr(address)[1].strip().lower()


def _check_header(name: str, value: str) -> None:
    if "\n" in name or "\r" in name or "\n" in value or "\r" in value or ":" in name:
        raise ValueError(f"header {name!r} may not contain a line break")
    if name.strip().lower() in _RESERVED_HEADERS:
        raise ValueError(f"header {name!r} is built from the email's own fields; pass it as an argument")


def _check_address(address: str) -> None:
    if any(unicodedata.category(ch) == "Cc" for ch in address) or "@" not in parseaddr(address)[1]:
        raise ValueError(f"not an email address: {address!r}")


def queue_email(
    *,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str = "",
    cc: Sequence[str] = (),
    from_email: str | None = None,
    reply_to: str = "",
    headers: Mapping[str, str] | None = None,
    message_id: str | None = None,
    attachments: Sequence[Attachment] = (),
    ticket: Ticket | None = None,
    message: Message | None = None,
    kind: str = OutboundKind.NOTIFICATION,
    language: str = "",
    auto_submitted: bool | str = False,
) -> OutboundEmail:
    """Put an email in the outbox, inside the caller's transaction (or a transaction of its own when there is none):
        it leaves only if that transaction commits. `message_id` (without <>) lets the caller store it on its own rows
        first; `auto_submitted=True` marks an automatic reply (`Auto-Submitted: auto-replied`, plus
    `X-Auto-Response-Suppress: All`), a string gives another RFC 3834 value (`"auto-generated"` for notifications).
        Raises ValueError for no recipient, an address that is not one, a header with a line break, or a header the
    outbox builds itself."""
    recipients = [address for address in to if address.strip()]
    if not recipients:
        raise ValueError("an email needs at least one To address")
    extra = dict(headers or {})
    if auto_submitted:
        extra.setdefault("Auto-Submitted", "auto-replied" if auto_submitted is True else str(auto_submitted))
        extra.setdefault("X-Auto-Response-Suppress", "All")
    if language:
        extra.setdefault("Content-Language", language)
    for name, value in extra.items():
        _check_header(name, value)
    for address in [*recipients, *cc, *([reply_to] if reply_to else []), *([from_email] if from_email else [])]:
        _check_address(address)
    with transaction.atomic():  # the caller's transaction, or one of its own
        now = clock.now()
        email = OutboundEmail.objects.create(
            kind=kind,
            ticket=ticket,
            ticket_message=message,
            from_email=from_email or settings.DEFAULT_FROM_EMAIL,
            to=recipients,
            cc=[address for address in cc if address.strip()],
            reply_to=reply_to,
            subject=" ".join(subject.split())[:998],  # folded or multi-line subjects become one line
            body_text=text,
            body_html=html,
            headers=extra,
            message_id=(message_id or make_message_id()).strip("<>"),
            language=language,
            next_attempt_at=now,
            created_at=now,
        )
        if attachments:
            email.attachments.set(attachments)
    _enqueue_delivery_on_commit()
    return email


def _enqueue_delivery_on_commit() -> None:
    """One delivery task per transaction however many emails it queues: skip when a callback registered at this
    savepoint level (or an enclosing one) is already waiting, since it survives exactly when this email does."""
    connection = transaction.get_connection()
    current = set(connection.savepoint_ids)
    try:
        if any(func is _enqueue_delivery and set(sids) <= current for sids, func, *_ in connection.run_on_commit):
            return
    except (AttributeError, TypeError, ValueError):  # Django internals changed: one task per email is fine too
        pass
    transaction.on_commit(_enqueue_delivery)


def _enqueue_delivery() -> None:
    if events.defer_to_batch("upstream.notifications.outbox.enqueue_after_batch", None):
        return  # inside events.batch() (an IMAP fetch): one delivery task when the batch ends
    enqueue_after_batch([])


def enqueue_after_batch(_collected: list[object]) -> None:
    from upstream.notifications.tasks import deliver_outbox

    try:
        deliver_outbox.enqueue()
    except Exception:
        # The row is committed; the periodic job delivers it within a minute.
        log.exception("could not enqueue outbox delivery")


# --- address states -------------------------------------------------------------------------------------------------


def mark_undeliverable(address: str, *, reason: str, hard: bool) -> EmailAddressState:
    """Record a bounce. A hard one makes the address undeliverable (the outbox stops sending to it); a soft one is
    only counted."""
    email = normalise_address(address)
    now = clock.now()
    with transaction.atomic():
        state, _created = EmailAddressState.objects.select_for_update().get_or_create(
            email=email, defaults={"updated_at": now}
        )
        if hard:
            state.hard_bounces += 1
            state.undeliverable = True
            state.reason = reason[:2000]
        else:
            state.soft_bounces += 1
            if not state.undeliverable:
                state.reason = reason[:2000]
        state.last_bounce_at = now
        state.updated_at = now
        state.save()
    return state


def mark_deliverable(address: str) -> None:
    """Clear an undeliverable mark (an agent corrected the address, the mailbox exists again)."""
    EmailAddressState.objects.filter(email=normalise_address(address)).update(
        undeliverable=False, updated_at=clock.now()
    )


def is_undeliverable(address: str) -> bool:
    return EmailAddressState.objects.filter(email=normalise_address(address), undeliverable=True).exists()


def _undeliverable_among(addresses: Sequence[str]) -> dict[str, str]:
    keys = {normalise_address(a) for a in addresses}
    rows = EmailAddressState.objects.filter(email__in=keys, undeliverable=True).values_list("email", "reason")
    return dict(rows)


# --- delivery -------------------------------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    suppressed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # the lease was lost before sending


class _Transient(Exception):
    """Try again later (4xx, the network)."""


class _Permanent(Exception):
    """Retrying cannot help (5xx)."""

    def __init__(self, message: str, refused: Mapping[str, tuple[int, str]] | None = None) -> None:
        super().__init__(message)
        self.refused = dict(refused or {})


class _ConnectionDown(_Transient):
    """The server cannot be reached or refuses us: no message in this batch can go now."""


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 1, 2, 4 … minutes, at most BACKOFF_CAP."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def _due(now: datetime) -> Q:
    # SENDING rows have next_attempt_at == lease_until: due again once the lease has expired (a worker died).
    return Q(status__in=[OutboundStatus.PENDING, OutboundStatus.SENDING], next_attempt_at__lte=now)


def _claim(now: datetime, limit: int) -> tuple[str, list[OutboundEmail]]:
    token = secrets.token_hex(16)
    lease_until = now + LEASE
    with transaction.atomic():
        # Expired leases on rows that already used every attempt: a message that keeps killing its worker.
        OutboundEmail.objects.filter(_due(now), status=OutboundStatus.SENDING, attempts__gte=MAX_ATTEMPTS).update(
            status=OutboundStatus.FAILED,
            last_error="gave up: the worker stopped while sending, too many times",
            lease_until=None,
            lease_token="",
        )
        ids = list(
            OutboundEmail.objects.filter(_due(now))
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            OutboundEmail.objects.filter(_due(now), id__in=ids).update(
                status=OutboundStatus.SENDING,
                lease_token=token,
                lease_until=lease_until,
                next_attempt_at=lease_until,
                attempts=F("attempts") + 1,
            )
    if not ids:
        return token, []
    rows = list(
        OutboundEmail.objects.filter(id__in=ids, lease_token=token, status=OutboundStatus.SENDING)
        .prefetch_related("attachments")
        .order_by("next_attempt_at", "id")
    )
    return token, rows


def _renew(row: OutboundEmail, token: str, now: datetime) -> bool:
    """Extend our lease just before sending; False when the row is no longer ours."""
    lease_until = now + LEASE
    return bool(
        OutboundEmail.objects.filter(id=row.id, lease_token=token, status=OutboundStatus.SENDING).update(
            lease_until=lease_until, next_attempt_at=lease_until
        )
    )


def _finish(row: OutboundEmail, token: str, **fields: object) -> bool:
    with transaction.atomic():
        return bool(
            OutboundEmail.objects.filter(id=row.id, lease_token=token, status=OutboundStatus.SENDING).update(
                lease_token="", lease_until=None, **fields
            )
        )


def _retry_or_fail(row: OutboundEmail, token: str, now: datetime, error: str, report: DeliveryReport) -> None:
    attempts = row.attempts  # read after the claim, which counted this attempt
    if attempts >= MAX_ATTEMPTS:
        done = _finish(
            row, token, status=OutboundStatus.FAILED, last_error=f"gave up after {attempts} attempts: {error}"[:4000]
        )
        (report.failed if done else report.skipped).append(row.id)
    else:
        done = _finish(
            row, token, status=OutboundStatus.PENDING, next_attempt_at=now + backoff(attempts), last_error=error[:4000]
        )
        (report.retrying if done else report.skipped).append(row.id)


def deliver_due(*, now: datetime | None = None, limit: int = BATCH) -> DeliveryReport:
    """Claim up to `limit` due emails and send them; see the module docstring for the guarantees."""
    fixed_now = now
    report = DeliveryReport()
    token, rows = _claim(fixed_now or clock.now(), limit)
    report.claimed = len(rows)
    if not rows:
        return report
    connection: BaseEmailBackend = get_connection(timeout=settings.EMAIL_TIMEOUT or SMTP_TIMEOUT)
    opened = False
    try:
        for index, row in enumerate(rows):
            current = fixed_now or clock.now()
            if not _renew(row, token, current):
                report.skipped.append(row.id)
                continue
            dropped = _undeliverable_among([*row.to, *row.cc])
            if dropped:
                row.suppressed = [{"email": email, "reason": reason} for email, reason in sorted(dropped.items())]
            to = [a for a in row.to if normalise_address(a) not in dropped]
            cc = [a for a in row.cc if normalise_address(a) not in dropped]
            if not to and not cc:
                _finish(
                    row,
                    token,
                    status=OutboundStatus.SUPPRESSED,
                    suppressed=row.suppressed,
                    last_error="every recipient is marked undeliverable",
                )
                report.suppressed.append(row.id)
                continue
            try:
                prepared = _prepare(row, to, cc)
            except (ValueError, UnicodeError) as exc:  # an address or header that cannot be encoded: never will
                _finish(row, token, status=OutboundStatus.FAILED, last_error=f"cannot build the email: {exc}"[:4000])
                report.failed.append(row.id)
                continue
            except Exception as exc:  # reading an attachment from storage: may work next time
                log.warning("could not build outbound email %s", row.id, exc_info=True)
                _retry_or_fail(row, token, current, f"cannot build the email: {exc!r}", report)
                continue
            try:
                if not opened:
                    _open(connection)
                    opened = True
                refused = _transmit(connection, prepared)
            except _ConnectionDown as exc:
                # Nothing in this batch can go now: put it all back with the same backoff.
                for waiting in rows[index:]:
                    _retry_or_fail(waiting, token, current, str(exc), report)
                break
            except _Transient as exc:
                _retry_or_fail(row, token, current, str(exc), report)
                opened = _still_open(connection, opened)
                continue
            except _Permanent as exc:
                _record_refusals(exc.refused)
                _finish(row, token, status=OutboundStatus.FAILED, last_error=str(exc)[:4000])
                report.failed.append(row.id)
                opened = _still_open(connection, opened)
                continue
            partial = "; ".join(f"{address}: {code} {text}" for address, (code, text) in refused.items())
            _finish(
                row,
                token,
                status=OutboundStatus.SENT,
                sent_at=clock.now() if fixed_now is None else fixed_now,
                suppressed=row.suppressed,
                last_error=f"refused: {partial}" if partial else "",
            )
            report.sent.append(row.id)
            _record_refusals(refused)
    finally:
        if opened:
            _close_quietly(connection)
    return report


# --- building and sending one message -------------------------------------------------------------------------------


def _build(row: OutboundEmail, to: list[str], cc: list[str]) -> EmailMultiAlternatives:
    headers = {**row.headers, "Message-ID": f"<{row.message_id}>"}
    email = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=row.from_email,
        to=to,
        cc=cc,
        reply_to=[row.reply_to] if row.reply_to else None,
        headers=headers,
    )
    if row.body_html:
        email.attach_alternative(row.body_html, "text/html")
    for attachment in row.attachments.all():  # one file read at a time
        email.attach(_attachment_part(attachment))
    return email


def _attachment_part(attachment: Attachment) -> MIMEBase:
    """A base64 part carrying the stored bytes exactly (even text files keep their line endings)."""
    maintype, _slash, subtype = (attachment.content_type or "application/octet-stream").partition("/")
    part = MIMEBase(maintype or "application", subtype or "octet-stream")
    with attachment.file.open("rb") as handle:
        part.set_payload(handle.read())
    encoders.encode_base64(part)
    filename = attachment.filename or "attachment"
    content_id = getattr(attachment, "content_id", "")
    disposition = "inline" if content_id else "attachment"
    if filename.isascii():
        part.add_header("Content-Disposition", disposition, filename=filename)
    else:
        part.add_header("Content-Disposition", disposition, filename=("utf-8", "", filename))
    if content_id:
        part.add_header("Content-ID", f"<{content_id.strip('<>')}>")
    return part


def _open(connection: BaseEmailBackend) -> None:
    try:
        connection.open()
    except smtplib.SMTPAuthenticationError as exc:
        raise _ConnectionDown(f"SMTP authentication failed: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
    except smtplib.SMTPResponseException as exc:
        raise _ConnectionDown(f"SMTP server refused the session: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise _ConnectionDown(f"cannot reach the mail server: {exc!r}") from exc


def _still_open(connection: BaseEmailBackend, opened: bool) -> bool:
    """After a failed message, keep the session if the server still talks to us (RSET), otherwise reopen later."""
    if not opened or not isinstance(connection, SmtpBackend) or connection.connection is None:
        return opened
    try:
        connection.connection.rset()
        return True
    except (OSError, smtplib.SMTPException):
        _close_quietly(connection)
        return False


@dataclass
class _Prepared:
    email: EmailMultiAlternatives
    sender: str
    recipients: list[str]
    raw: bytes


def _prepare(row: OutboundEmail, to: list[str], cc: list[str]) -> _Prepared:
    """The message as it goes on the wire, built before any connection is opened."""
    email = _build(row, to, cc)
    encoding = email.encoding or settings.DEFAULT_CHARSET
    return _Prepared(
        email=email,
        sender=sanitize_address(email.from_email, encoding),
        recipients=[sanitize_address(address, encoding) for address in email.recipients()],
        raw=email.message().as_bytes(linesep="\r\n"),
    )


def _transmit(connection: BaseEmailBackend, prepared: _Prepared) -> dict[str, tuple[int, str]]:
    """Send one message; return the recipients the server refused while accepting others. Raises _Transient or
    _Permanent."""
    if not isinstance(connection, SmtpBackend):
        try:
            connection.send_messages([prepared.email])  # console / locmem in development and tests
        except Exception as exc:
            raise _Transient(repr(exc)) from exc
        return {}
    assert connection.connection is not None
    try:
        refused = connection.connection.sendmail(prepared.sender, prepared.recipients, prepared.raw)
    except smtplib.SMTPRecipientsRefused as exc:
        answers = {address: (code, _text(text)) for address, (code, text) in exc.recipients.items()}
        detail = "; ".join(f"{address}: {code} {text}" for address, (code, text) in answers.items())
        if all(500 <= code < 600 for code, _t in answers.values()):
            raise _Permanent(f"every recipient refused: {detail}", refused=answers) from exc
        raise _Transient(f"recipients refused: {detail}") from exc
    except smtplib.SMTPResponseException as exc:  # MAIL FROM or DATA answered with an error
        message = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if 500 <= exc.smtp_code < 600:
            raise _Permanent(message) from exc
        raise _Transient(message) from exc
    except (OSError, smtplib.SMTPException) as exc:
        # Disconnected mid-send: whether the server kept the message is unknown, so it goes again (same Message-ID).
        _close_quietly(connection)
        raise _ConnectionDown(f"connection lost while sending: {exc!r}") from exc
    return {address: (code, _text(text)) for address, (code, text) in refused.items()}


def _close_quietly(connection: BaseEmailBackend) -> None:
    try:
        connection.close()
    except Exception:  # the outcomes are recorded already; a failing QUIT changes nothing
        log.warning("could not close the SMTP connection cleanly", exc_info=True)
        if isinstance(connection, SmtpBackend):
            connection.connection = None


def _record_refusals(refused: Mapping[str, tuple[int, str]]) -> None:
    """A recipient refused with a bad-address code (5.1.x) is a hard bounce at send time."""
    for address, (code, text) in refused.items():
        if 500 <= code < 600 and text.startswith(_BAD_ADDRESS_CODES):
            mark_undeliverable(address, reason=f"{code} {text}", hard=True)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
