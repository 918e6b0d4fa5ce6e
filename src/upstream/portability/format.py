"""The archive format: names and versions shared by the writer, the reader and the documentation (docs/export.md)."""

from __future__ import annotations

# Raise when the archive layout or the meaning of a field changes in a way an older importer would misread.
# Adding a model or a nullable/defaulted field is not such a change: an older archive simply lacks it.
SCHEMA_VERSION = 1
FORMAT_NAME = "upstream-export"

MANIFEST_NAME = "manifest.json"
FILES_INDEX_NAME = "files.jsonl"
DATA_DIR = "data/"
FILES_DIR = "files/"

SCOPE_INSTANCE = "instance"
SCOPE_ORGANISATION = "organisation"


def data_member(entity: str) -> str:
    """`tickets.ticket` → `data/tickets.ticket.jsonl`."""
    return f"{DATA_DIR}{entity}.jsonl"


def file_member(stored_name: str) -> str:
    return f"{FILES_DIR}{stored_name}"
