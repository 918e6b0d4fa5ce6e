"""Customer success over the REST API (staff only; anything else is a 404): an organisation's health with its
factors, its timeline, logging an interaction, the task list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from upstream.accounts.api import actor
from upstream.core import clock
from upstream.core.api import Cursor, Id, Limit, PageParams, StrictInput, Text
from upstream.core.errors import InvalidInput, NotFound
from upstream.customers.models import Contact
from upstream.success import health, queries, services
from upstream.success.models import SuccessTask

router = Router()


class FactorOut(Schema):
    factor: str
    points: float | None = Field(description="0–100; null when left out")
    weight: int = Field(description="the configured weight")
    share: float = Field(description="the factor's share of the score after renormalisation, 0–1")
    excluded: str | None = Field(description='"no_data" or "zero_weight" when left out')
    detail: dict[str, Any] = Field(description="the values the points were computed from")


class HealthOut(Schema):
    organisation_id: int
    score: int | None = Field(description="0–100; null before the first computation")
    previous_score: int | None
    trend: str = Field(description="up, down or flat against the previous score")
    computed_on: date | None
    renormalised: bool = Field(description="true when factors without data were left out")
    factors: list[FactorOut]
    history: list[tuple[date, int]] = Field(description="(day, score) of the last 90 days, oldest first")


@router.get("/organisations/{organisation_id}/health", response=HealthOut)
def organisation_health(request: HttpRequest, organisation_id: Id) -> dict[str, Any]:
    organisation = queries.staff_organisation(actor(request), organisation_id)
    snapshot = queries.latest_snapshot(organisation)
    factors = snapshot.factors if snapshot else {}
    return {
        "organisation_id": organisation.id,
        "score": snapshot.score if snapshot else None,
        "previous_score": snapshot.previous_score if snapshot else None,
        "trend": health.trend(snapshot.score, snapshot.previous_score) if snapshot else "flat",
        "computed_on": snapshot.computed_on if snapshot else None,
        "renormalised": bool(factors.get("renormalised")),
        "factors": factors.get("factors", []),
        "history": queries.history(organisation, timezone.localdate(clock.now())),
    }


class EntryOut(Schema):
    kind: str = Field(description="ticket_opened, ticket_resolved, email, chat, call, meeting or note")
    at: datetime
    title: str
    author: str
    url: str
    text: str


class TimelineOut(Schema):
    items: list[EntryOut]
    next_cursor: str | None


class TimelineParams(Schema):
    kind: list[str] = Field(default_factory=list, description="ticket, email, chat, call, meeting, note; none: all")
    cursor: Cursor | None = None
    limit: Limit | None = None


@router.get("/organisations/{organisation_id}/timeline", response=TimelineOut)
def organisation_timeline(request: HttpRequest, organisation_id: Id, params: Query[TimelineParams]) -> dict[str, Any]:
    user = actor(request)
    organisation = queries.staff_organisation(user, organisation_id)
    page = queries.timeline(
        user, organisation, kinds=queries.parse_kinds(params.kind), cursor=params.cursor, size=params.limit or 25
    )
    return {
        "items": [
            {"kind": e.kind, "at": e.at, "title": e.title, "author": e.author, "url": e.url, "text": e.text}
            for e in page.entries
        ],
        "next_cursor": page.next_cursor,
    }


class InteractionIn(StrictInput):
    kind: Literal["call", "meeting", "note"]
    summary: Text
    happened_at: datetime | None = Field(default=None, description="default: now")
    contact: Id | None = Field(default=None, description="a contact of the organisation")
    duration_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    follow_up_on: date | None = Field(default=None, description="creates a task for you, due that day")


class InteractionOut(Schema):
    id: int
    organisation_id: int
    kind: str
    author_id: int
    contact_id: int | None
    happened_at: datetime
    duration_minutes: int | None
    summary: str
    follow_up_on: date | None


@router.post("/organisations/{organisation_id}/interactions", response={201: InteractionOut})
def log_interaction(request: HttpRequest, organisation_id: Id, payload: InteractionIn) -> Status:
    user = actor(request)
    organisation = queries.staff_organisation(user, organisation_id)
    contact = None
    if payload.contact is not None:
        contact = Contact.objects.filter(id=payload.contact, memberships__organisation=organisation).first()
        if contact is None:
            raise InvalidInput("no such contact in this organisation", field="contact")
    happened_at = payload.happened_at or clock.now()
    if timezone.is_naive(happened_at):
        raise InvalidInput("give the time with its offset, e.g. 2025-03-01T10:00:00+08:00", field="happened_at")
    interaction = services.log_interaction(
        by=user,
        new=services.NewInteraction(
            organisation=organisation,
            kind=payload.kind,
            summary=payload.summary,
            happened_at=happened_at,
            contact=contact,
            duration_minutes=payload.duration_minutes,
            follow_up_on=payload.follow_up_on,
        ),
    )
    return Status(201, interaction)


class TaskOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    assignee_id: int
    source: str = Field(description="no_interaction, renewal, health_below or follow_up")
    title: str
    due_on: date
    done_at: datetime | None
    reminded_at: datetime | None


class TaskPage(Schema):
    items: list[TaskOut]
    next_cursor: str | None


class TaskParams(PageParams):
    everyone: bool = Field(default=False, description="every account manager's tasks (team leads and admins)")
    done: bool = Field(default=False, description="finished tasks instead of open ones")


def _task_out(task: SuccessTask) -> dict[str, Any]:
    return {
        "id": task.id,
        "organisation_id": task.organisation_id,
        "organisation": task.organisation.name,
        "assignee_id": task.assignee_id,
        "source": task.playbook,
        "title": task.title,
        "due_on": task.due_on,
        "done_at": task.done_at,
        "reminded_at": task.reminded_at,
    }


@router.get("/tasks", response=TaskPage)
def task_list(request: HttpRequest, params: Query[TaskParams]) -> dict[str, Any]:
    user = actor(request)
    if not queries.is_staff(user):
        raise NotFound(f"no API endpoint at {request.path}; see /api/docs")
    see_all = params.everyone and queries.can_see_all_tasks(user)
    tasks = queries.visible_tasks(user, see_all=see_all).filter(done_at__isnull=not params.done)
    page = queries.task_page(tasks, cursor=params.cursor, size=params.limit or 25)
    return {"items": [_task_out(t) for t in page.tasks], "next_cursor": page.next_cursor}
