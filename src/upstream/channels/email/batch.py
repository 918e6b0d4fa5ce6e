"""Ingesting a batch of messages (an IMAP fetch) in one transaction.

A message on its own (`ingest.ingest`) costs a commit, a savepoint around its routing and one around each service it
calls, and a dozen lookups. A fetch hands over its messages in small batches instead, and each batch:

1. is prepared outside any transaction: every message spooled, hashed, parsed and its raw bytes written to storage
   (`ingest.prepare`), exactly as a single message is;
2. is deduped in one query (the dedupe keys of the batch against the stored ones, and against each other);
3. is routed in **one transaction without savepoints** (`savepoints_off`): what routing needs is read for the whole
   batch up front (`Lookups.prefetch`), the thread ids and auto-reply records of all its messages are written in one
   statement each at the end, then the records in one INSERT; then one commit. Rows with a natural key that a
   concurrent fetch may create too (a new sender's contact and membership) are inserted with ON CONFLICT DO NOTHING
   and read back when taken (`lookups.insert_unless_taken`), so meeting the same new sender does not fail a batch;
4. is tried again (up to `CONFLICT_ATTEMPTS` times) when PostgreSQL aborted it to break a deadlock with a
   concurrent transaction (another mailbox's fetch, the SLA recompute of one): a batch holds its row locks until it
   commits, so two fetches at once can deadlock where two single messages would not;
5. falls back, if anything else in that transaction fails (a message routing cannot handle, a concurrent delivery
   of the same message), to rolling the batch back and committing its messages **one by one** with the per-message
   path (`ingest.commit`: savepoints, quarantine of the one bad message). One bad message therefore costs its batch
   a second pass but never loses or blocks the others.

Ticket numbers for the batch's new tickets are reserved before its transaction (`_reserve_numbers`) and the unused
ones given back after it, so the counter row is never locked for the length of a batch.

The caller acknowledges a message (IMAP flag, move or delete) only after `ingest_many` returned it, that is after
the transaction that holds it committed: a crash at any point leaves every message of the batch on the server, and
the next fetch stores it (or finds it stored: dedupe).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO

from django.db import DatabaseError, transaction

from upstream.channels.email import outbound, routing
from upstream.channels.email.ingest import (
    IngestResult,
    Prepared,
    TemporaryFailure,
    apply_outcome,
    commit,
    mark_quarantined,
    prepare,
)
from upstream.channels.email.lookups import Lookups
from upstream.channels.email.models import InboundEmail, InboundStatus, Mailbox
from upstream.tickets import services as tickets
from upstream.tickets.models import TicketCounter

log = logging.getLogger(__name__)

# A fetch routes at most this many messages, or this many raw bytes, per transaction (a larger message goes alone).
# Twenty is where the commit and the batch's reads stop mattering; more only makes a fallback pass longer.
BATCH_MESSAGES = 20
BATCH_BYTES = 8 << 20


# Ticket numbers reserved per batch beyond the messages that look new (a reply that opens a ticket after all).
SPARE_NUMBERS = 2
# A batch holds its row locks (tickets it adds to, search pending rows) until it commits, so two fetches at once can
# deadlock; PostgreSQL then aborts one of them, which tries again.
CONFLICT_STATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
CONFLICT_ATTEMPTS = 3
CONFLICT_PAUSE = 0.05  # seconds, times the attempt


class BatchAborted(Exception):
    """Something inside the batch's transaction failed and was swallowed: the batch must not commit."""


@contextmanager
def savepoints_off() -> Iterator[None]:
    """Inside an atomic block: nested `atomic` blocks (services, get_or_create) create no savepoints, saving two
    statements each. An error in one of them then spoils the whole transaction (Django refuses further queries, the
    database aborts it), which is what the batch wants: it rolls back and goes one by one."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("savepoints_off() only inside an atomic block")
    before = connection.features.__dict__.get("uses_savepoints")
    connection.features.uses_savepoints = False
    try:
        yield
    finally:
        if before is None:
            del connection.features.uses_savepoints  # back to the backend's class default
        else:
            connection.features.uses_savepoints = before


def ingest_many(
    sources: Iterable[IO[bytes] | bytes], *, via: str, mailbox: Mailbox | None = None
) -> list[IngestResult | TemporaryFailure]:
    """Store and route several messages, in one transaction when all goes well. The result for each source, in
    order: what it became, or the TemporaryFailure that kept it from being stored (its sender keeps it)."""
    results: list[IngestResult | TemporaryFailure | None] = []
    prepared: list[tuple[int, Prepared]] = []
    for position, source in enumerate(sources):
        try:
            prepared.append((position, prepare(source, via=via, mailbox=mailbox)))
            results.append(None)
        except TemporaryFailure as failure:
            results.append(failure)
    if prepared:
        committed = _commit_batch([p for _, p in prepared])
        for (position, _), result in zip(prepared, committed, strict=True):
            results[position] = result
    return [r for r in results if r is not None]


def _commit_batch(batch: list[Prepared]) -> list[IngestResult | TemporaryFailure]:
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            return list(_commit_together(batch))
        except Exception as exc:
            if attempt < CONFLICT_ATTEMPTS and is_conflict(exc):
                log.info("batch of %d messages lost a lock conflict; trying again: %s", len(batch), exc)
                time.sleep(CONFLICT_PAUSE * attempt)
                continue
            log.info("batch of %d messages goes one by one: %s: %s", len(batch), type(exc).__name__, exc)
            break
    return [_commit_alone(item) for item in batch]


def _commit_alone(prepared: Prepared) -> IngestResult | TemporaryFailure:
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            return commit(prepared)
        except TemporaryFailure as failure:
            if attempt < CONFLICT_ATTEMPTS and is_conflict(failure):
                time.sleep(CONFLICT_PAUSE * attempt)
                continue
            return failure
    raise AssertionError("unreachable")


def is_conflict(exc: BaseException) -> bool:
    """A deadlock or serialisation failure: the database rolled this transaction back so that a concurrent one (the
    fetch of another mailbox, the SLA recompute of a batch) could go on; the same work succeeds when tried again."""
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(seen, "sqlstate", None) in CONFLICT_STATES:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _commit_together(batch: list[Prepared]) -> list[IngestResult]:
    """Dedupe, route and record the whole batch in one transaction, or raise (nothing of it is then committed)."""
    stored = {
        row.dedupe_key: row for row in InboundEmail.objects.filter(dedupe_key__in={p.inbound.dedupe_key for p in batch})
    }
    first_of: dict[str, Prepared] = {}
    fresh: list[Prepared] = []
    for item in batch:
        key = item.inbound.dedupe_key
        if key not in stored and key not in first_of:
            first_of[key] = item
            fresh.append(item)
    lookups = Lookups()
    numbers = _reserve_numbers(fresh)
    lookups.reserve_numbers(numbers)
    committed = False
    try:
        with transaction.atomic(), savepoints_off():
            _route_all(fresh, lookups)
            InboundEmail.objects.bulk_create([item.inbound for item in fresh])
            if transaction.get_rollback():
                raise BatchAborted("an error inside the batch was caught and ignored; its transaction is spoilt")
        committed = True
    finally:  # after the transaction, so that the counter row is never locked for long
        _give_back(numbers, lookups.unused_numbers() if committed else list(numbers))
        if not committed:
            for item in fresh:
                _unrouted(item.inbound)
    results = []
    for item in batch:
        key = item.inbound.dedupe_key
        original = stored.get(key) or first_of[key].inbound
        if original is item.inbound:
            results.append(IngestResult(item.inbound, duplicate=False))
        else:
            item.inbound.raw.delete(save=False)  # this delivery's copy of the raw bytes
            results.append(IngestResult(original, duplicate=True))
    return results


def _unrouted(inbound: InboundEmail) -> None:
    """Forget what a rolled-back attempt wrote on the record (its id, the rolled-back ticket it pointed to), so that
    the next attempt, or the one-by-one pass, starts from the record as prepared."""
    inbound.pk = None
    inbound._state.adding = True
    inbound.status = InboundStatus.RECEIVED
    inbound.ticket = None
    inbound.ticket_message = None
    inbound.machine_reasons = []
    inbound.error = ""
    inbound.processed_at = None


def _reserve_numbers(fresh: list[Prepared]) -> range:
    """Ticket numbers for the messages that will open a ticket, taken in a transaction of their own: the counter row
    is locked for two statements, not for the whole batch (which would serialise concurrent fetches and every ticket
    opened on the web meanwhile, and deadlock with them). A message that threads by nothing it says opens a ticket,
    unless it is machine mail or refused; one that cites a ticket mostly does not, so a few spare numbers cover those
    that do after all (beyond them, a number is taken inside the batch). Unused numbers are given back."""
    if not fresh:
        return range(0)
    expected = SPARE_NUMBERS
    for item in fresh:
        if item.parsed is None:
            continue
        hints = routing.thread_hints(item.parsed, [a.email for a in [*item.parsed.to, *item.parsed.cc]], [])
        if not hints.cited_ids and hints.subject_number is None:
            expected += 1
    with transaction.atomic():
        return tickets.next_numbers(expected)


def _give_back(reserved: range, unused: list[int]) -> None:
    """Return the reserved numbers nobody used (the tail of the range: they are taken in order) if nobody has taken
    numbers since (one conditional UPDATE); else they stay unused, a gap in the numbering. One fetch at a time
    leaves no gaps; concurrent fetches (several mailboxes) can."""
    if not unused or not reserved:
        return
    try:
        TicketCounter.objects.filter(id=1, last_number=reserved.stop - 1).update(last_number=unused[0] - 1)
    except DatabaseError:  # a gap is harmless; never hide the batch's own outcome behind this
        log.warning("could not give back ticket numbers %s–%s", unused[0], reserved.stop - 1)


def _route_all(fresh: list[Prepared], lookups: Lookups) -> None:
    addresses: list[str] = []
    cited: list[str] = []
    our_addresses = lookups.our_addresses()
    for item in fresh:
        if item.parsed is None:
            continue
        parsed = item.parsed
        addresses += [a.email for a in [*([parsed.from_] if parsed.from_ else []), *parsed.to, *parsed.cc]]
        recipients = [*item.recipients, *(a.email for a in parsed.to), *(a.email for a in parsed.cc)]
        cited += routing.thread_hints(parsed, recipients, our_addresses).cited_ids
    lookups.prefetch(addresses=addresses, cited_ids=cited, auto_reply_window=outbound.AUTO_REPLY_WINDOW)
    for item in fresh:
        if item.parsed is None:
            mark_quarantined(item.inbound, item.parse_error)
            continue
        outcome = routing.route(item.inbound, item.parsed, recipients=item.recipients, lookups=lookups)
        apply_outcome(item.inbound, outcome)
    lookups.flush()


def batches(
    raws: Iterable[bytes], *, size: int = BATCH_MESSAGES, max_bytes: int = BATCH_BYTES
) -> Iterator[list[bytes]]:
    """Group raw messages into batches of at most `size` messages and about `max_bytes` (a larger one alone)."""
    batch: list[bytes] = []
    total = 0
    for raw in raws:
        if batch and (len(batch) >= size or total + len(raw) > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(raw)
        total += len(raw)
    if batch:
        yield batch
