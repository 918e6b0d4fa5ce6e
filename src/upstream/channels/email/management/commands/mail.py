"""`upstream mail …`: the MTA pipe (`ingest`), a look at one message (`parse`), and fetching now (`fetch`).

`ingest` follows the sendmail exit-code convention MTAs act on (sysexits.h): 0 once the message is stored (even if
it is quarantined or a duplicate), 75 (EX_TEMPFAIL) when it could not be stored, so Postfix or Exim keeps it and
retries. It never answers with a "bounce" code: a message Upstream cannot read is still kept, for an admin to see.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

EX_OK = 0
EX_USAGE = 64
EX_NOINPUT = 66
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Email channel: ingest a message from an MTA pipe, parse a message, or fetch mailboxes now."

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        ingest = commands.add_parser("ingest", help="read one message on standard input and store it (MTA pipe)")
        ingest.add_argument("--mailbox", default="", help="the mailbox address it was delivered to")
        ingest.add_argument(
            "--recipient", action="append", default=[], help="envelope recipient (Postfix: ${recipient}); repeatable"
        )
        parse = commands.add_parser("parse", help="print what Upstream understands of one message")
        parse.add_argument("file", help="a .eml file, or - for standard input")
        parse.add_argument("--json", action="store_true", help="print JSON")
        fetch = commands.add_parser("fetch", help="fetch every IMAP mailbox (or one) now")
        fetch.add_argument("--mailbox", default="", help="only this mailbox address")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "ingest":
            sys.exit(self._ingest(options["mailbox"], options["recipient"]))
        if action == "parse":
            sys.exit(self._parse(options["file"], as_json=options["json"]))
        self._fetch(options["mailbox"])

    def _ingest(self, mailbox_address: str, recipients: list[str]) -> int:
        try:
            from upstream.channels.email.ingest import TemporaryFailure, ingest
            from upstream.channels.email.models import Mailbox, Via

            mailbox = None
            if mailbox_address:
                mailbox = Mailbox.objects.filter(address__iexact=mailbox_address).first()
                if mailbox is None:
                    # Deferring keeps the mail queued at the MTA while the admin fixes the pipe or adds the mailbox.
                    self.stderr.write(f"upstream mail ingest: no mailbox {mailbox_address!r}; deferring")
                    return EX_TEMPFAIL
            result = ingest(sys.stdin.buffer, via=Via.PIPE, mailbox=mailbox, recipients=recipients)
        except TemporaryFailure as exc:
            self.stderr.write(f"upstream mail ingest: temporary failure, the MTA should retry: {exc}")
            return EX_TEMPFAIL
        except Exception as exc:  # anything unexpected: keep the mail at the MTA rather than lose it
            self.stderr.write(f"upstream mail ingest: {type(exc).__name__}: {exc}; deferring")
            return EX_TEMPFAIL
        inbound = result.inbound
        state = "duplicate of" if result.duplicate else "stored as"
        self.stdout.write(f"{state} inbound email {inbound.id} ({inbound.status})")
        return EX_OK

    def _parse(self, file: str, *, as_json: bool) -> int:
        from upstream.channels.email.understanding import understand

        try:
            raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as exc:
            self._print({"error": f"cannot read {file}: {exc.strerror or exc}"}, as_json)
            return EX_NOINPUT
        self._print(understand(raw), as_json)
        return EX_OK

    def _print(self, report: dict[str, Any], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        for key, value in report.items():
            if key in ("body_text", "body_html"):
                value = (value or "")[:2000]
            self.stdout.write(f"{key}: {json.dumps(value, ensure_ascii=False)}")

    def _fetch(self, mailbox_address: str) -> None:
        from upstream.channels.email import fetching
        from upstream.channels.email.models import Mailbox

        mailboxes = Mailbox.objects.filter(active=True).exclude(imap_host="")
        if mailbox_address:
            mailboxes = mailboxes.filter(address__iexact=mailbox_address)
            if not mailboxes:
                raise CommandError(f"no active IMAP mailbox {mailbox_address!r}")
        for mailbox in mailboxes:
            report = fetching.fetch_mailbox(mailbox)
            self.stdout.write(f"{mailbox.address}: {report}")
