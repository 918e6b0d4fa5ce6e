"""Formatting of the analytics figures in templates."""

from __future__ import annotations

from typing import Any

from django import template

from upstream.analytics import tables

register = template.Library()


@register.filter
def duration(seconds: int | None) -> str:
    return tables.duration(seconds)


@register.filter
def percent(value: float | None) -> str:
    return tables.percent(value)


@register.filter
def decimal(value: float | None, places: int = 2) -> str:
    return tables.decimal(value, places)


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, "")
