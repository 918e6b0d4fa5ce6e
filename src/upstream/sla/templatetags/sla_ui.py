"""Presentation of SLA settings: a policy target with its calendar, a calendar's week in one line per pattern."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from upstream.sla.calendar import WEEKDAYS
from upstream.sla.durations import format_minutes
from upstream.sla.models import SlaPolicy

register = template.Library()

SHORT_WEEKDAYS = {
    "mon": pgettext_lazy("weekday", "Mon"),
    "tue": pgettext_lazy("weekday", "Tue"),
    "wed": pgettext_lazy("weekday", "Wed"),
    "thu": pgettext_lazy("weekday", "Thu"),
    "fri": pgettext_lazy("weekday", "Fri"),
    "sat": pgettext_lazy("weekday", "Sat"),
    "sun": pgettext_lazy("weekday", "Sun"),
}


@register.simple_tag
def target(policy: SlaPolicy, metric: str) -> SafeString:
    """ "4h · Beijing business hours", "1h · 24×7", or "—" when the metric has no target."""
    minutes = policy.target_minutes(metric)
    if minutes is None:
        return format_html('<span class="muted">{}</span>', _("no target"))
    calendar = policy.calendar_for(metric)
    return format_html(
        '<strong>{}</strong> <span class="sla-cal">{}</span>',
        format_minutes(minutes),
        calendar.name if calendar else _("24×7"),
    )


@register.filter
def weekly_summary(hours: Any) -> list[tuple[str, str]]:
    """Consecutive weekdays with the same intervals grouped: [("Mon–Fri", "09:00–12:00, 13:30–18:00")]."""
    groups: list[tuple[list[str], str]] = []
    for day in WEEKDAYS:
        text = ", ".join(f"{start}–{end}" for start, end in (hours or {}).get(day) or ())
        if not text:
            continue
        previous = groups[-1] if groups else None
        if previous and previous[1] == text and WEEKDAYS.index(previous[0][-1]) == WEEKDAYS.index(day) - 1:
            previous[0].append(day)
        else:
            groups.append(([day], text))
    return [
        (str(SHORT_WEEKDAYS[days[0]]) + (f"–{SHORT_WEEKDAYS[days[-1]]}" if len(days) > 1 else ""), text)
        for days, text in groups
    ]
