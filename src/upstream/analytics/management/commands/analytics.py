"""`upstream analytics rebuild` (every fact row from scratch), `rebuild-days` (the day columns from the fact rows)
and `upstream analytics catch-up`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from upstream.analytics import maintenance
from upstream.core import clock


class Command(BaseCommand):
    help = "Maintain the analytics fact table: `rebuild` recomputes every ticket's row; `catch-up` what changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "rebuild-days", "catch-up"])
        parser.add_argument("--batch", type=int, default=maintenance.BATCH, help="tickets per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        if options["action"] == "rebuild":
            result = maintenance.rebuild(batch=options["batch"], out=self.stdout.write)
            self.stdout.write(self.style.SUCCESS(f"Rebuilt {result.tickets:,} fact rows in {result.seconds:,.1f} s."))
            return
        if options["action"] == "rebuild-days":
            days = maintenance.rebuild_days(clock.now(), out=self.stdout.write)
            self.stdout.write(self.style.SUCCESS(f"Rebuilt the day columns of {days:,} days."))
            return
        written = maintenance.catch_up(clock.now())
        self.stdout.write(self.style.SUCCESS(f"Refreshed {written:,} fact rows."))
