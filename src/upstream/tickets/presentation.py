"""How ticket values read on a page: labels for statuses, priorities and activity-log entries.

Models hold data only; the words and CSS classes a page shows for them are decided here and in the `ticket_ui`
template tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from upstream.customers.models import Priority
from upstream.tickets.models import Activity, Status, Ticket

EMPTY = "—"
AUTOMATION = "Upstream"  # the product's name, the same in every language

_ACTIONS = {
    "created": gettext_lazy("opened the ticket"),
    "replied": gettext_lazy("posted a public reply"),
    "noted": gettext_lazy("added an internal note"),
    "automated_reply": gettext_lazy("offered knowledge-base articles"),
    "confirmed_solved": gettext_lazy("confirmed that an offered article answered the question"),
    "asked_for_a_person": gettext_lazy("asked for a person after the offered articles"),
}


def field_label(name: str) -> str:
    """The translated name of a ticket field, e.g. "status" → "Status"."""
    try:
        field = Ticket._meta.get_field(name)
    except FieldDoesNotExist:
        return name.replace("_", " ")
    label = str(getattr(field, "verbose_name", name))
    return label[:1].upper() + label[1:]


def value_label(name: str, value: Any) -> str:
    """A stored value as a person reads it: choice labels, object names, lists joined."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, dict):
        return str(value.get("name", EMPTY))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    try:
        field = Ticket._meta.get_field(name)
    except FieldDoesNotExist:
        return str(value)
    choices = dict(getattr(field, "flatchoices", None) or [])
    return str(choices.get(value, value))


def status_label(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status


def priority_label(priority: int) -> str:
    try:
        return str(Priority(priority).label)
    except ValueError:
        return str(priority)


@dataclass(frozen=True)
class ActivityLine:
    actor: str
    at: datetime
    summary: str
    field: str = ""
    before: str = ""
    after: str = ""

    @property
    def is_change(self) -> bool:
        return bool(self.field)


def describe(activity: Activity) -> ActivityLine:
    # No actor: Upstream itself acted (an SLA escalation, the demo loader).
    actor = activity.actor.display_name if activity.actor else AUTOMATION
    if activity.actor is None and isinstance(activity.after, dict) and activity.after.get("by_contact"):
        actor = str(activity.after["by_contact"])  # a customer who wrote in by email, without a login
    if activity.action == "changed" and activity.field:
        label = field_label(activity.field)
        return ActivityLine(
            actor=actor,
            at=activity.created_at,
            summary=_("changed %(field)s") % {"field": label},
            field=label,
            before=value_label(activity.field, activity.before),
            after=value_label(activity.field, activity.after),
        )
    if activity.action == "merged" and isinstance(activity.after, dict):
        other = str(activity.after.get("name", EMPTY))
        if activity.field == "merged_into":
            merged = _("merged this ticket into %(ticket)s") % {"ticket": other}
        else:
            merged = _("merged %(ticket)s into this ticket") % {"ticket": other}
        return ActivityLine(actor=actor, at=activity.created_at, summary=merged)
    if activity.action in ("delivery_failed", "delivery_delayed") and isinstance(activity.after, dict):
        template = (
            _("email to %(recipient)s failed: %(detail)s")
            if activity.action == "delivery_failed"
            else _("email to %(recipient)s delayed: %(detail)s")
        )
        detail = {"recipient": activity.after.get("recipient", ""), "detail": activity.after.get("detail", "")}
        return ActivityLine(actor=actor, at=activity.created_at, summary=template % detail)
    if activity.action == "follow_up" and isinstance(activity.after, dict):
        of = {"ticket": activity.after.get("of", "")}
        follow_up = _("opened as a follow-up of the closed ticket %(ticket)s") % of
        return ActivityLine(actor=actor, at=activity.created_at, summary=follow_up)
    summary = _ACTIONS.get(activity.action)
    return ActivityLine(actor=actor, at=activity.created_at, summary=str(summary or activity.action))
