"""Survey responses over the REST API (mounted at /api/surveys/).

Staff list CSAT and NPS surveys (the same visibility as the pages: admins all, leads their teams, agents their own
CSAT; NPS is for staff). Answering through a signed token needs no account: a forged token is a 404, an expired one
a 410, a used one a 409, a score out of range a 422.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field, StringConstraints

from upstream.accounts.api import actor
from upstream.core.api import Cursor, Id, Limit, PageParams, StrictInput, page_of
from upstream.core.errors import DomainError, Forbidden, NotFound
from upstream.surveys import csat, nps, queries, tokens
from upstream.surveys.models import CsatSurvey, NpsSurvey, SurveySettings

router = Router()

LIST_ORDER = ("-sent_at", "-id")
Token = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Comment = Annotated[str, StringConstraints(max_length=csat.COMMENT_CHARS)]


class Gone(DomainError):
    status = 410


class CsatOut(Schema):
    id: int
    ticket: str = Field(description="the ticket reference")
    organisation_id: int
    contact_id: int
    agent_id: int | None
    team_id: int | None
    sent_at: datetime
    score: int | None = Field(description="1–5; null until answered")
    comment: str
    answered_at: datetime | None


class CsatPage(Schema):
    items: list[CsatOut]
    next_cursor: str | None


class CsatQuery(Schema):
    agent: Id | None = None
    team: Id | None = None
    organisation: Id | None = None
    score: list[Annotated[int, Field(ge=1, le=5)]] = Field(default=[], description="repeat for several scores")
    answered: bool | None = Field(default=None, description="true: answered only; false: unanswered only")
    answered_from: date | None = Field(default=None, description="answered on or after this date (UTC)")
    answered_to: date | None = Field(default=None, description="answered on or before this date (UTC)")
    cursor: Cursor | None = None
    limit: Limit | None = None


def _csat_out(survey: CsatSurvey) -> dict[str, Any]:
    return {
        "id": survey.id, "ticket": survey.ticket.reference, "organisation_id": survey.organisation_id,
        "contact_id": survey.contact_id, "agent_id": survey.agent_id, "team_id": survey.team_id,
        "sent_at": survey.sent_at, "score": survey.score, "comment": survey.comment, "answered_at": survey.answered_at,
    }  # fmt: skip


@router.get("/csat", response=CsatPage, summary="List CSAT surveys")
def list_csat(request: HttpRequest, filters: Query[CsatQuery]) -> dict[str, Any]:
    """CSAT surveys you may see, newest first. Customers see none here (their rating shows on their ticket)."""
    found = queries.visible_csat(actor(request)).select_related("ticket")
    if filters.agent:
        found = found.filter(agent_id=filters.agent)
    if filters.team:
        found = found.filter(team_id=filters.team)
    if filters.organisation:
        found = found.filter(organisation_id=filters.organisation)
    if filters.score:
        found = found.filter(score__in=filters.score)
    if filters.answered is not None:
        found = found.filter(answered_at__isnull=not filters.answered)
    if filters.answered_from:
        found = found.filter(answered_at__date__gte=filters.answered_from)
    if filters.answered_to:
        found = found.filter(answered_at__date__lte=filters.answered_to)
    return page_of(found, LIST_ORDER, PageParams(cursor=filters.cursor, limit=filters.limit), _csat_out)


class NpsOut(Schema):
    id: int
    organisation_id: int
    contact_id: int
    sent_at: datetime
    score: int | None = Field(description="0–10; null until answered")
    comment: str
    answered_at: datetime | None


class NpsPage(Schema):
    items: list[NpsOut]
    next_cursor: str | None


class NpsQuery(Schema):
    organisation: Id | None = None
    answered: bool | None = None
    cursor: Cursor | None = None
    limit: Limit | None = None


def _nps_out(survey: NpsSurvey) -> dict[str, Any]:
    return {
        "id": survey.id, "organisation_id": survey.organisation_id, "contact_id": survey.contact_id,
        "sent_at": survey.sent_at, "score": survey.score, "comment": survey.comment, "answered_at": survey.answered_at,
    }  # fmt: skip


@router.get("/nps", response=NpsPage, summary="List NPS surveys")
def list_nps(request: HttpRequest, filters: Query[NpsQuery]) -> dict[str, Any]:
    """NPS surveys, newest first (staff only)."""
    if not actor(request).is_staff_member:
        raise Forbidden("NPS responses are for staff")
    found = NpsSurvey.objects.all()
    if filters.organisation:
        found = found.filter(organisation_id=filters.organisation)
    if filters.answered is not None:
        found = found.filter(answered_at__isnull=not filters.answered)
    return page_of(found, LIST_ORDER, PageParams(cursor=filters.cursor, limit=filters.limit), _nps_out)


class AnswerIn(StrictInput):
    token: Token = Field(description="the token of the survey link (the path segment after /r/<kind>/)")
    score: int = Field(description="CSAT 1–5, NPS 0–10")
    comment: Comment = ""


class AnswerOut(Schema):
    score: int
    comment: str
    answered_at: datetime


def _survey_id(kind: tokens.Kind, token: str) -> int:
    verdict = tokens.read_token(kind, token, max_age_days=SurveySettings.current().link_expiry_days)
    if verdict.problem == "expired":
        raise Gone("this survey link has expired")
    if verdict.survey_id is None:
        raise NotFound("this survey link is not valid")
    return verdict.survey_id


@router.post("/csat/answer", response=AnswerOut, auth=None, summary="Answer a CSAT survey by token")
def answer_csat(request: HttpRequest, payload: AnswerIn) -> dict[str, Any]:
    survey = CsatSurvey.objects.filter(id=_survey_id("csat", payload.token)).first()
    if survey is None:
        raise NotFound("this survey link is not valid")
    done = csat.answer(survey, score=payload.score, comment=payload.comment)
    return {"score": done.score, "comment": done.comment, "answered_at": done.answered_at}


@router.post("/nps/answer", response=AnswerOut, auth=None, summary="Answer an NPS survey by token")
def answer_nps(request: HttpRequest, payload: AnswerIn) -> dict[str, Any]:
    survey = NpsSurvey.objects.filter(id=_survey_id("nps", payload.token)).first()
    if survey is None:
        raise NotFound("this survey link is not valid")
    done = nps.answer(survey, score=payload.score, comment=payload.comment)
    return {"score": done.score, "comment": done.comment, "answered_at": done.answered_at}
