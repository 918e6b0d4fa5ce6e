"""Reads and verifies an archive before anything is imported.

`verify()` streams the whole archive once: the manifest must come first and be understood (format, a schema version
not newer than this Upstream's, known entities and fields); every member must be listed, with the listed size,
sha256 and row count; every listed member must be present. A truncated or tampered archive is refused here, with a
message naming what is wrong, before a single row is written.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db import models

from upstream.portability import format as fmt
from upstream.portability.registry import importable

READ_BUFFER = 1024 * 1024


class ArchiveError(Exception):
    """The archive cannot be imported; the message says why, for the person running the import."""


@dataclass(frozen=True)
class Manifest:
    raw: dict[str, Any]

    @property
    def schema_version(self) -> int:
        return int(self.raw["schema_version"])

    @property
    def scope(self) -> dict[str, Any]:
        return dict(self.raw["scope"])

    @property
    def entities(self) -> list[dict[str, Any]]:
        return list(self.raw["entities"])

    @property
    def files(self) -> dict[str, Any]:
        return dict(self.raw["files"])

    def entity(self, member: str) -> dict[str, Any] | None:
        return next((e for e in self.entities if e["member"] == member), None)


_CORRUPT = (tarfile.TarError, EOFError, zlib.error, OSError, UnicodeDecodeError)


@contextmanager
def open_stream(path: Path) -> Iterator[tarfile.TarFile]:
    """The archive as a forward-only stream (gzip detected from its content, not its name)."""
    if not path.is_file():
        raise ArchiveError(f"no archive at {path}")
    try:
        with tarfile.open(path, "r|*") as tar:
            yield tar
    except ArchiveError:
        raise
    except _CORRUPT as exc:
        raise ArchiveError(f"the archive is truncated or corrupt ({exc.__class__.__name__}: {exc})") from exc


def members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """The members after the manifest, forgetting each once read: tarfile otherwise keeps every header in memory."""
    while (info := tar.next()) is not None:
        tar.members = []  # type: ignore[attr-defined]
        yield info


def read_manifest(tar: tarfile.TarFile) -> Manifest:
    first = tar.next()
    if first is None or first.name != fmt.MANIFEST_NAME:
        raise ArchiveError(f"not an Upstream export: the archive does not start with {fmt.MANIFEST_NAME}")
    handle = tar.extractfile(first)
    if handle is None:
        raise ArchiveError(f"{fmt.MANIFEST_NAME} is not a regular file")
    try:
        raw = json.loads(handle.read())
    except ValueError as exc:
        raise ArchiveError(f"{fmt.MANIFEST_NAME} is not valid JSON: {exc}") from exc
    return check_manifest(raw)


def check_manifest(raw: Any) -> Manifest:
    if not isinstance(raw, dict) or raw.get("format") != fmt.FORMAT_NAME:
        raise ArchiveError(f"not an Upstream export: {fmt.MANIFEST_NAME} does not say format {fmt.FORMAT_NAME!r}")
    version = raw.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise ArchiveError(f"{fmt.MANIFEST_NAME} has no valid schema_version (found {version!r})")
    if version > fmt.SCHEMA_VERSION:
        raise ArchiveError(
            f"the archive uses export schema version {version} (written by Upstream "
            f"{raw.get('upstream_version', '?')}); this Upstream reads schema versions up to {fmt.SCHEMA_VERSION}. "
            "Upgrade Upstream before importing it."
        )
    for key, kind in (("scope", dict), ("entities", list), ("files", dict)):
        if not isinstance(raw.get(key), kind):
            raise ArchiveError(f"{fmt.MANIFEST_NAME} lacks a valid {key!r}")
    manifest = Manifest(raw)
    known = importable()
    for entry in manifest.entities:
        _check_entity(entry, known)
    return manifest


def _check_entity(entry: Any, known: dict[str, type[models.Model]]) -> None:
    if not isinstance(entry, dict) or not all(k in entry for k in ("entity", "member", "rows", "sha256", "fields")):
        raise ArchiveError(f"{fmt.MANIFEST_NAME} has a malformed entity entry: {entry!r}"[:300])
    label = entry["entity"]
    if label not in known:
        raise ArchiveError(f"the archive holds {label!r}, which this Upstream does not know")
    if entry["member"] != fmt.data_member(label):
        raise ArchiveError(f"entity {label} is listed under an unexpected member name {entry['member']!r}")
    model = known[label]
    names = {f["name"] for f in entry["fields"]}
    fields = {f.name: f for f in [*model._meta.concrete_fields, *model._meta.many_to_many]}
    unknown = sorted(names - set(fields))
    if unknown:
        raise ArchiveError(f"entity {label} has fields this Upstream does not know: {', '.join(unknown)}")
    for name, field in fields.items():
        if name in names or field.many_to_many:
            continue
        if not _fillable(field):
            raise ArchiveError(f"entity {label} lacks the field {name!r}, which has no default")


def _fillable(field: Any) -> bool:
    """Whether a field an archive lacks can take a value of its own: null, a default, a timestamp, or empty text."""
    stamped = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    empty_text = field.blank and field.empty_strings_allowed
    return bool(field.null or field.has_default() or stamped or empty_text)


def _digest(handle: IO[bytes], *, count_lines: bool) -> tuple[str, int, int]:
    digest, size, lines = hashlib.sha256(), 0, 0
    while chunk := handle.read(READ_BUFFER):
        digest.update(chunk)
        size += len(chunk)
        if count_lines:
            lines += chunk.count(b"\n")
    return digest.hexdigest(), size, lines


def verify(path: Path | str) -> Manifest:
    """Checks the whole archive against its manifest; raises ArchiveError naming the first problem."""
    path = Path(path)
    with open_stream(path) as tar, tempfile.TemporaryFile() as index_copy:
        manifest = read_manifest(tar)
        expected = {e["member"]: e for e in manifest.entities}
        seen: set[str] = set()
        files = manifest.files
        pending_files: Iterator[dict[str, Any]] | None = None
        files_seen = 0
        for info in members(tar):
            name = info.name
            if name in seen:
                raise ArchiveError(f"the archive holds {name} twice")
            handle = tar.extractfile(info)
            if handle is None:
                raise ArchiveError(f"unexpected non-file member {name}")
            if name in expected:
                _check_member(name, handle, expected[name])
            elif name == fmt.FILES_INDEX_NAME:
                digest, size, _ = _copy_digest(handle, index_copy)
                if digest != files.get("index_sha256") or size != files.get("index_bytes"):
                    raise ArchiveError(f"{name} does not match its checksum in the manifest: the archive was altered")
                index_copy.seek(0)
                pending_files = _index_entries(index_copy)
            elif name.startswith(fmt.FILES_DIR):
                if pending_files is None:
                    raise ArchiveError(f"{name} comes before {fmt.FILES_INDEX_NAME}")
                _check_file(name, handle, next(pending_files, None))
                files_seen += 1
            else:
                raise ArchiveError(f"unexpected member {name}: the archive was altered")
            seen.add(name)
    missing = sorted(set(expected) - seen)
    if fmt.FILES_INDEX_NAME not in seen:
        missing.append(fmt.FILES_INDEX_NAME)
    if missing or files_seen != files.get("count"):
        what = ", ".join(missing[:5]) if missing else f"{files.get('count', 0) - files_seen} stored files"
        raise ArchiveError(f"the archive is truncated: {what} missing")
    return manifest


def _check_member(name: str, handle: IO[bytes], entry: dict[str, Any]) -> None:
    digest, size, lines = _digest(handle, count_lines=True)
    if lines != entry["rows"]:
        raise ArchiveError(f"{name} has {lines} rows, the manifest says {entry['rows']}: truncated or altered")
    if digest != entry["sha256"] or size != entry.get("bytes", size):
        raise ArchiveError(f"{name} does not match its checksum in the manifest: the archive was altered")


def _copy_digest(handle: IO[bytes], target: IO[bytes]) -> tuple[str, int, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(READ_BUFFER):
        digest.update(chunk)
        target.write(chunk)
        size += len(chunk)
    return digest.hexdigest(), size, 0


def _index_entries(index: IO[bytes]) -> Iterator[dict[str, Any]]:
    for line in index:
        entry = json.loads(line)
        if not isinstance(entry, dict):
            raise ArchiveError(f"{fmt.FILES_INDEX_NAME} holds a malformed line")
        yield entry


def _check_file(name: str, handle: IO[bytes], entry: dict[str, Any] | None) -> None:
    if entry is None or fmt.file_member(entry["name"]) != name:
        raise ArchiveError(f"{name} is not the next file listed in {fmt.FILES_INDEX_NAME}: the archive was altered")
    digest, size, _ = _digest(handle, count_lines=False)
    if digest != entry["sha256"] or size != entry["bytes"]:
        raise ArchiveError(f"{name} does not match its checksum: the archive was altered")
