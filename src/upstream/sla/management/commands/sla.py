"""`upstream sla vectors PATH`: check business-calendar vectors against the product's engine."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from upstream.sla.vectors import VectorFileError, evaluate_file


class Command(BaseCommand):
    help = "SLA engine tools. `vectors PATH` evaluates a vectors file and exits non-zero when any vector fails."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
        vectors = subcommands.add_parser(
            "vectors",
            help="evaluate a vectors file (the ../shared/data/sla-vectors format); one line per failing vector, "
            "then 'N passed, M failed'",
        )
        vectors.add_argument("path", help="path to a vectors.json file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "vectors":
            self._vectors(options["path"])

    def _vectors(self, path: str) -> None:
        try:
            results = evaluate_file(path)
        except VectorFileError as exc:
            raise CommandError(str(exc)) from None
        failed = [result for result in results if not result.passed]
        for result in failed:
            self.stdout.write(f"FAIL {result.describe()}")
        self.stdout.write(f"{len(results) - len(failed)} passed, {len(failed)} failed")
        if failed:
            # SystemExit rather than CommandError: the summary must stay the last line of the output.
            raise SystemExit(1)
