"""Evaluate business-calendar test vectors (the `../shared/data/sla-vectors` format) with the product's engine. Pure.

A file is {"vectors": [{id, calendar, op, start, ...}]}. Ops: `add` and `subtract` (duration_seconds → expected
instant) and `business_seconds_between` (end → expected_seconds). Times ending in Z or carrying an offset are instants;
without one they are wall-clock times in the vector's calendar zone. Results are compared as instants.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from upstream.sla.calendar import BusinessCalendar, CalendarError


class VectorFileError(Exception):
    """The file is missing, unreadable or not a vectors file; the message says which."""


@dataclass(frozen=True)
class VectorResult:
    id: str
    passed: bool
    expected: str
    got: str
    error: str = ""

    def describe(self) -> str:
        """One line for a report: why this vector failed."""
        if self.error:
            return f"{self.id}: error: {self.error}"
        return f"{self.id}: expected {self.expected}, got {self.got}"


class _VectorError(Exception):
    """A single malformed vector: reported as that vector's failure, the others still run."""


def load_vectors(path: str | Path) -> list[object]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise VectorFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise VectorFileError(f"{path} is not UTF-8 text") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise VectorFileError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    vectors = document.get("vectors") if isinstance(document, dict) else None
    if not isinstance(vectors, list):
        raise VectorFileError(f'{path} has no "vectors" list')
    return vectors


def evaluate_file(path: str | Path) -> list[VectorResult]:
    return [evaluate_vector(vector, index) for index, vector in enumerate(load_vectors(path))]


def evaluate_vector(vector: object, index: int = 0) -> VectorResult:
    vector_id = str(vector.get("id", f"#{index}")) if isinstance(vector, Mapping) else f"#{index}"
    try:
        if not isinstance(vector, Mapping):
            raise _VectorError("a vector must be an object")
        description = _required(vector, "calendar")
        if not isinstance(description, Mapping):
            raise _VectorError("'calendar' must be an object")
        calendar = BusinessCalendar.from_description(description)
        expected, got = _run(vector, calendar)
    except (_VectorError, CalendarError, ValueError, TypeError, OverflowError) as exc:
        return VectorResult(vector_id, passed=False, expected="", got="", error=str(exc))
    return VectorResult(vector_id, passed=expected == got, expected=str(expected), got=str(got))


def _run(vector: Mapping[str, object], calendar: BusinessCalendar) -> tuple[object, object]:
    """(expected, got) as comparable values: instants as ISO strings in one form, or business seconds."""
    op = vector.get("op")
    start = _instant(_required(vector, "start"), calendar, "start")
    if op == "business_seconds_between":
        end = _instant(_required(vector, "end"), calendar, "end")
        return _integer(vector, "expected_seconds"), calendar.between(start, end)
    if op in ("add", "subtract"):
        seconds = _integer(vector, "duration_seconds")
        expected_text = _required(vector, "expected")
        expected = _instant(expected_text, calendar, "expected")
        result = calendar.add(start, seconds) if op == "add" else calendar.subtract(start, seconds)
        # Show both in the expected value's own notation; equal text means the same instant.
        return _format_like(expected_text, expected, calendar), _format_like(expected_text, result, calendar)
    raise _VectorError(f"unknown op {op!r}, expected add, subtract or business_seconds_between")


def _required(vector: Mapping[str, object], key: str) -> object:
    if key not in vector:
        raise _VectorError(f"missing {key!r}")
    return vector[key]


def _integer(vector: Mapping[str, object], key: str) -> int:
    value = _required(vector, key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _VectorError(f"{key!r} must be an integer number of seconds")
    return value


def _instant(text: object, calendar: BusinessCalendar, key: str) -> datetime:
    if not isinstance(text, str):
        raise _VectorError(f"{key!r} must be an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _VectorError(f"{key!r} is not an ISO 8601 time: {text!r}") from None
    return calendar.localize(moment) if moment.tzinfo is None else moment


def _format_like(template: object, moment: datetime, calendar: BusinessCalendar) -> str:
    """Wall-clock text for a wall-clock template, UTC with Z for an instant template. A wall-clock text alone can be
    ambiguous in a fall-back hour, so it carries the UTC instant as well."""
    in_utc = moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
    if isinstance(template, str) and datetime.fromisoformat(template).tzinfo is None:
        wall = moment.astimezone(calendar.zone).replace(tzinfo=None).isoformat()
        return f"{wall} ({in_utc})"
    return in_utc
