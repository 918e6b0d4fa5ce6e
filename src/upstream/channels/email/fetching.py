"""Fetching a mailbox over IMAP into the ingest pipeline.

A message is marked processed (flagged, moved or deleted, per mailbox) only after `ingest` committed it. A message
that could not be stored (database down) stays untouched for the next run; one bad message never stops the rest,
because `ingest` quarantines what it cannot route and `imap.fetch` moves on after an error.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q

from upstream import events
from upstream.channels.email import imap, oauth2
from upstream.channels.email.ingest import TemporaryFailure, ingest
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

    def handle(raw: bytes) -> imap.Outcome:
        try:
            ingest(raw, via=Via.IMAP, mailbox=mailbox)
        except TemporaryFailure:
            log.warning("mailbox %s: could not store a message now; it stays on the server", mailbox.address)
            return imap.Outcome.KEEP
        return imap.Outcome.PROCESSED

    error = ""
    count = 0
    try:
        # SLA recomputes of every touched ticket happen once, after the whole batch (events.batch).
        with events.batch():
            report = imap.fetch(settings_for(mailbox), handle, limit=limit)
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
