"""Staff survey pages (CSAT per agent, NPS and return visits per organisation) and the portal's in-place rating."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from upstream.accounts.models import Team
from upstream.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from upstream.customers.models import Organisation
from upstream.customers.queries import access_organisation
from upstream.surveys import csat, queries, visits
from upstream.surveys.forms import CsatForm, VisitAnswersForm, VisitCreateForm
from upstream.surveys.models import CsatSurvey, ReturnVisitAnswer, SurveySettings
from upstream.surveys.views_links import answers_of
from upstream.tickets.views.common import safe_next, staff_only, ticket_or_404, user_of

DEFAULT_RANGE_DAYS = 90


def _date_range(request: HttpRequest) -> tuple[date, date, list[str]]:
    """The ?from=&to= filter (local dates, inclusive); the last 90 days by default. Bad dates are reported."""
    today = timezone.localdate()
    problems: list[str] = []
    start = parse_date(request.GET.get("from") or "") if request.GET.get("from") else None
    end = parse_date(request.GET.get("to") or "") if request.GET.get("to") else None
    if request.GET.get("from") and start is None:
        problems.append(_("“From” is not a date (YYYY-MM-DD); the default range is shown."))
    if request.GET.get("to") and end is None:
        problems.append(_("“To” is not a date (YYYY-MM-DD); the default range is shown."))
    end = end or today
    start = start or end - timedelta(days=DEFAULT_RANGE_DAYS)
    if start > end:
        problems.append(_("“From” is after “To”; the dates were swapped."))
        start, end = end, start
    return start, end, problems


@staff_only
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The survey overview: CSAT of the last 90 days, NPS per organisation, return visits to do."""
    user = user_of(request)
    org_id = request.GET.get("org") or ""
    if org_id.isdigit():
        return redirect("surveys:organisation", org_id=int(org_id))
    start, end, _problems = _date_range(request)
    answered = queries.answered_between(queries.visible_csat(user), start, end)
    return render(
        request, "surveys/home.html",
        {"nav": "surveys", "overall": queries.overall(answered), "start": start, "end": end,
         "nps_rows": queries.nps_by_organisation(), "open_visits": queries.open_visits()[:50],
         "can_see_all": queries.is_lead_or_admin(user),
         "organisations": Organisation.objects.only("id", "name").order_by("name")},
    )  # fmt: skip


@staff_only
@require_GET
def csat_report(request: HttpRequest) -> HttpResponse:
    """CSAT per agent: leads see their teams, admins everyone, an agent their own ratings."""
    user = user_of(request)
    start, end, problems = _date_range(request)
    surveys = queries.visible_csat(user)
    teams = Team.objects.all() if user.is_admin else Team.objects.filter(id__in=queries.led_team_ids(user))
    team_id = request.GET.get("team") or ""
    if team_id.isdigit() and teams.filter(id=int(team_id)).exists():
        surveys = surveys.filter(team_id=int(team_id))
    answered = queries.answered_between(surveys, start, end)
    return render(
        request, "surveys/csat_report.html",
        {"nav": "surveys", "start": start, "end": end, "problems": problems, "teams": teams.order_by("name"),
         "team_id": team_id, "overall": queries.overall(answered), "agents": queries.per_agent(answered),
         "recent": queries.recent_responses(answered.exclude(comment="")),
         "threshold": SurveySettings.current().csat_low_threshold, "is_lead": queries.is_lead_or_admin(user)},
    )  # fmt: skip


@staff_only
@require_POST
def csat_reopen(request: HttpRequest, survey_id: int) -> HttpResponse:
    user = user_of(request)
    survey = queries.visible_csat(user).select_related("ticket", "team").filter(id=survey_id).first()
    if survey is None:
        raise Http404(_("No such survey."))
    try:
        csat.reopen(by=user, survey=survey)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(ref)s is open again.") % {"ref": survey.ticket.reference})
    return redirect(safe_next(request, reverse("tickets:detail", kwargs={"ref": survey.ticket.reference})))


@login_required
@require_POST
def portal_rate(request: HttpRequest, ref: str) -> HttpResponse:
    """The requester rates their resolved ticket in the portal (signed in, no link needed)."""
    user = user_of(request)
    ticket = ticket_or_404(user, ref)
    survey = queries.portal_survey(user, ticket)
    if survey is None:
        raise Http404(_("This ticket has no survey for you."))
    target = reverse("tickets:portal_detail", kwargs={"ref": ticket.reference})
    if ticket.is_active and survey.answered_at is None:
        messages.info(request, _("This ticket is open again; you can rate it once it is resolved."))
        return redirect(target)
    form = CsatForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(f"{target}#rating")
    try:
        csat.answer(survey, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"], by=user)
    except csat.AlreadyAnswered:
        messages.info(request, _("You have already rated this ticket."))
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect(f"{target}#rating")


def _organisation(request: HttpRequest, org_id: int) -> Any:
    try:
        return access_organisation(user_of(request), org_id)
    except NotFound:
        raise Http404(_("No such organisation.")) from None


@staff_only
@require_http_methods(["GET", "POST"])
def organisation(request: HttpRequest, org_id: int) -> HttpResponse:
    """An organisation's surveys: NPS trend, CSAT, return visits with results per dimension; schedule a visit."""
    org = _organisation(request, org_id)
    form = VisitCreateForm(request.POST or None, organisation=org, initial={"scheduled_for": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            visit = visits.create_visit(
                by=user_of(request), organisation=org, contact=form.cleaned_data["contact"],
                scheduled_for=form.cleaned_data["scheduled_for"], email_link=form.cleaned_data["email_link"],
            )  # fmt: skip
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Return visit scheduled."))
            return redirect("surveys:visit", visit_id=visit.id)
    csat_answered = CsatSurvey.objects.filter(organisation=org, answered_at__isnull=False)
    return render(
        request, "surveys/organisation.html",
        {"nav": "surveys", "org": org, "trend": queries.nps_trend(org.id), "nps_recent": queries.nps_responses(org.id),
         "csat": queries.overall(csat_answered), "visits": queries.organisation_visits(org.id),
         "dimensions": queries.results_by_dimension(ReturnVisitAnswer.objects.filter(visit__organisation=org)),
         "form": form},
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip


@staff_only
@require_http_methods(["GET", "POST"])
def visit(request: HttpRequest, visit_id: int) -> HttpResponse:
    """One return visit: its answers, or the form to record them during a call."""
    user = user_of(request)
    try:
        record = queries.access_visit(user, visit_id)
    except NotFound:
        raise Http404(_("No such return visit.")) from None
    language = "zh-hans" if (translation.get_language() or "").startswith("zh") else "en"
    form = None
    if record.completed_at is None:
        form = VisitAnswersForm(request.POST or None, questions=visits.active_questions(), language=language,
                                staff=True)  # fmt: skip
        if request.method == "POST" and form.is_valid():
            try:
                visits.record_answers(record, answers_of(form), by=user, notes=form.cleaned_data.get("notes", ""))
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Answers recorded."))
                return redirect("surveys:visit", visit_id=record.id)
    answers = record.answers.select_related("question").order_by("question__position", "id")
    return render(
        request, "surveys/visit.html",
        {"nav": "surveys", "visit": record, "form": form, "answers": answers, "language": language,
         "dimensions": queries.results_by_dimension(record.answers.all())},
        status=(409 if form is None else 400) if request.method == "POST" else 200,
    )  # fmt: skip


@staff_only
@require_POST
def visit_cancel(request: HttpRequest, visit_id: int) -> HttpResponse:
    """Remove a visit that has not been answered (scheduled by mistake, or the customer declined)."""
    user = user_of(request)
    try:
        record = queries.access_visit(user, visit_id)
        visits.cancel(by=user, visit=record)
    except NotFound:
        raise Http404(_("No such return visit.")) from None
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("surveys:visit", visit_id=visit_id)
    messages.success(request, _("Return visit removed."))
    return redirect("surveys:organisation", org_id=record.organisation_id)
