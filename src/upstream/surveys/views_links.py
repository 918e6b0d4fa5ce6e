"""The signed survey links, answered without signing in.

GET only shows the questions (mail scanners prefetch links; a click must never record anything by itself); POST
records the answer, once. A forged link is a 404, an expired one a 410, a used one shows "already answered" and
changes nothing (409 on a second POST); an out-of-range score is a form error (400) and saves nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from upstream.core.errors import InvalidInput
from upstream.customers.models import Contact
from upstream.customers.queries import preferred_language
from upstream.surveys import csat, nps, rules, tokens, visits
from upstream.surveys.forms import CsatForm, NpsForm, VisitAnswersForm, initial_score
from upstream.surveys.models import CsatSurvey, NpsSurvey, ReturnVisit, SurveySettings


def _language(request: HttpRequest, contact: Contact | None) -> str:
    """The reader's own choice (the language switch) first, else the language we wrote to them in."""
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or contact is None:
        return translation.get_language() or settings.LANGUAGE_CODE
    return preferred_language(contact)


def _invalid(request: HttpRequest, problem: str) -> HttpResponse:
    status = 410 if problem == "expired" else 404
    return render(request, "surveys/link_invalid.html", {"problem": problem}, status=status)


def _render(
    request: HttpRequest, language: str, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    with translation.override(language):
        return render(request, template, context, status=status)


def _verdict(kind: tokens.Kind, token: str) -> tokens.Verdict:
    return tokens.read_token(kind, token, max_age_days=SurveySettings.current().link_expiry_days)


@dataclass(frozen=True)
class _ScorePage:
    """What differs between the one-score surveys (CSAT 1–5, NPS 0–10): their page, form, range and service."""

    template: str
    form_class: type[CsatForm] | type[NpsForm]
    lowest: int
    highest: int
    answer: Callable[..., Any]


CSAT_PAGE = _ScorePage("surveys/csat_answer.html", CsatForm, rules.CSAT_MIN, rules.CSAT_MAX, csat.answer)
NPS_PAGE = _ScorePage("surveys/nps_answer.html", NpsForm, rules.NPS_MIN, rules.NPS_MAX, nps.answer)


@require_http_methods(["GET", "POST"])
def csat_link(request: HttpRequest, token: str) -> HttpResponse:
    verdict = _verdict("csat", token)
    survey = (
        CsatSurvey.objects.select_related("ticket", "contact__user").filter(id=verdict.survey_id).first()
        if verdict.survey_id
        else None
    )
    if survey is None:
        return _invalid(request, verdict.problem or "forged")
    context = {"survey": survey, "ticket": survey.ticket}
    return _score_page(request, survey, context, CSAT_PAGE)


@require_http_methods(["GET", "POST"])
def nps_link(request: HttpRequest, token: str) -> HttpResponse:
    verdict = _verdict("nps", token)
    survey = (
        NpsSurvey.objects.select_related("organisation", "contact__user").filter(id=verdict.survey_id).first()
        if verdict.survey_id
        else None
    )
    if survey is None:
        return _invalid(request, verdict.problem or "forged")
    return _score_page(request, survey, {"survey": survey}, NPS_PAGE)


def _score_page(
    request: HttpRequest, survey: CsatSurvey | NpsSurvey, context: dict[str, Any], page: _ScorePage
) -> HttpResponse:
    """GET shows the form with the clicked score chosen; POST records it once (see the module docstring)."""
    language = _language(request, survey.contact)
    if survey.answered_at is not None:
        return _render(request, language, page.template, {**context, "state": "used"},
                       status=409 if request.method == "POST" else 200)  # fmt: skip
    if request.method == "GET":
        form = page.form_class(initial={"score": initial_score(request.GET.get("score"), page.lowest, page.highest)})
        return _render(request, language, page.template, {**context, "form": form, "state": "open"})
    form = page.form_class(request.POST)
    if form.is_valid():
        try:
            page.answer(survey, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"])
        except csat.AlreadyAnswered:
            return _render(request, language, page.template, {**context, "state": "used"}, status=409)
        return _render(request, language, page.template, {**context, "state": "thanks"})
    return _render(request, language, page.template, {**context, "form": form, "state": "open"}, 400)


def answers_of(form: VisitAnswersForm) -> list[visits.AnswerInput]:
    return [
        visits.AnswerInput(q.id, form.cleaned_data.get(f"score_{q.id}"), form.cleaned_data.get(f"comment_{q.id}", ""))
        for q in form.questions
    ]


@require_http_methods(["GET", "POST"])
def visit_link(request: HttpRequest, token: str) -> HttpResponse:
    verdict = _verdict("visit", token)
    visit = (
        ReturnVisit.objects.select_related("organisation", "contact__user").filter(id=verdict.survey_id).first()
        if verdict.survey_id
        else None
    )
    if visit is None:
        return _invalid(request, verdict.problem or "forged")
    language = _language(request, visit.contact)
    context: dict[str, Any] = {"visit": visit}
    if visit.completed_at is not None:
        return _render(request, language, "surveys/visit_answer.html", {**context, "state": "used"},
                       status=409 if request.method == "POST" else 200)  # fmt: skip
    questions = visits.active_questions()
    data = request.POST if request.method == "POST" else None
    form = VisitAnswersForm(data, questions=questions, language=language, staff=False)
    if request.method == "POST" and form.is_valid():
        try:
            visits.record_answers(visit, answers_of(form), by=None)
        except csat.AlreadyAnswered:
            return _render(request, language, "surveys/visit_answer.html", {**context, "state": "used"}, status=409)
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            return _render(request, language, "surveys/visit_answer.html", {**context, "state": "thanks"})
    status = 400 if request.method == "POST" else 200
    return _render(request, language, "surveys/visit_answer.html", {**context, "form": form, "state": "open"}, status)
