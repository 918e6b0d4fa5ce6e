"""SLA deadlines in words, for the ticket page, the API and notifications. Pure: standard library only.

    first response due 24 Nov 14:30 CST = created 23 Nov 16:10 + 4 business hours on 'Beijing business hours',
    paused 0 min

Instants are shown in the target calendar's zone with its abbreviation (%Z: CST for Asia/Shanghai, CET/CEST for
Europe/Berlin); the abbreviation is repeated only where it differs from the first one (a daylight-saving change in
between). Kept apart from `targets.py` because wording is not arithmetic; it reads the fields of a `MetricTarget`
and compares its enums by value, so it imports nothing from there at run time.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from upstream.sla.targets import MetricTarget

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def explain_metric(metric: MetricTarget) -> str:
    label = metric.metric.value.replace("_", " ")
    target = metric.target
    if target is None:
        return f"{label}: no target in the policy"
    if metric.state == "not_applicable":
        return f"{label}: nothing pending (a cycle starts when the customer writes after an agent reply)"
    assert metric.started_at is not None and metric.target_seconds is not None
    instants = _Instants(target.calendar.zone)
    if metric.state == "paused":
        sentence = (
            f"{label} paused since {instants.show(metric.paused_since)} (waiting on the customer): "
            f"{metric.origin} {instants.show(metric.started_at)} + {business(metric.elapsed_seconds)} used of "
            f"{business(metric.target_seconds)} on '{target.label}', paused {wall(metric.paused_seconds)}"
        )
    else:
        sentence = (
            f"{label} due {instants.show(metric.due_at)} = {metric.origin} {instants.show(metric.started_at)} + "
            f"{business(metric.target_seconds)} on '{target.label}', paused {wall(metric.paused_seconds)}"
        )
    return sentence + _policy_clause(metric, instants) + _outcome(metric, instants)


def _policy_clause(metric: MetricTarget, instants: _Instants) -> str:
    if metric.policy_changed_at is None:
        return ""
    return (
        f"; policy changed {instants.show(metric.policy_changed_at)} after {business(metric.elapsed_at_policy_change)}"
    )


def _outcome(metric: MetricTarget, instants: _Instants) -> str:
    if metric.state == "fulfilled":
        assert metric.fulfilled_at is not None
        how = "an agent reply" if metric.fulfilled_by == "agent reply" else "resolving the ticket"
        if not metric.breached:
            return f"; met by {how} {instants.show(metric.fulfilled_at)}"
        assert metric.due_at is not None
        late = int((metric.fulfilled_at - metric.due_at).total_seconds())
        return f"; breached: {how} {instants.show(metric.fulfilled_at)}, {wall(late)} late"
    if metric.breached:
        return f"; breached at {instants.show(metric.due_at)}" if metric.state == "paused" else "; overdue"
    return ""


class _Instants:
    """Formats instants in one zone, naming the zone on the first and wherever its abbreviation changes."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.first_abbreviation: str | None = None

    def show(self, moment: datetime | None) -> str:
        if moment is None:
            return "unknown"
        local = moment.astimezone(self.zone)
        text = f"{local.day} {MONTHS[local.month - 1]} {local:%H:%M}"
        abbreviation = local.strftime("%Z")
        if self.first_abbreviation is None:
            self.first_abbreviation = abbreviation
            return f"{text} {abbreviation}"
        return text if abbreviation == self.first_abbreviation else f"{text} {abbreviation}"


def business(seconds: int) -> str:
    """Business time: "4 business hours", "2 business hours 30 min", "45 business min", "20 business s"."""
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        text = f"{hours} business hour{'s' if hours != 1 else ''}" + (f" {minutes} min" if minutes else "")
    elif minutes or not secs:
        text = f"{minutes} business min"
    else:
        return f"{secs} business s"
    return text + (f" {secs} s" if secs else "")


def wall(seconds: int) -> str:
    """Wall-clock time: "0 min", "35 min", "2 h 5 min", "1 d 3 h 0 min"; seconds only below a minute."""
    seconds = max(seconds, 0)
    if 0 < seconds < 60:
        return f"{seconds} s"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    parts = ([f"{days} d"] if days else []) + ([f"{hours} h"] if hours or days else []) + [f"{rest // 60} min"]
    return " ".join(parts)
