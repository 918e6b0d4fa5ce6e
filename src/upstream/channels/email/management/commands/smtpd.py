"""`upstream smtpd`: an optional built-in SMTP receiver, for setups without an MTA pipe or IMAP mailbox.

It accepts mail for the configured mailbox addresses (and their +UP-10234 reply addresses) and hands each message to
the same ingest pipeline as IMAP and the pipe: 250 once stored, 451 when it could not be stored now (the sending
server retries), 550 for addresses that are not ours. Run it behind a firewall or a relay; it does not authenticate
senders (it is a receiving MX for support addresses, like any inbound mail server).
"""

from __future__ import annotations

import logging
import signal
import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections

from upstream.channels.email import matching
from upstream.channels.email.ingest import TemporaryFailure, ingest
from upstream.channels.email.models import Mailbox, Via
from upstream.channels.email.smtp_receiver import SmtpOutcome, make_controller

DEFAULT_MAX_SIZE = 50 * 1024 * 1024


def _mailbox_for(address: str) -> Mailbox | None:
    return Mailbox.objects.filter(address__iexact=matching.base_address(address), active=True).first()


# Both callbacks run in the receiver's worker threads: each closes its thread's database connection when done, so
# no connection outlives a session (and a database restart never leaves a thread with a dead one).


def accept_rcpt(address: str) -> bool:
    try:
        return _mailbox_for(address) is not None
    finally:
        connections.close_all()


def deliver(raw: bytes, rcpt_tos: list[str], mail_from: str) -> SmtpOutcome:
    try:
        mailbox = next((m for m in map(_mailbox_for, rcpt_tos) if m is not None), None)
        ingest(raw, via=Via.SMTP, mailbox=mailbox, recipients=rcpt_tos)
    except (TemporaryFailure, DatabaseError):
        return SmtpOutcome.TEMPORARY_FAILURE
    finally:
        connections.close_all()
    return SmtpOutcome.ACCEPTED


class Command(BaseCommand):
    help = "Receive email for the configured mailboxes over SMTP (aiosmtpd)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=2525, help="port (default 2525; 25 needs privileges)")
        parser.add_argument("--max-size", type=int, default=DEFAULT_MAX_SIZE, help="largest message in bytes")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] < 2:
            # aiosmtpd logs every connection at INFO; keep the console for what matters unless asked (-v 2).
            logging.getLogger("mail.log").setLevel(logging.WARNING)
        controller = make_controller(
            deliver, host=options["host"], port=options["port"], max_size=options["max_size"], accept_rcpt=accept_rcpt
        )
        controller.start()
        self.stdout.write(f"upstream smtpd: listening on {options['host']}:{options['port']}")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
