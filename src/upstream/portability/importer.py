"""Restores an archive into an empty instance, all or nothing.

Order: verify the whole archive (reader.verify), check the instance is empty, then in one transaction: replace the
rows a fresh instance may already have (REPLACEABLE), insert every entity's rows with their primary keys, then its
many-to-many links, copy the stored files into storage, reset the PostgreSQL sequences, and write an audit entry.
Foreign keys are checked when the transaction commits (Django declares them DEFERRABLE INITIALLY DEFERRED), so rows
load in archive order whatever their cycles. Any failure rolls the transaction back and removes the files already
copied; the message names the member and line where the import stopped.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.core.files import File
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction

from upstream.accounts import audit
from upstream.accounts.models import User
from upstream.core import clock
from upstream.portability import format as fmt
from upstream.portability.reader import ArchiveError, Manifest, members, open_stream, read_manifest, verify
from upstream.portability.registry import APPENDED, REPLACEABLE, importable
from upstream.portability.serialise import Decoder, decoder_for
from upstream.portability.writer import Progress, Silent

BATCH = 1000
# COPY on PostgreSQL; INSERT elsewhere (and in a test that proves the INSERT path on PostgreSQL too).
USE_COPY = True


class InstanceNotEmpty(ArchiveError):
    pass


@dataclass
class ImportResult:
    manifest: Manifest
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def existing_rows(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Entities that already hold rows, other than those a fresh instance may have (the definition of non-empty)."""
    found: dict[str, int] = {}
    for label, model in importable().items():
        if label in REPLACEABLE or label in APPENDED:
            continue
        if model._base_manager.using(using).exists():
            found[label] = model._base_manager.using(using).count()
    return found


def ensure_empty(using: str = DEFAULT_DB_ALIAS) -> None:
    found = existing_rows(using)
    if found:
        listed = ", ".join(f"{count} {label}" for label, count in list(found.items())[:4])
        raise InstanceNotEmpty(
            f"the target instance is not empty ({listed}{', …' if len(found) > 4 else ''}); "
            "import only into a freshly migrated database"
        )


class _EntityLoader:
    """Turns one entity's JSON lines into inserted rows, a batch at a time."""

    def __init__(self, model: type[models.Model], entry: dict[str, Any], using: str) -> None:
        self.model, self.using = model, using
        names = {f["name"] for f in entry["fields"]}
        appended = entry["entity"] in APPENDED
        if appended:
            names.discard(model._meta.pk.name)  # appended with new ids beside the rows already there
        self.fields = [f for f in model._meta.concrete_fields if f.name in names]
        # Every column is inserted: a field an older archive lacks takes its model default (verify() checked it has
        # one), an auto_now one the time of the import.
        self.insert_fields = [f for f in model._meta.concrete_fields if not (appended and f.primary_key)]
        self.stamped = [
            f
            for f in self.insert_fields
            if f.name not in names and (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
        ]
        self.m2m = [rel for rel in model._meta.many_to_many if rel.name in names]
        self.decoders: list[Decoder] = [
            decoder_for(f.target_field if f.is_relation else f)  # type: ignore[attr-defined]
            for f in self.fields
        ]
        self.rows: list[models.Model] = []
        self.links: dict[str, list[tuple[Any, Any]]] = {rel.name: [] for rel in self.m2m}

    def add(self, row: dict[str, Any]) -> None:
        values = {f.attname: decode(row[f.name]) for f, decode in zip(self.fields, self.decoders, strict=True)}
        instance = self.model(**values)
        for stamped in self.stamped:
            setattr(instance, stamped.attname, clock.now())
        self.rows.append(instance)
        for rel in self.m2m:
            self.links[rel.name].extend((instance.pk, target) for target in row.get(rel.name) or [])
        if len(self.rows) >= BATCH:
            self.flush()

    def _copy(self) -> None:
        """PostgreSQL: the batch through COPY FROM STDIN, several times faster than INSERT for large archives.
        Values are prepared by each field as Django would for an INSERT (JSON as text)."""
        connection = connections[self.using]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.insert_fields)
        sql = f"COPY {quote(self.model._meta.db_table)} ({columns}) FROM STDIN"
        prepare = [_preparer(f, connection) for f in self.insert_fields]
        with connection.cursor() as cursor:
            raw: Any = cursor.connection  # the psycopg 3 connection behind Django's
            with raw.cursor() as pg, pg.copy(sql) as copy:
                for obj in self.rows:
                    copy.write_row(
                        [p(getattr(obj, f.attname)) for p, f in zip(prepare, self.insert_fields, strict=True)]
                    )

    def flush(self) -> None:
        if self.rows:
            if USE_COPY and connections[self.using].vendor == "postgresql":
                self._copy()
            else:
                # raw=True: values are stored as given, so auto_now fields keep the archive's timestamps.
                self.model._base_manager.using(self.using)._insert(  # type: ignore[attr-defined]
                    self.rows, fields=self.insert_fields, raw=True, using=self.using
                )
            self.rows = []
        for rel in self.m2m:
            pairs = self.links[rel.name]
            if not pairs:
                continue
            through: Any = rel.remote_field.through
            source, target = f"{rel.m2m_field_name()}_id", f"{rel.m2m_reverse_field_name()}_id"
            through._base_manager.using(self.using).bulk_create(
                [through(**{source: a, target: b}) for a, b in pairs], batch_size=BATCH
            )
            self.links[rel.name] = []


def _preparer(field: Any, connection: Any) -> Callable[[Any], Any]:
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def as_json(value: Any) -> Any:
            return None if value is None else json.dumps(value, cls=encoder)

        return as_json
    return lambda value: field.get_db_prep_save(value, connection)


@dataclass
class _FileCopier:
    """Copies archived files into storage; remembers what it wrote so a failed import can remove it."""

    written: list[tuple[Any, str]] = field(default_factory=list)
    renamed: list[tuple[str, str, str, str]] = field(default_factory=list)

    def copy(self, entry: dict[str, Any], handle: IO[bytes]) -> None:
        model = apps.get_model(entry["entity"])
        storage = model._meta.get_field(entry["field"]).storage
        name = entry["name"]
        if storage.exists(name) and _sha256_of(storage, name) == entry["sha256"]:
            return  # the same bytes are already there (a file left from an earlier instance)
        saved = storage.save(name, File(handle, name=name))
        self.written.append((storage, saved))
        if saved != name:
            self.renamed.append((entry["entity"], entry["field"], name, saved))

    def apply_renames(self, using: str) -> None:
        for label, field_name, old, new in self.renamed:
            apps.get_model(label)._base_manager.using(using).filter(**{field_name: old}).update(**{field_name: new})

    def undo(self) -> None:
        for storage, name in self.written:
            storage.delete(name)


def _sha256_of(storage: Any, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as stored:
        while chunk := stored.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def import_archive(
    path: Path | str,
    *,
    by: User | None = None,
    progress: Progress | None = None,
    using: str = DEFAULT_DB_ALIAS,
    verified: Callable[[Manifest], None] | None = None,
) -> ImportResult:
    """Verifies the archive and the target, then loads everything in one transaction. Raises ArchiveError."""
    path = Path(path)
    progress = progress or Silent()
    manifest = verify(path)
    if verified is not None:
        verified(manifest)
    ensure_empty(using)
    result = ImportResult(manifest)
    copier = _FileCopier()
    try:
        with transaction.atomic(using=using):
            for label in REPLACEABLE:
                if manifest.entity(fmt.data_member(label)) is not None:
                    apps.get_model(label)._base_manager.using(using).all().delete()
            _load(path, manifest, result, copier, progress, using)
            copier.apply_renames(using)
            _reset_sequences(using)
            audit.record(
                by,
                "instance.imported",
                ("portability.archive", path.name),
                f"Imported {path.name}: {result.total_rows} rows, {result.files} files",
                scope=manifest.scope,
                created_at=manifest.raw.get("created_at"),
                rows=result.total_rows,
                files=result.files,
            )
    except DatabaseError as exc:
        copier.undo()
        raise ArchiveError(f"the database refused the archive's rows ({exc}); nothing was imported") from exc
    except BaseException:
        copier.undo()
        raise
    return result


def _load(
    path: Path, manifest: Manifest, result: ImportResult, copier: _FileCopier, progress: Progress, using: str
) -> None:
    known = importable()
    position = "the manifest"
    try:
        with open_stream(path) as tar, tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as index:
            read_manifest(tar)
            for info in members(tar):
                position = info.name
                handle = tar.extractfile(info)
                assert handle is not None  # verify() refused anything else
                entry = manifest.entity(info.name)
                if entry is not None:
                    result.rows[entry["entity"]] = _load_entity(known[entry["entity"]], entry, handle, progress, using)
                elif info.name == fmt.FILES_INDEX_NAME:
                    shutil.copyfileobj(handle, index)
                    index.seek(0)
                elif info.name.startswith(fmt.FILES_DIR):
                    copier.copy(json.loads(index.readline()), handle)
                    result.files += 1
    except ArchiveError:
        raise
    except (ValueError, TypeError, KeyError, tarfile.TarError) as exc:
        raise ArchiveError(f"import stopped at {position}: {exc}; nothing was imported") from exc


def _load_entity(
    model: type[models.Model], entry: dict[str, Any], handle: IO[bytes], progress: Progress, using: str
) -> int:
    loader = _EntityLoader(model, entry, using)
    progress.start(entry["entity"], int(entry["rows"]))
    count = 0
    for number, line in enumerate(handle, start=1):
        try:
            loader.add(json.loads(line))
        except (ValueError, TypeError, KeyError) as exc:
            raise ArchiveError(
                f"import stopped at {entry['member']} line {number}: {exc}; nothing was imported"
            ) from exc
        count += 1
        if count % BATCH == 0:
            progress.advance(BATCH)
    loader.flush()
    progress.advance(count % BATCH)
    progress.finish()
    return count


def _reset_sequences(using: str) -> None:
    connection = connections[using]
    tables: list[Any] = []
    for model in importable().values():
        tables.append(model)
        tables.extend(rel.remote_field.through for rel in model._meta.many_to_many)
    statements = connection.ops.sequence_reset_sql(no_style(), tables)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
