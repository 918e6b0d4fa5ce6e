"""Reactions to ticket events (subscribed by dotted path in `SurveysConfig.ready`)."""

from __future__ import annotations

from upstream.events import Event
from upstream.tickets.models import Status

# A ticket moving here from an active status asks for a rating; resolved → closed does not ask again.
_SURVEY_TARGETS = {Status.RESOLVED, Status.CLOSED}


def on_ticket_updated(event: Event) -> None:
    if "status" not in event.payload.get("fields", ()):
        return
    before = (event.payload.get("before") or {}).get("status")
    if before in _SURVEY_TARGETS:
        return
    # The survey and its email are written in a task: resolving a ticket never waits for them.
    from upstream.surveys.tasks import send_csat_survey

    send_csat_survey.enqueue(event.payload["ticket_id"])
