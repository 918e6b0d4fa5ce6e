"""The Time panel of the agent ticket page and how durations read."""

from __future__ import annotations

from typing import Any

from django import template

from upstream.hours import bank, pages

register = template.Library()


@register.inclusion_tag("hours/_panel.html", takes_context=True)
def hours_panel(context: template.Context, ticket: Any) -> dict[str, Any]:
    """Two queries: the ticket's entries with their people, and the contract's usage."""
    return pages.panel_context(context["user"], ticket)


@register.filter
def duration(minutes: int | None) -> str:
    """90 → "1h 30m"."""
    return bank.format_minutes(int(minutes or 0))
