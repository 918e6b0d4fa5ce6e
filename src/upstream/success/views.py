"""Customer-success pages (staff only): the organisations overview and risk list, an organisation's timeline and
health, the quick interaction forms (htmx), the task list. Short: each parses input, calls a query or service,
renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from upstream.core import clock
from upstream.core.errors import DomainError, NotFound
from upstream.customers.models import Organisation
from upstream.customers.queries import current_contract
from upstream.success import explain, health, queries, services
from upstream.success.forms import LOGGED_KINDS, InteractionForm, SnoozeForm
from upstream.success.models import HealthSettings
from upstream.tickets.views.common import is_htmx, page_size, safe_next, staff_only, user_of

OVERVIEW_PAGE = 50
RISK_LIST_SIZE = 15
MAX_PAGE = 10_000  # far beyond any real list; keeps OFFSET within the database's integer range


def _organisation(request: HttpRequest, organisation_id: int) -> Organisation:
    try:
        return queries.staff_organisation(user_of(request), organisation_id)
    except NotFound:
        raise Http404(_("No such organisation.")) from None


def _int(value: str | None, default: int = 1) -> int:
    try:
        return max(1, int(value or default))
    except ValueError:
        return default


@staff_only
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    sort = request.GET.get("sort", "score")
    if sort not in queries.SORTS:
        sort = "score"
    mine = request.GET.get("mine") == "1"
    unmanaged = request.GET.get("unmanaged") == "1" and not mine
    settings = HealthSettings.current()
    organisations = queries.overview(user, sort=sort, manager=user if mine else None, unmanaged=unmanaged)
    page = min(_int(request.GET.get("page")), MAX_PAGE)
    start = (page - 1) * OVERVIEW_PAGE
    rows = list(organisations[start : start + OVERVIEW_PAGE + 1])
    risk = list(
        queries.overview(user, sort="score", manager=user if mine else None, below=settings.risk_threshold)[
            :RISK_LIST_SIZE
        ]
    )
    context = {
        "nav": "success",
        "rows": [_row(o) for o in rows[:OVERVIEW_PAGE]],
        "risk": [_row(o) for o in risk],
        "risk_threshold": settings.risk_threshold,
        "sort": sort,
        "mine": mine,
        "unmanaged": unmanaged,
        "page": page,
        "has_next": len(rows) > OVERVIEW_PAGE,
    }
    return render(request, "success/overview.html", context)


def _row(organisation: Any) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "score": organisation.score,
        "trend": health.trend(organisation.score, organisation.previous_score),
        "renewal_on": organisation.renewal_on,
        "last_interaction_at": organisation.last_interaction_at,
    }


def _timeline_context(request: HttpRequest, organisation: Organisation) -> dict[str, Any]:
    kinds = queries.parse_kinds(request.GET.getlist("kind"))
    page = queries.timeline(
        user_of(request), organisation, kinds=kinds, cursor=request.GET.get("cursor") or None, size=page_size()
    )
    chosen = sorted(kinds) if kinds != set(queries.TIMELINE_KINDS) else []
    return {"organisation": organisation, "timeline": page, "kinds": chosen, "kind_filters": queries.KIND_FILTERS}


def _forms(organisation: Organisation, bound: InteractionForm | None = None) -> dict[str, InteractionForm]:
    forms = {kind.value: InteractionForm(organisation=organisation, kind=kind) for kind in LOGGED_KINDS}
    if bound is not None:
        forms[bound.interaction_kind] = bound
    return forms


def _health_context(organisation: Organisation) -> dict[str, Any]:
    snapshot = queries.latest_snapshot(organisation)
    today = timezone.localdate(clock.now())
    history = queries.history(organisation, today)
    threshold = HealthSettings.current().risk_threshold
    return {
        "snapshot": snapshot,
        "factor_lines": explain.lines(snapshot.factors) if snapshot else [],
        "renormalised_note": explain.summary(snapshot.factors) if snapshot else "",
        "trend": health.trend(snapshot.score, snapshot.previous_score) if snapshot else "flat",
        "history": history,
        "sparkline": explain.sparkline(history),
        "risk_threshold": threshold,
        "threshold_y": f"{48 - threshold * 48 / 100:.1f}",
    }


def _page(
    request: HttpRequest, organisation: Organisation, bound: InteractionForm | None = None, status: int = 200
) -> HttpResponse:
    try:
        timeline = _timeline_context(request, organisation)
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    context = {
        "nav": "success",
        **timeline,
        **_health_context(organisation),
        "contract": current_contract(organisation, timezone.localdate(clock.now())),
        "forms": _forms(organisation, bound),
        "active_form": bound.interaction_kind if bound is not None else "call",
    }
    return render(request, "success/organisation.html", context, status=status)


@staff_only
@require_GET
def organisation_page(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    if is_htmx(request) and request.GET.get("fragment") == "timeline":
        try:
            context = _timeline_context(request, organisation)
        except DomainError as exc:
            return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
        template = "success/_timeline_page.html" if request.GET.get("cursor") else "success/_timeline.html"
        return render(request, template, context)
    response: HttpResponse = _page(request, organisation)
    return response


@staff_only
@require_POST
def log_interaction(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = _organisation(request, organisation_id)
    form = InteractionForm(request.POST, organisation=organisation, kind=request.POST.get("kind", "call"))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.log_interaction(
                by=user_of(request),
                new=services.NewInteraction(
                    organisation=organisation,
                    kind=form.interaction_kind,
                    summary=data["summary"],
                    happened_at=data["happened_at"],
                    contact=data.get("contact"),
                    duration_minutes=data.get("duration_minutes"),
                    follow_up_on=data.get("follow_up_on"),
                ),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if form.is_valid():
        if is_htmx(request):
            # The form again, empty; the timeline and the health panel (recomputed on commit when tasks run
            # inline, else by the worker shortly) swapped in out of band.
            context = {
                **_timeline_context(request, organisation),
                **_health_context(organisation),
                "form": _forms(organisation)[form.interaction_kind],
            }
            context["logged"] = True
            return render(request, "success/_logged.html", context)
        messages.success(request, _("Logged."))
        return redirect("success:organisation", organisation_id=organisation.id)
    if is_htmx(request):
        # 200 so htmx swaps the form in with its errors.
        return render(request, "success/_interaction_form.html", {"form": form, "organisation": organisation})
    response: HttpResponse = _page(request, organisation, bound=form, status=422)
    return response


@staff_only
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    may_see_all = queries.can_see_all_tasks(user)
    show_all = may_see_all and request.GET.get("all") == "1"
    show_done = request.GET.get("done") == "1"
    tasks = queries.visible_tasks(user, see_all=show_all)
    tasks = tasks.filter(done_at__isnull=not show_done)
    tasks = tasks.order_by("-done_at", "-id") if show_done else tasks.order_by("due_on", "id")
    rows = list(tasks[:200])
    return render(
        request,
        "success/tasks.html",
        {
            "nav": "success",
            "tasks": rows,
            "today": timezone.localdate(clock.now()),
            "may_see_all": may_see_all,
            "show_all": show_all,
            "show_done": show_done,
            "snooze_form": SnoozeForm(),
        },
    )


def _task(request: HttpRequest, task_id: int) -> Any:
    try:
        return queries.access_task(user_of(request), task_id)
    except NotFound:
        raise Http404(_("No such task.")) from None


@staff_only
@require_POST
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(request, task_id)
    if request.POST.get("undo") == "1":
        services.reopen_task(by=user_of(request), task=task)
    else:
        services.complete_task(by=user_of(request), task=task)
    if is_htmx(request):
        return render(request, "success/_task_row.html", _task_row_context(request, task))
    return redirect(safe_next(request, reverse("success:tasks")))


@staff_only
@require_POST
def task_snooze(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(request, task_id)
    form = SnoozeForm(request.POST)
    if form.is_valid():
        try:
            services.snooze_task(by=user_of(request), task=task, until=form.cleaned_data["until"])
        except DomainError as exc:
            form.add_error("until", exc.message)
    context = _task_row_context(request, task, form if form.errors else None)
    if is_htmx(request):
        return render(request, "success/_task_row.html", context)
    if form.errors:
        messages.error(request, "; ".join(str(e) for e in form.errors.get("until", [])))
    return redirect("success:tasks")


def _task_row_context(request: HttpRequest, task: Any, snooze_form: SnoozeForm | None = None) -> dict[str, Any]:
    task.refresh_from_db()
    return {
        "task": task,
        "today": timezone.localdate(clock.now()),
        "snooze_form": snooze_form or SnoozeForm(),
        "show_all": request.POST.get("all") == "1" and queries.can_see_all_tasks(user_of(request)),
    }
