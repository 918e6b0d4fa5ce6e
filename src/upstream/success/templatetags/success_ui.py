"""The organisation's health badge on the agent's ticket page (`{% load success_ui %}{% health_badge org %}`)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from upstream.success import health
from upstream.success.models import HealthSettings, HealthSnapshot

register = template.Library()

ARROWS = {"up": "↑", "down": "↓", "flat": "→"}


@register.simple_tag(takes_context=True)
def health_badge(context: dict[str, Any], organisation: Any) -> SafeString:
    """ "Health 59 ↓" linking to the organisation's success page; nothing for customers or before a first score.
    Two small queries (the latest snapshot, the risk threshold)."""
    user = context.get("user")
    if organisation is None or user is None or not getattr(user, "is_staff_member", False):
        return SafeString("")
    snapshot = (
        HealthSnapshot.objects.filter(organisation=organisation)
        .order_by("-computed_on")
        .only("score", "previous_score")
        .first()
    )
    if snapshot is None:
        return SafeString("")
    threshold = HealthSettings.current().risk_threshold
    tone = "health-poor" if snapshot.score < threshold else "health-fair" if snapshot.score < 75 else "health-good"
    return format_html(
        '<a class="health-badge" href="{}" title="{}">{} <span class="health-score {}">{}</span>{}</a>',
        reverse("success:organisation", args=[organisation.id]),
        _("Health score of %(org)s") % {"org": organisation.name},
        _("Health"),
        tone,
        snapshot.score,
        ARROWS[health.trend(snapshot.score, snapshot.previous_score)],
    )
