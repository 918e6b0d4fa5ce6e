"""Field values ↔ JSON, explicitly per field type, so the archive format does not depend on Django's serializers.

Dates and times are ISO 8601 (datetimes in UTC with their offset), decimals and UUIDs strings, durations ISO 8601
durations, binary base64, files their stored name (the bytes travel under files/), foreign keys the referenced
primary key, many-to-many fields a sorted list of primary keys, JSON fields as JSON.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid
from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils.dateparse import parse_date, parse_datetime, parse_duration, parse_time
from django.utils.duration import duration_iso_string

Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _iso(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.isoformat()


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def _duration(value: Any) -> Any:
    return None if value is None else duration_iso_string(value)


def _b64(value: Any) -> Any:
    return None if value is None else base64.b64encode(bytes(value)).decode("ascii")


def _unb64(value: Any) -> Any:
    return None if value is None else base64.b64decode(value, validate=True)


def _none_or(parse: Callable[[str], Any]) -> Decoder:
    def decode(value: Any) -> Any:
        if value is None:
            return None
        parsed = parse(value)
        if parsed is None:
            raise ValueError(f"not a valid value: {value!r}")
        return parsed

    return decode


def _decimal(value: Any) -> Any:
    return None if value is None else decimal.Decimal(value)


def _uuid(value: Any) -> Any:
    return None if value is None else uuid.UUID(value)


def encoder_for(field: models.Field[Any, Any]) -> Encoder:
    """How `values_list()` output for this field becomes JSON."""
    if isinstance(field, models.DateTimeField | models.DateField | models.TimeField):
        return _iso
    if isinstance(field, models.DecimalField | models.UUIDField):
        return _text
    if isinstance(field, models.DurationField):
        return _duration
    if isinstance(field, models.BinaryField):
        return _b64
    return _identity


def decoder_for(field: models.Field[Any, Any]) -> Decoder:
    """The inverse of `encoder_for`: JSON → the Python value the field stores."""
    if isinstance(field, models.DateTimeField):
        return _none_or(parse_datetime)
    if isinstance(field, models.DateField):
        return _none_or(parse_date)
    if isinstance(field, models.TimeField):
        return _none_or(parse_time)
    if isinstance(field, models.DecimalField):
        return _decimal
    if isinstance(field, models.UUIDField):
        return _uuid
    if isinstance(field, models.DurationField):
        return _none_or(parse_duration)
    if isinstance(field, models.BinaryField):
        return _unb64
    return _identity


def type_name(field: models.Field[Any, Any]) -> str:
    """The field's type as the manifest and docs name it."""
    if field.is_relation:
        target = field.related_model
        assert target is not None and not isinstance(target, str)
        kind = "m2m" if field.many_to_many else "fk"
        return f"{kind}:{target._meta.label_lower}"
    return field.get_internal_type()
