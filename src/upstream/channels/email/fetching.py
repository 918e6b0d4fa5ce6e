"""Fetching a mailbox over IMAP into the ingest pipeline.

Messages come in batches (`batch.BATCH_MESSAGES`) and each batch is stored and routed in one transaction
(`batch.ingest_many`). A message is marked processed (flagged, moved or deleted, per mailbox) only after the
transaction holding it committed. A message that could not be stored (database down) stays untouched for the next
run; one bad message never stops the rest, because the batch then goes one by one, quarantining what it cannot route,
and `imap.fetch_batches` moves on after an error.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q

from upstream import events
from upstream.channels.email import imap, oauth2
from upstream.channels.email.batch import BATCH_BYTES, BATCH_MESSAGES, ingest_many
from upstream.channels.email.ingest import TemporaryFailure
from upstream.channels.email.models import Mailbox, Via
from upstream.core import clock

log = logging.getLogger(__name__)

FETCH_LEASE = timedelta(minutes=10)
BATCH = 200


def settings_for(mailbox: Mailbox) -> imap.ImapSettings:
    provider = None
    if mailbox.uses_oauth2:

        def provider() -> str:
            token = oauth2.exchange_refresh_token(
                token_url=mailbox.oauth2_token_url,
                client_id=mailbox.oauth2_client_id,
                client_secret=mailbox.oauth2_client_secret,
                refresh_token=mailbox.oauth2_refresh_token,
            )
            if token.refresh_token and token.refresh_token != mailbox.oauth2_refresh_token:
                # Providers such as Microsoft rotate refresh tokens: keep the new one or the next fetch fails.
                mailbox.oauth2_refresh_token = token.refresh_token
                Mailbox.objects.filter(id=mailbox.id).update(oauth2_refresh_token=token.refresh_token)
            return token.access_token

    return imap.ImapSettings(
        host=mailbox.imap_host,
        port=mailbox.imap_port,
        security=mailbox.imap_security,
        username=mailbox.imap_username,
        password=mailbox.imap_password,
        access_token_provider=provider,
        folder=mailbox.folder or "INBOX",
        action=mailbox.processed_action,
        move_to=mailbox.move_to or "Processed",
    )


def store(raws: list[bytes], mailbox: Mailbox) -> list[imap.Outcome]:
    """Store and route one batch of fetched messages: PROCESSED once committed, KEEP when it could not be stored
    now (it stays on the server for the next run)."""
    try:
        results = ingest_many(raws, via=Via.IMAP, mailbox=mailbox)
    except TemporaryFailure:
        results = [TemporaryFailure()] * len(raws)
    outcomes = []
    for result in results:
        if isinstance(result, TemporaryFailure):
            log.warning("mailbox %s: could not store a message now; it stays on the server", mailbox.address)
            outcomes.append(imap.Outcome.KEEP)
        else:
            outcomes.append(imap.Outcome.PROCESSED)
    return outcomes


def _claim(mailbox: Mailbox) -> bool:
    now = clock.now()
    claimed = (
        Mailbox.objects.filter(id=mailbox.id)
        .filter(Q(fetch_lease_until__isnull=True) | Q(fetch_lease_until__lt=now))
        .update(fetch_lease_until=now + FETCH_LEASE)
    )
    return bool(claimed)


def fetch_mailbox(mailbox: Mailbox, *, limit: int = BATCH) -> str:
    """Fetch up to `limit` messages; returns a one-line summary (also stored on the mailbox)."""
    if not _claim(mailbox):
        return "skipped: another fetch of this mailbox is running"
    error = ""
    count = 0
    try:
        # SLA recomputes of every touched ticket happen once, after the whole fetch (events.batch).
        with events.batch():
            report = imap.fetch_batches(
                settings_for(mailbox), lambda raws: store(raws, mailbox), limit=limit,
                batch_size=BATCH_MESSAGES, batch_bytes=BATCH_BYTES,
            )  # fmt: skip
        count = report.processed
        error = "; ".join(report.errors)[:2000]
        summary = f"{report.processed} processed, {report.kept} kept for later, {len(report.errors)} errors"
    except (imap.ImapError, oauth2.OAuth2Error) as exc:
        error = str(exc)[:2000]
        summary = f"failed: {error}"
    Mailbox.objects.filter(id=mailbox.id).update(
        last_fetch_at=clock.now(), last_fetch_error=error, last_fetch_count=count, fetch_lease_until=None
    )
    return summary
