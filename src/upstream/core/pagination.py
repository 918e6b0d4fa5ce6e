"""Keyset (cursor) pagination: page N costs the same as page 1, even at millions of rows.

A cursor is the sort key of the last row seen, encoded as opaque URL-safe text. Offsets are never used: OFFSET
100000 makes the database walk and discard 100,000 rows.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Field, Model, QuerySet

from upstream.core.errors import InvalidInput

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and "dt" in value:
        return datetime.fromisoformat(value["dt"])
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != length:
            raise ValueError
        return [_decode_value(v) for v in values]
    except (ValueError, TypeError, json.JSONDecodeError):
        raise InvalidInput(
            "the cursor is malformed; use the next_cursor value of a previous page", field="cursor"
        ) from None


def _after(queryset: QuerySet[M], fields: Sequence[str], values: Sequence[Any]) -> QuerySet[M]:
    """Rows strictly after `values` in the order of `fields`.

    A SQL row-value comparison, `(a, b, id) > (x, y, z)`, lets PostgreSQL (and SQLite) start an index scan right at
    the cursor; an OR-chain of per-column conditions would make it walk every earlier row.
    """
    meta = queryset.model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(meta.db_table)}.{quote(_column(queryset, f))}" for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    operator = "<" if fields[0].startswith("-") else ">"
    # Raw SQL bypasses Django's value adaptation; do it here, or SQLite compares datetimes as mismatched text.
    params = [_cursor_param(_field(queryset, f), v) for f, v in zip(fields, values, strict=True)]
    return queryset.extra(where=[f"({columns}) {operator} ({placeholders})"], params=params)


def _cursor_param(field: Field[Any, Any], value: Any) -> Any:
    """A decoded cursor value checked against its field: a hand-made cursor with a value of the wrong type or out of
    the column's range is the client's mistake (422), not a database error."""
    try:
        if value is None or isinstance(value, list | dict):
            raise TypeError
        value = field.to_python(value)
        field.run_validators(value)
        return field.get_db_prep_value(value, connection)
    except (TypeError, ValueError, OverflowError, ValidationError):
        raise InvalidInput(
            "the cursor is malformed; use the next_cursor value of a previous page", field="cursor"
        ) from None


def _field(queryset: QuerySet[M], name: str) -> Field[Any, Any]:
    field = queryset.model._meta.get_field(name.lstrip("-"))
    if not isinstance(field, Field):
        raise ValueError(f"cannot paginate on {name}: not a concrete field")
    return field


def _column(queryset: QuerySet[M], name: str) -> str:
    column = _field(queryset, name).column
    assert column is not None
    return column


def _check_order(order: Sequence[str]) -> None:
    directions = {f.startswith("-") for f in order}
    if len(directions) != 1:
        raise ValueError("keyset pagination needs every order field in the same direction")


def paginate(queryset: QuerySet[M], order: Sequence[str], *, cursor: str | None, size: int) -> Page[M]:
    """One page of `queryset` ordered by `order` (which must end in a unique field, e.g. "id")."""
    _check_order(order)
    ordered = queryset.order_by(*order)
    if cursor:
        ordered = _after(ordered, order, decode_cursor(cursor, len(order)))
    rows = list(ordered[: size + 1])
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = encode_cursor([getattr(last, _field(queryset, f).attname) for f in order])
    return Page(items=items, next_cursor=next_cursor)
