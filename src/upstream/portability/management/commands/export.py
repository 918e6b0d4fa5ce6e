"""`upstream export ARCHIVE [--organisation ID]`: the whole instance or one organisation into one archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from upstream.customers.models import Organisation
from upstream.portability.describe import describe
from upstream.portability.progress import TqdmProgress
from upstream.portability.services import record_cli_export
from upstream.portability.writer import write_archive


class Command(BaseCommand):
    help = (
        "Export the whole instance, or one organisation (--organisation ID), as a tar archive of JSON Lines per "
        "entity plus stored files (gzip-compressed when ARCHIVE ends in .gz or .tgz). See docs/export.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", nargs="?", help="path of the archive to write, e.g. upstream-export.tar.gz")
        parser.add_argument("--describe", action="store_true", help="print the per-entity schema (Markdown) and stop")
        parser.add_argument("--organisation", type=int, metavar="ID", help="export only this organisation's data")
        parser.add_argument("--force", action="store_true", help="overwrite an existing file")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["describe"]:
            self.stdout.write(describe())
            return
        if not options["archive"]:
            raise CommandError("say where to write the archive: upstream export ARCHIVE")
        path = Path(options["archive"])
        organisation_id = options["organisation"]
        if path.exists() and not options["force"]:
            raise CommandError(f"{path} exists; choose another name or add --force")
        if not path.parent.is_dir():
            raise CommandError(f"the folder {path.parent} does not exist")
        if organisation_id is not None and not Organisation.objects.filter(pk=organisation_id).exists():
            raise CommandError(f"no organisation with id {organisation_id}")
        result = write_archive(
            path,
            organisation_id=organisation_id,
            progress=TqdmProgress(enabled=not options["no_progress"] and options["verbosity"] > 0),
        )
        record_cli_export(result)
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {result.rows:,} rows of {len(result.entities)} entities and {result.files:,} files "
                f"to {path} ({result.archive_bytes:,} bytes)."
            )
        )
        if result.missing_files:
            self.stderr.write(
                f"{result.missing_files} stored files named by the data were missing and are not included."
            )
