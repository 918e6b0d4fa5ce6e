"""The per-entity part of docs/export.md, generated from the registry and the models (`upstream export --describe`),
so the documented schema is the one the code writes."""

from __future__ import annotations

from typing import Any

from django.apps import apps

from upstream.portability import format as fmt
from upstream.portability.registry import (
    APPENDED,
    REGISTRY,
    REPLACEABLE,
    SKIPPED_FIELDS,
    Excluded,
    InstanceOnly,
    Owned,
    Referenced,
    Shared,
    Treatment,
)
from upstream.portability.serialise import type_name

_JSON = {
    "DateTimeField": "string, ISO 8601 in UTC (`2026-11-24T03:42:50.123456+00:00`)",
    "DateField": "string, `YYYY-MM-DD`",
    "TimeField": "string, `HH:MM[:SS[.ffffff]]`",
    "DecimalField": "string (exact decimal)",
    "UUIDField": "string",
    "DurationField": "string, ISO 8601 duration",
    "BinaryField": "string, base64",
    "FileField": "string, the stored name; bytes under `files/<name>`",
    "JSONField": "JSON value",
    "BooleanField": "boolean",
    "FloatField": "number",
}


def _json_type(field_type: str) -> str:
    if field_type.startswith("fk:"):
        return f"id of `{field_type[3:]}`"
    if field_type.startswith("m2m:"):
        return f"sorted list of ids of `{field_type[4:]}`"
    if "Integer" in field_type or field_type in ("BigAutoField", "AutoField"):
        return "integer"
    return _JSON.get(field_type, "string")


def _scope(how: Treatment) -> str:
    if isinstance(how, Owned):
        return f"owned: an organisation's export keeps rows where `{how.path}` is the organisation"
    if isinstance(how, Shared):
        return f"shared (all rows in every scope): {how.reason}"
    if isinstance(how, Referenced):
        seed = f", plus rows where `{how.seed}` is the organisation" if how.seed else ""
        return f"referenced: an organisation's export keeps the rows its other rows refer to{seed}"
    if isinstance(how, InstanceOnly):
        return f"whole-instance exports only: {how.reason}"
    return f"not exported: {how.reason}"


def describe() -> str:
    lines: list[str] = []
    for label, how in REGISTRY.items():
        model: Any = apps.get_model(label)
        lines.append(f"### `{label}`")
        lines.append("")
        notes = [_scope(how)]
        if label in REPLACEABLE:
            notes.append("an import replaces the rows a fresh instance already has")
        if label in APPENDED:
            notes.append("an import appends these rows with new ids")
        lines.append(f"{model._meta.verbose_name_plural.capitalize()}; {'; '.join(notes)}.")
        lines.append("")
        if isinstance(how, Excluded):
            continue
        lines.append(f"Member `{fmt.data_member(label)}`, one row per line, ordered by `id`.")
        lines.append("")
        lines.append("| field | JSON |")
        lines.append("| --- | --- |")
        skipped = SKIPPED_FIELDS.get(label, {})
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
            if field.name in skipped:
                continue
            if field.many_to_many and not field.remote_field.through._meta.auto_created:
                continue
            nullable = " or null" if field.null and not field.many_to_many else ""
            lines.append(f"| `{field.name}` | {_json_type(type_name(field))}{nullable} |")
        for name, reason in skipped.items():
            lines.append(f"| ~~`{name}`~~ | not exported: {reason} |")
        lines.append("")
    return "\n".join(lines)
