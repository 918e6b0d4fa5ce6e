"""An archive written before a field existed still imports: the field takes its default (documented in export.md).
The archive is written by hand, from the documented format alone."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest

from upstream.customers.models import Organisation
from upstream.portability import format as fmt
from upstream.portability import importer
from upstream.portability.importer import import_archive
from upstream.portability.reader import ArchiveError


def _write(path, rows: list[dict], fields: list[str]) -> None:
    data = b"".join(json.dumps(row).encode() + b"\n" for row in rows)
    manifest = {
        "format": fmt.FORMAT_NAME,
        "schema_version": 1,
        "upstream_version": "0.0.1",
        "created_at": "2026-01-01T00:00:00+00:00",
        "scope": {"kind": "instance"},
        "entities": [
            {
                "entity": "customers.organisation",
                "member": "data/customers.organisation.jsonl",
                "rows": len(rows),
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "fields": [{"name": name, "type": "?"} for name in fields],
            }
        ],
        "files": {"member": "files.jsonl", "count": 0, "bytes": 0, "index_bytes": 0,
                  "index_sha256": hashlib.sha256(b"").hexdigest(), "missing": 0},
    }  # fmt: skip
    with tarfile.open(path, "w") as tar:
        for name, content in (
            ("manifest.json", json.dumps(manifest).encode()),
            ("data/customers.organisation.jsonl", data),
            ("files.jsonl", b""),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))


@pytest.mark.django_db
@pytest.mark.parametrize("copy", [True, False], ids=["copy", "insert"])
def test_missing_fields_with_defaults_are_filled(tmp_path, monkeypatch, copy):
    monkeypatch.setattr(importer, "USE_COPY", copy)
    path = tmp_path / "old.tar"
    _write(
        path, [{"id": 7, "name": "Old Org", "created_at": "2025-03-01T08:00:00+00:00"}], ["id", "name", "created_at"]
    )
    import_archive(path)
    org = Organisation.objects.get(pk=7)
    assert org.name == "Old Org" and org.created_at.year == 2025
    assert org.notes == "" and org.updated_at is not None and org.default_team is None


@pytest.mark.django_db
def test_a_missing_required_field_is_refused(tmp_path):
    path = tmp_path / "bad.tar"
    _write(path, [{"id": 7, "created_at": "2025-03-01T08:00:00+00:00"}], ["id", "created_at"])
    with pytest.raises(ArchiveError, match="lacks the field 'name'"):
        import_archive(path)
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_a_bad_value_names_the_line_and_imports_nothing(tmp_path):
    path = tmp_path / "bad-date.tar"
    rows = [{"id": 1, "name": "Fine", "created_at": "2025-03-01T08:00:00+00:00"},
            {"id": 2, "name": "Broken", "created_at": "yesterday"}]  # fmt: skip
    _write(path, rows, ["id", "name", "created_at"])
    with pytest.raises(ArchiveError, match=r"data/customers\.organisation\.jsonl line 2: .*nothing was imported"):
        import_archive(path)
    assert not Organisation.objects.exists()
