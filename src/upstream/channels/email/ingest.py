"""Every inbound path (IMAP fetch, MTA pipe, SMTP receiver) ends here: store the raw bytes, dedupe, then route.

Nothing is lost: the raw message is written to storage and recorded before any interpretation. If interpreting it
fails, the record stays, marked quarantined with the error, for an admin to download or retry. Only a failure to
*store* (database or disk unavailable) is temporary: it raises TemporaryFailure so the sender (MTA, IMAP loop, SMTP
client) keeps the message and tries again later.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.core.files import File
from django.db import IntegrityError, InterfaceError, OperationalError, transaction

from upstream.channels.email import routing
from upstream.channels.email.lookups import Lookups
from upstream.channels.email.models import InboundEmail, InboundStatus, Mailbox
from upstream.channels.email.parsing import ParsedEmail, parse_file
from upstream.core import clock

log = logging.getLogger(__name__)

CHUNK = 1 << 20
# Spooled in memory up to this size, then on disk: a 25 MB message never sits in memory twice.
SPOOL_IN_MEMORY = 4 << 20
# Errors that mean "try again later", not "this message is bad".
TEMPORARY_ERRORS = (OperationalError, InterfaceError, OSError)


class TemporaryFailure(Exception):
    """The message could not be stored now; whoever delivered it should keep it and retry."""


@dataclass(frozen=True)
class IngestResult:
    inbound: InboundEmail
    duplicate: bool


@dataclass
class _Spooled:
    file: IO[bytes]
    sha256: str
    size: int


def _spool(source: IO[bytes] | bytes, spool: IO[bytes]) -> _Spooled:
    """Copy the message into `spool` in chunks, hashing as it goes."""
    digest = hashlib.sha256()
    size = 0
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        spool.write(data)
        digest.update(data)
        size = len(data)
    else:
        while chunk := source.read(CHUNK):
            spool.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    spool.seek(0)
    return _Spooled(spool, digest.hexdigest(), size)


def dedupe_key(message_id: str, sha256: str) -> str:
    return f"mid:{message_id[:290]}" if message_id else f"sha256:{sha256}"


@dataclass
class Prepared:
    """A message spooled, hashed, parsed and written to storage; its record not saved yet."""

    inbound: InboundEmail
    parsed: ParsedEmail | None
    parse_error: str
    recipients: Sequence[str]


def ingest(
    source: IO[bytes] | bytes,
    *,
    via: str,
    mailbox: Mailbox | None = None,
    recipients: Sequence[str] = (),
) -> IngestResult:
    """Store one raw message and route it. Raises TemporaryFailure only when it could not be stored."""
    prepared = prepare(source, via=via, mailbox=mailbox, recipients=recipients)
    return commit(prepared)


def prepare(
    source: IO[bytes] | bytes, *, via: str, mailbox: Mailbox | None = None, recipients: Sequence[str] = ()
) -> Prepared:
    """Spool, hash, parse and write the raw bytes to storage: everything before the database. Raises
    TemporaryFailure when the bytes could not be stored."""
    try:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            spooled = _spool(source, spool)
            try:
                parsed = parse_file(spooled.file)
                parse_error = ""
            except Exception as exc:  # the parser promises not to raise; if it ever does, keep the message anyway
                log.exception("parser failed")
                parsed, parse_error = None, f"{type(exc).__name__}: {exc}"
            spooled.file.seek(0)
            inbound = _record(spooled, parsed, via=via, mailbox=mailbox)
    except TEMPORARY_ERRORS as exc:
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
    return Prepared(inbound, parsed, parse_error, tuple(recipients))


def commit(prepared: Prepared) -> IngestResult:
    """Dedupe, route and record one prepared message in a transaction of its own. A routing error quarantines it;
    only a database failure raises (TemporaryFailure)."""
    inbound = prepared.inbound
    try:
        # One transaction per message: the record, its raw bytes' name and what it became commit together, and
        # only then may the sender (IMAP flag, MTA exit code, SMTP 250) consider it delivered.
        existing = _already_stored(inbound)
        if existing is not None:
            return IngestResult(existing, duplicate=True)
        try:
            with transaction.atomic():
                if prepared.parsed is None:
                    mark_quarantined(inbound, prepared.parse_error)
                else:
                    _route(inbound, prepared.parsed, prepared.recipients)
                inbound.save()  # last: its unique key makes a concurrent second delivery fail as a whole
        except IntegrityError:
            existing = _already_stored(inbound)
            if existing is None:
                raise
            return IngestResult(existing, duplicate=True)
    except TEMPORARY_ERRORS as exc:
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
    return IngestResult(inbound, duplicate=False)


def _record(spooled: _Spooled, parsed: ParsedEmail | None, *, via: str, mailbox: Mailbox | None) -> InboundEmail:
    """The unsaved record, its raw bytes already written to storage (a duplicate's copy is removed again)."""
    inbound = InboundEmail(
        mailbox=mailbox,
        via=via,
        dedupe_key=dedupe_key(parsed.message_id if parsed else "", spooled.sha256),
        message_id=(parsed.message_id if parsed else "")[:255],
        sha256=spooled.sha256,
        size=spooled.size,
        from_address=(parsed.from_.email if parsed and parsed.from_ else "")[:254],
        subject=(parsed.subject if parsed else "")[:250],
        parse_problems=(parsed.errors[:50] if parsed else []),
        received_at=clock.now(),
    )
    inbound.raw.save(f"{spooled.sha256}.eml", File(spooled.file), save=False)
    return inbound


def _already_stored(inbound: InboundEmail) -> InboundEmail | None:
    """The stored record of the same message, if any (this delivery's copy of the raw bytes is then removed)."""
    existing = InboundEmail.objects.filter(dedupe_key=inbound.dedupe_key).first()
    if existing is not None:
        inbound.raw.delete(save=False)
    return existing


def _route(inbound: InboundEmail, parsed: ParsedEmail, recipients: Sequence[str]) -> None:
    """Route inside a savepoint; an error rolls the routing back and quarantines the (kept) record instead."""
    try:
        with transaction.atomic():
            lookups = Lookups()
            outcome = routing.route(inbound, parsed, recipients=recipients, lookups=lookups)
            lookups.flush()
            apply_outcome(inbound, outcome)
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        log.warning("quarantined inbound email from %s: %s", inbound.from_address or "(no sender)", exc)
        mark_quarantined(inbound, _describe(exc))


def apply_outcome(inbound: InboundEmail, outcome: routing.Outcome) -> None:
    inbound.status = outcome.status
    inbound.ticket = outcome.ticket
    inbound.ticket_message = outcome.message
    inbound.machine_reasons = list(outcome.machine_reasons)
    inbound.error = outcome.note
    inbound.processed_at = clock.now()


def process(inbound: InboundEmail, parsed: ParsedEmail, *, recipients: Sequence[str] = ()) -> InboundEmail:
    """Route a stored message (again). Never raises for bad input: it ends quarantined with the error."""
    try:
        with transaction.atomic():
            _route(inbound, parsed, recipients)
            inbound.save()
    except (OperationalError, InterfaceError) as exc:
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
    return inbound


def _describe(exc: BaseException) -> str:
    if isinstance(exc, routing.Unroutable):
        return str(exc)
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    location = f" (at {where[0].filename.rsplit('/', 1)[-1]}:{where[0].lineno})" if where else ""
    return f"{type(exc).__name__}: {exc}{location}"[:4000]


def mark_quarantined(inbound: InboundEmail, error: str) -> None:
    inbound.status = InboundStatus.QUARANTINED
    inbound.error = error
    inbound.processed_at = clock.now()


def retry(inbound: InboundEmail) -> InboundEmail:
    """Route a quarantined message again from its stored raw bytes (after a fix or a configuration change)."""
    with inbound.raw.open("rb") as raw:
        parsed = parse_file(raw)
    inbound.attempts += 1
    inbound.error = ""
    inbound.save(update_fields=["attempts", "error"])
    return process(inbound, parsed)
