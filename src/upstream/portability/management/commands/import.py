"""`upstream import ARCHIVE`: restore an export into an empty instance; refuses, and changes nothing, otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from upstream.portability.importer import import_archive
from upstream.portability.progress import TqdmProgress
from upstream.portability.reader import ArchiveError, Manifest


class Command(BaseCommand):
    help = (
        "Import an archive written by `upstream export` into an empty, migrated instance. The archive is verified "
        "first (manifest, schema version, checksums, row counts); then everything is loaded in one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="path of the archive to read")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["archive"])
        show = not options["no_progress"] and options["verbosity"] > 0

        def verified(manifest: Manifest) -> None:
            if options["verbosity"] > 0:
                self.stderr.write(
                    f"{path}: verified (schema version {manifest.schema_version}, scope {manifest.scope})."
                )

        try:
            result = import_archive(path, progress=TqdmProgress(enabled=show), verified=verified)
        except ArchiveError as exc:
            raise CommandError(f"import refused: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"Imported {result.total_rows:,} rows and {result.files:,} files from {path}.")
        )
        self.stdout.write("Rebuild the search index next: upstream search reindex")
