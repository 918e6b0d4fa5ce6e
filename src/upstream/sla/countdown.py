"""The SLA countdown a list row or ticket page shows: "due in 1 h 20 m", "overdue by 15 m", with its state (ok,
warning past the warning threshold, breached past due). Pure apart from the translation of the words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Countdown:
    state: str  # "ok", "warning", "breached"
    text: str


def span(seconds: int) -> str:
    """Wall-clock time, two units at most: "45 m", "1 h 20 m", "2 d 3 h"; "0 m" under a minute."""
    minutes = max(seconds, 0) // 60
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d m") % {"h": hours, "m": mins}
    return _("%(m)d m") % {"m": mins}


def countdown(due_at: datetime, warn_at: datetime | None, now: datetime) -> Countdown:
    left = int((due_at - now).total_seconds())
    if left < 0:
        return Countdown("breached", _("overdue by %(time)s") % {"time": span(-left)})
    state = "warning" if warn_at is not None and now >= warn_at else "ok"
    return Countdown(state, _("due in %(time)s") % {"time": span(left)})
