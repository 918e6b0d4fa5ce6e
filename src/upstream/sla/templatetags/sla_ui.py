"""Presentation of SLA settings: a policy target with its calendar, a calendar's week in one line per pattern."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from upstream.core import clock
from upstream.sla.calendar import WEEKDAYS
from upstream.sla.countdown import countdown
from upstream.sla.durations import format_minutes
from upstream.sla.models import Metric, SlaEvent, SlaPolicy, TicketSla
from upstream.sla.runtime import parse
from upstream.sla.targets import State

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


# ---------------------------------------------------------------- a ticket's SLA (inbox rows, ticket page)
# Loaded by the tickets templates: `tickets` imports nothing from sla; it only prefetches the reverse one-to-one
# `ticket.sla` by name, and these tags decide how it reads.


def _ticket_sla(ticket: Any) -> TicketSla | None:
    try:
        sla: TicketSla = ticket.sla
    except ObjectDoesNotExist:
        return None
    return sla


@register.simple_tag
def sla_countdown(ticket: Any) -> SafeString:
    """The next running deadline of a list row as a countdown, styled by state; "paused" while every clock waits on
    the customer; a dash without a deadline."""
    sla = _ticket_sla(ticket)
    due = ticket.next_deadline
    if due is None:
        if sla is not None and any(m.get("state") == State.PAUSED for m in sla.metrics.values()):
            return format_html('<span class="sla sla-paused">{}</span>', _("paused"))
        return format_html('<span class="muted">{}</span>', "—")
    shown = countdown(due, sla.next_due_warn_at if sla is not None else None, clock.now())
    return format_html(
        '<span class="sla sla-{}" title="{}"><time datetime="{}">{}</time></span>',
        shown.state,
        localtime(due).strftime("%Y-%m-%d %H:%M"),
        due.isoformat(),
        shown.text,
    )


_STATE_LABELS = {
    State.RUNNING: pgettext_lazy("sla state", "Running"),
    State.PAUSED: pgettext_lazy("sla state", "Paused"),
    State.FULFILLED: pgettext_lazy("sla state", "Met"),
    State.BREACHED: pgettext_lazy("sla state", "Breached"),
    State.NOT_APPLICABLE: pgettext_lazy("sla state", "Not running"),
}


@register.inclusion_tag("sla/_ticket_panel.html")
def sla_panel(ticket: Any) -> dict[str, Any]:
    """Each metric's state, due time (rendered in the viewer's zone) and explanation, and the SLA event history."""
    sla = _ticket_sla(ticket)
    now = clock.now()
    rows = []
    for name, snap in (sla.metrics if sla is not None else {}).items():
        state = State(snap["state"])
        due, warn = parse(snap["due_at"]), parse(snap["warn_at"])
        live = state in (State.RUNNING, State.BREACHED) and due is not None
        fulfilled_late = state == State.FULFILLED and snap.get("breached")
        rows.append(
            {
                "label": Metric(name).label,
                "state": state.value,
                "state_label": _("Met late") if fulfilled_late else _STATE_LABELS[state],
                "due_at": due if state != State.NOT_APPLICABLE else None,
                "countdown": countdown(due, warn, now) if live and due is not None else None,
                "breached": bool(snap.get("breached")),
                "explanation": snap.get("explanation", ""),
            }
        )
    events = list(SlaEvent.objects.filter(ticket_id=ticket.id).order_by("-at", "-id")[:12]) if sla else []
    return {"sla": sla, "rows": rows, "events": events}
