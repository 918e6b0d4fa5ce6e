"""SLA configuration pages: business calendars with a live 14-day preview, and the policy matrix (plan × priority).

Admins edit. Agents see the same pages read-only (disabled fields, no save buttons) because they work to these
targets; any change they post is refused with 403, and so is the "new calendar" page. Customers are sent to the
portal (GET) or refused (POST), as everywhere else in the staff area.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from upstream.core import clock
from upstream.core.errors import InvalidInput
from upstream.customers.models import Priority, SupportPlan
from upstream.sla import calendar as engine
from upstream.sla import services
from upstream.sla.forms import CalendarForm, HolidayImportForm, PolicyForm, PreviewStartForm
from upstream.sla.models import BusinessCalendar, SlaPolicy
from upstream.sla.preview import PreviewDay
from upstream.tickets.views.common import staff_only, user_of

PREVIEW_DAYS = 14
FALLBACK = "fallback"


def _require_admin(request: HttpRequest) -> None:
    if not user_of(request).is_admin:
        raise PermissionDenied(_("Only admins change SLA settings."))


def _minutes(clock_text: str) -> int:
    hours, minutes = clock_text.split(":")[:2]
    return int(hours) * 60 + int(minutes)


def _hours_text(seconds: int) -> str:
    """7.5, 7.25, 0: hours with at most two decimals and no trailing zeros."""
    return f"{seconds / 3600:.2f}".rstrip("0").rstrip(".")


def _preview_rows(days: list[PreviewDay]) -> list[dict[str, Any]]:
    """What the preview draws: per day its intervals as (text, left %, width %) on a 24-hour bar."""
    rows = []
    for day in days:
        bars = []
        for start, end in day.intervals:
            left, right = _minutes(start), _minutes(end)
            bars.append({"text": f"{start}–{end}", "left": left / 14.4, "width": max(right - left, 1) / 14.4})
        rows.append({"day": day, "bars": bars, "hours": _hours_text(day.seconds)})
    return rows


def _preview_context(form: CalendarForm, start: date | None) -> dict[str, Any]:
    form.full_clean()
    pure = form.engine
    if pure is None:
        return {"preview_rows": None, "preview_errors": _form_errors(form)}
    first = start or clock.now().astimezone(pure.zone).date()
    days = services.preview(pure, first, PREVIEW_DAYS)
    return {
        "preview_rows": _preview_rows(days),
        "preview_total": _hours_text(sum(day.seconds for day in days)),
        "preview_zone": pure.tz,
        "preview_start": first,
        # A date format per language: "Thu 12 Feb" in English, "2月12日 星期四" in Chinese.
        "preview_date_format": pgettext("preview date format", "D j M"),
    }


def _form_errors(form: CalendarForm) -> list[str]:
    errors: list[str] = []
    for name, field_errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        errors.extend(f"{label}: {error}" if label else str(error) for error in field_errors)
    return errors


def _calendar_page(
    request: HttpRequest,
    form: CalendarForm,
    *,
    calendar: BusinessCalendar | None,
    import_form: HolidayImportForm | None = None,
    status: int = 200,
) -> HttpResponse:
    start_form = PreviewStartForm(request.GET)
    # An unbound form shows its initial values without errors; the preview is drawn from a copy bound to them.
    preview_source = form if form.is_bound else _bound_copy(form)
    context = {
        "nav": "sla",
        "section": "calendars",
        "form": form,
        "calendar": calendar,
        "can_edit": user_of(request).is_admin,
        "import_form": import_form or HolidayImportForm(initial={"country": "CN", "year": clock.now().year}),
        "start_form": start_form,
        "weekday_fields": [form[day] for day in engine.WEEKDAYS],
        **_preview_context(preview_source, start_form.start()),
    }
    return render(request, "sla/calendars/edit.html", context, status=status)


@staff_only
@require_GET
def calendar_list(request: HttpRequest) -> HttpResponse:
    calendars = BusinessCalendar.objects.order_by("name")
    return render(
        request,
        "sla/calendars/list.html",
        {"nav": "sla", "section": "calendars", "calendars": calendars, "can_edit": user_of(request).is_admin},
    )


@staff_only
@require_http_methods(["GET", "POST"])
def calendar_new(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    if request.method == "POST":
        form = CalendarForm(request.POST)
        if form.is_valid():
            try:
                calendar = services.save_calendar(by=user_of(request), **form.service_arguments())
            except InvalidInput as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("The calendar “%(name)s” has been created.") % {"name": calendar.name})
                return redirect("sla:calendar_edit", calendar_id=calendar.pk)
        return _calendar_page(request, form, calendar=None, status=422)
    initial = {"time_zone": user_of(request).time_zone, **{day: "09:00–17:00" for day in engine.WEEKDAYS[:5]}}
    return _calendar_page(request, CalendarForm(initial=initial), calendar=None)


def _bound_copy(form: CalendarForm) -> CalendarForm:
    """A form bound to its initial values, so the first preview is drawn from exactly what the fields show."""
    data = {name: form.get_initial_for_field(field, name) for name, field in form.fields.items()}
    data = {name: value for name, value in data.items() if value not in (None, False)}
    return CalendarForm(data)


def _add_service_errors(form: Any, exc: InvalidInput) -> None:
    errors = getattr(exc, "errors", None) or {exc.field or "__all__": [exc.message]}
    for field, field_errors in errors.items():
        for error in field_errors:
            form.add_error(field if field in form.fields else None, error)


@staff_only
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id)
    if request.method == "POST":
        _require_admin(request)
        form = CalendarForm(request.POST)
        if form.is_valid():
            try:
                services.save_calendar(by=user_of(request), calendar=calendar, **form.service_arguments())
            except InvalidInput as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("The calendar has been saved."))
                return redirect("sla:calendar_edit", calendar_id=calendar.pk)
        return _calendar_page(request, form, calendar=calendar, status=422)
    form = CalendarForm(initial=CalendarForm.initial_from(calendar), read_only=not user_of(request).is_admin)
    return _calendar_page(request, form, calendar=calendar)


@staff_only
@require_GET
def calendar_preview(request: HttpRequest) -> HttpResponse:
    """The preview partial for the editor's current, unsaved values (htmx, on every change). A read-only editor's
    fields are disabled, so browsers do not send them: then the saved calendar named by `calendar` is shown."""
    saved = request.GET.get("calendar", "")
    if saved and "time_zone" not in request.GET:
        if not saved.isdigit():
            raise Http404(_("No such calendar."))
        calendar = get_object_or_404(BusinessCalendar, pk=int(saved))
        form = _bound_copy(CalendarForm(initial=CalendarForm.initial_from(calendar)))
    else:
        form = CalendarForm(request.GET)
    start = PreviewStartForm(request.GET).start()
    response = render(request, "sla/calendars/_preview.html", _preview_context(form, start))
    patch_vary_headers(response, ("HX-Request",))
    return response


@staff_only
@require_POST
def calendar_import(request: HttpRequest, calendar_id: int) -> HttpResponse:
    _require_admin(request)
    calendar = get_object_or_404(BusinessCalendar, pk=calendar_id)
    import_form = HolidayImportForm(request.POST)
    if import_form.is_valid():
        country, year = import_form.cleaned_data["country"], import_form.cleaned_data["year"]
        try:
            added, workdays = services.import_holidays(calendar, country=country, year=year, by=user_of(request))
        except InvalidInput as exc:
            _add_service_errors(import_form, exc)
        else:
            messages.success(
                request,
                _("Imported %(country)s %(year)s: %(holidays)d new holidays, %(workdays)d new make-up workdays.")
                % {"country": country.upper(), "year": year, "holidays": added, "workdays": workdays},
            )
            return redirect("sla:calendar_edit", calendar_id=calendar.pk)
    form = CalendarForm(initial=CalendarForm.initial_from(calendar))
    return _calendar_page(request, form, calendar=calendar, import_form=import_form, status=422)


# ---------------------------------------------------------------- policies


@staff_only
@require_GET
def policy_matrix(request: HttpRequest) -> HttpResponse:
    plans: list[SupportPlan | None] = [None, *SupportPlan.objects.order_by("name")]
    policies = {
        (policy.plan_id, policy.priority): policy
        for policy in SlaPolicy.objects.select_related(
            "first_response_calendar", "next_response_calendar", "resolution_calendar"
        )
    }
    rows = [
        {
            "plan": plan,
            "slug": plan.pk if plan else FALLBACK,
            "cells": [
                {"priority": priority, "policy": policies.get((plan.pk if plan else None, priority.value))}
                for priority in Priority
            ],
        }
        for plan in plans
    ]
    context = {
        "nav": "sla",
        "section": "policies",
        "rows": rows,
        "priorities": list(Priority),
        "can_edit": user_of(request).is_admin,
    }
    return render(request, "sla/policies/matrix.html", context)


def _plan_or_404(slug: str) -> SupportPlan | None:
    if slug == FALLBACK:
        return None
    if not slug.isdigit():
        raise Http404(_("No such support plan."))
    return get_object_or_404(SupportPlan, pk=int(slug))


@staff_only
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, plan: str, priority: int) -> HttpResponse:
    support_plan = _plan_or_404(plan)
    if priority not in Priority.values:
        raise Http404(_("No such priority."))
    policy = (
        SlaPolicy.objects.filter(plan=support_plan, priority=priority)
        .select_related("first_response_calendar", "next_response_calendar", "resolution_calendar")
        .first()
    )
    status = 200
    if request.method == "POST":
        _require_admin(request)
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                services.save_policy(by=user_of(request), plan=support_plan, priority=priority, **form.cleaned_data)
            except InvalidInput as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("The policy has been saved."))
                return redirect("sla:policies")
        status = 422
    else:
        form = PolicyForm(initial=PolicyForm.initial_from(policy), read_only=not user_of(request).is_admin)
    context = {
        "nav": "sla",
        "section": "policies",
        "form": form,
        "plan": support_plan,
        "priority": Priority(priority),
        "policy": policy,
        "can_edit": user_of(request).is_admin,
    }
    return render(request, "sla/policies/edit.html", context, status=status)
