"""Badges and labels for tickets: the CSS classes live here, not on the models."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString

from upstream.tickets import presentation, rules

register = template.Library()


@register.simple_tag
def priority_badge(priority: int, long: bool = False) -> SafeString:
    label = presentation.priority_label(priority)
    text = label if long else f"P{priority}"
    return format_html('<span class="badge prio prio-{}" title="{}">{}</span>', priority, label, text)


@register.simple_tag
def status_label(status: str) -> SafeString:
    return format_html('<span class="status status-{}">{}</span>', status, presentation.status_label(status))


@register.filter
def ticket_ref(number: int) -> str:
    return rules.format_number(settings.TICKET_PREFIX, number)
