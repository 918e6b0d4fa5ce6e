"""Writes an archive: a tar (gzip-compressed when the name ends in .gz/.tgz) of JSON Lines per entity plus files.

Streaming: each entity is read with a server-side cursor in chunks and written line by line to a temporary file
beside the archive, hashed as it is written; the tar is then assembled from those files and the stored files. Memory
holds one chunk of rows, never an entity (in an organisation's export, also the ids of the users, contacts and
articles its rows refer to). The archive appears under its name only when complete.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any, Protocol

from django.db import models
from django.db.models import Field

from upstream.core import clock
from upstream.portability import format as fmt
from upstream.portability.registry import BLANKED_IN_ORGANISATION, REGISTRY, Referenced, exported
from upstream.portability.scoping import Required, Scope, label_of
from upstream.portability.serialise import Encoder, encoder_for, type_name

CHUNK = 2000
COPY_BUFFER = 1024 * 1024


class Progress(Protocol):
    def start(self, entity: str, total: int) -> None: ...

    def advance(self, rows: int) -> None: ...

    def finish(self) -> None: ...


class Silent:
    def start(self, entity: str, total: int) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass
class EntityMember:
    entity: str
    rows: int = 0
    sha256: str = ""
    bytes: int = 0
    fields: list[dict[str, str]] = field(default_factory=list)

    @property
    def member(self) -> str:
        return fmt.data_member(self.entity)


@dataclass
class ExportResult:
    path: Path
    scope: dict[str, Any]
    entities: list[EntityMember]
    files: int
    file_bytes: int
    missing_files: int
    archive_bytes: int

    @property
    def rows(self) -> int:
        return sum(e.rows for e in self.entities)


class _HashingWriter:
    """A binary file that hashes and counts what is written to it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] = path.open("wb")
        self._hash = hashlib.sha256()
        self.bytes = 0

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self._hash.update(data)
        self.bytes += len(data)

    def close(self) -> str:
        self._file.close()
        return self._hash.hexdigest()


def _line(row: dict[str, Any]) -> bytes:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def upstream_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("upstream")
    except PackageNotFoundError:
        return "unknown"


@dataclass
class _EntityWriter:
    """Writes one entity's rows in the scope, noting references and files on the way."""

    scope: Scope
    label: str
    model: type[models.Model]
    files_list: IO[str]

    def columns(self) -> tuple[list[Field[Any, Any]], list[Any]]:
        fields = list(self.model._meta.concrete_fields)
        m2m = [rel for rel in self.model._meta.many_to_many if self.scope.m2m_included(self.label, rel)]
        return fields, m2m

    def write(self, out: _HashingWriter, progress: Progress) -> EntityMember:
        fields, m2m = self.columns()
        member = EntityMember(self.label)
        member.fields = [{"name": f.name, "type": type_name(f)} for f in fields] + [
            {"name": rel.name, "type": type_name(rel)} for rel in m2m
        ]
        rows = self.scope.queryset(self.label, self.model)
        guards = {f.name: self.scope.fk_guard(self.model, self.label, f) for f in fields if f.is_relation}
        for name, guard in list(guards.items()):
            if isinstance(guard, Required):
                rows = rows.filter(guard.condition)
                guards[name] = "keep"
        annotations = {f"_in_scope_{name}": guard for name, guard in guards.items() if not isinstance(guard, str)}
        if annotations:
            rows = rows.annotate(**annotations)
        names = [f.attname for f in fields] + list(annotations)
        encoders = [self._encoder(f) for f in fields]
        file_fields = [i for i, f in enumerate(fields) if isinstance(f, models.FileField)]
        blanked = {} if self.scope.instance else BLANKED_IN_ORGANISATION.get(self.label, {})
        progress.start(self.label, rows.count())
        cursor = rows.values_list(*names).iterator(chunk_size=CHUNK)
        for batch in _batches(cursor, CHUNK):
            related = self._m2m_values(m2m, [values[0] for values in batch]) if m2m else {}
            for values in batch:
                row = self._row(fields, encoders, guards, values)
                for rel in m2m:
                    row[rel.name] = self._m2m_list(rel, related.get(rel.name, {}).get(values[0], []))
                for index in file_fields:
                    if values[index]:
                        self.files_list.write(json.dumps([self.label, fields[index].name, values[index]]) + "\n")
                if blanked:
                    row.update(blanked)
                out.write(_line(row))
                member.rows += 1
            progress.advance(len(batch))
        progress.finish()
        return member

    def _encoder(self, f: Field[Any, Any]) -> Encoder:
        if f.is_relation:
            target = f.target_field  # type: ignore[attr-defined]
            return encoder_for(target)
        return encoder_for(f)

    def _row(
        self, fields: list[Field[Any, Any]], encoders: list[Encoder], guards: dict[str, Any], values: Any
    ) -> dict[str, Any]:
        row: dict[str, Any] = {}
        extra = len(fields)
        for index, f in enumerate(fields):
            value = values[index]
            if f.is_relation and value is not None:
                guard = guards[f.name]
                if guard == "null":
                    value = None
                elif guard == "collect":
                    value = self.scope.note_reference(label_of(f.related_model), value)
                elif guard == "organisation":
                    value = value if value == self.scope.organisation_id else None
                elif not isinstance(guard, str):
                    value = value if values[extra] else None
            if f.is_relation and not isinstance(guards[f.name], str):
                extra += 1
            row[f.name] = encoders[index](value)
        return row

    def _m2m_values(self, m2m: list[Any], pks: list[Any]) -> dict[str, dict[Any, list[Any]]]:
        result: dict[str, dict[Any, list[Any]]] = {}
        for rel in m2m:
            through = rel.remote_field.through
            source, target = rel.m2m_field_name(), rel.m2m_reverse_field_name()
            pairs = (
                through._base_manager.filter(**{f"{source}__in": pks})
                .filter(self.scope.m2m_through_filter(rel))
                .order_by(source, target)
                .values_list(f"{source}_id", f"{target}_id")
            )
            by_source: dict[Any, list[Any]] = {}
            for source_id, target_id in pairs:
                by_source.setdefault(source_id, []).append(target_id)
            result[rel.name] = by_source
        return result

    def _m2m_list(self, rel: Any, targets: list[Any]) -> list[Any]:
        target_label = label_of(rel.related_model)
        if self.scope.instance or not isinstance(REGISTRY.get(target_label), Referenced):
            return targets
        kept = [self.scope.note_reference(target_label, value) for value in targets]
        return [value for value in kept if value is not None]


def _batches(iterator: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(iterator, size)):
        yield batch


def _entity_plan(scope: Scope) -> list[tuple[str, type[models.Model]]]:
    return [(label, model) for label, model, _ in exported(instance=scope.instance)]


def _hash_files(files_list: Path, index: _HashingWriter) -> tuple[int, int, int]:
    """Hashes every stored file the rows name, writing the files index; returns (files, bytes, missing)."""
    from django.apps import apps

    count = total = missing = 0
    with files_list.open(encoding="utf-8") as names:
        for line in names:
            label, field_name, name = json.loads(line)
            storage = apps.get_model(label)._meta.get_field(field_name).storage
            if not storage.exists(name):
                missing += 1
                continue
            digest, size = hashlib.sha256(), 0
            with storage.open(name, "rb") as stored:
                while chunk := stored.read(COPY_BUFFER):
                    digest.update(chunk)
                    size += len(chunk)
            index.write(
                _line({"name": name, "entity": label, "field": field_name, "bytes": size, "sha256": digest.hexdigest()})
            )
            count += 1
            total += size
    return count, total, missing


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), mtime, 0o644
    tar.addfile(info, io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, name: str, source: IO[bytes], size: int, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o644
    tar.addfile(info, source)
    tar.members = []  # type: ignore[attr-defined]  # tarfile keeps every header otherwise: memory would grow with the number of files


def is_compressed(path: Path) -> bool:
    return path.name.endswith((".gz", ".tgz"))


def write_archive(
    path: Path | str, *, organisation_id: int | None = None, progress: Progress | None = None
) -> ExportResult:
    """Exports the whole instance (no organisation) or one organisation's data into the archive at `path`."""
    path = Path(path)
    progress = progress or Silent()
    scope = Scope(organisation_id=organisation_id)
    created_at = clock.now().astimezone(dt.UTC)
    mtime = created_at.timestamp()
    plan = _entity_plan(scope)
    labels = [label for label, _ in plan]
    models_by_label = dict(plan)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".upstream-export-") as tmp:
        work = Path(tmp)
        files_list_path = work / "files.list"
        members: dict[str, EntityMember] = {}
        with files_list_path.open("w", encoding="utf-8") as files_list:
            for label in scope.write_order(labels):
                out = _HashingWriter(work / f"{label}.jsonl")
                member = _EntityWriter(scope, label, models_by_label[label], files_list).write(out, progress)
                member.sha256, member.bytes = out.close(), out.bytes
                members[label] = member
        index = _HashingWriter(work / fmt.FILES_INDEX_NAME)
        file_count, file_bytes, missing = _hash_files(files_list_path, index)
        index_sha = index.close()
        scope_info = _scope_info(organisation_id)
        manifest = {
            "format": fmt.FORMAT_NAME,
            "schema_version": fmt.SCHEMA_VERSION,
            "upstream_version": upstream_version(),
            "created_at": created_at.isoformat(),
            "scope": scope_info,
            "entities": [
                {
                    "entity": m.entity,
                    "member": m.member,
                    "rows": m.rows,
                    "bytes": m.bytes,
                    "sha256": m.sha256,
                    "fields": m.fields,
                }
                for m in (members[label] for label in labels)
            ],
            "files": {
                "member": fmt.FILES_INDEX_NAME,
                "count": file_count,
                "bytes": file_bytes,
                "index_bytes": index.bytes,
                "index_sha256": index_sha,
                "missing": missing,
            },
        }
        partial = path.with_name(path.name + ".part")
        mode = "w:gz" if is_compressed(path) else "w"
        options: dict[str, Any] = {"compresslevel": 6} if mode == "w:gz" else {}
        with tarfile.open(partial, mode, format=tarfile.PAX_FORMAT, **options) as tar:  # type: ignore[call-overload]
            manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode() + b"\n"
            _add_bytes(tar, fmt.MANIFEST_NAME, manifest_bytes, mtime)
            for label in labels:
                member = members[label]
                with (work / f"{label}.jsonl").open("rb") as data:
                    _add_file(tar, member.member, data, member.bytes, mtime)
            with (work / fmt.FILES_INDEX_NAME).open("rb") as data:
                _add_file(tar, fmt.FILES_INDEX_NAME, data, index.bytes, mtime)
            _add_stored_files(tar, work / fmt.FILES_INDEX_NAME, mtime)
        os.replace(partial, path)
    return ExportResult(
        path=path,
        scope=scope_info,
        entities=[members[label] for label in labels],
        files=file_count,
        file_bytes=file_bytes,
        missing_files=missing,
        archive_bytes=path.stat().st_size,
    )


def _add_stored_files(tar: tarfile.TarFile, index_path: Path, mtime: float) -> None:
    from django.apps import apps

    with index_path.open(encoding="utf-8") as index:
        for line in index:
            entry = json.loads(line)
            storage = apps.get_model(entry["entity"])._meta.get_field(entry["field"]).storage
            with storage.open(entry["name"], "rb") as stored:
                _add_file(tar, fmt.file_member(entry["name"]), stored, entry["bytes"], mtime)


def _scope_info(organisation_id: int | None) -> dict[str, Any]:
    if organisation_id is None:
        return {"kind": fmt.SCOPE_INSTANCE}
    from upstream.customers.models import Organisation

    name = Organisation.objects.filter(pk=organisation_id).values_list("name", flat=True).first()
    return {"kind": fmt.SCOPE_ORGANISATION, "organisation": organisation_id, "organisation_name": name or ""}
