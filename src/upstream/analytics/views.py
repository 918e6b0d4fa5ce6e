"""Dashboards for staff (`/analytics/`), the organisation admin's view in the portal (`/portal/analytics/`), and a
CSV download of every table with the same filters. Access: `filters.staff_scope` / `filters.organisation_scope`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from upstream.analytics import charts, columns, queries, tables
from upstream.analytics.filters import FilterForm, Filters, Scope, organisation_scope, staff_scope, user_zone
from upstream.core import clock
from upstream.customers.models import Priority
from upstream.tickets.views.common import user_of


def _zone(request: HttpRequest) -> ZoneInfo:
    return user_zone(user_of(request))


def _today(zone: ZoneInfo) -> date:
    return clock.now().astimezone(zone).date()


def _form(request: HttpRequest, scope: Scope) -> tuple[FilterForm, Filters | None]:
    zone = _zone(request)
    form = FilterForm(request.GET, scope=scope, zone=zone, today=_today(zone))
    return form, (form.filters() if form.is_valid() else None)


def _svg(markup: str) -> Any:
    return mark_safe(markup)


def _charts(
    scope: Scope,
    filters: Filters,
    now: datetime,
    groups: queries.CohortGroups,
    csat_groups: queries.CsatGroups,
    days: columns.Cohort | None,
    *,
    portal: bool,
) -> dict[str, Any]:
    empty = _("No tickets match these filters.")
    by_channel, by_category = queries.volume(scope, filters, groups)
    labels = tables.chart_labels(by_channel.buckets, filters)
    channel_names, category_names = tables.channel_names(), tables.category_names()
    context: dict[str, Any] = {
        "volume_channel_chart": _svg(charts.stacked_bars(
            _("Tickets created by channel"), labels,
            [charts.Line(channel_names.get(k, k), v) for k, v in sorted(by_channel.lines.items())], empty_text=empty,
        )),
        "volume_channel": tables.series_table(
            "volume_channel", _("Tickets created by channel"), by_channel, channel_names, filters
        ),
    }  # fmt: skip
    csat = queries.csat_trend(scope, filters, csat_groups)
    context["csat_chart"] = _svg(
        charts.lines_chart(
            _("CSAT average"), labels, [charts.Line(_("CSAT average"), csat.lines["average"])],
            empty_text=_("No CSAT answers in this range."), low=1, high=5,
        )
    )  # fmt: skip
    context["csat"] = tables.trend_table("csat", _("CSAT average"), csat, "average", filters)
    if portal:
        return context
    context["volume_category_chart"] = _svg(
        charts.stacked_bars(
            _("Tickets created by category"), labels,
            [charts.Line(category_names.get(k, k), v) for k, v in sorted(by_category.lines.items())],
            empty_text=empty,
        )
    )  # fmt: skip
    context["volume_category"] = tables.series_table(
        "volume_category", _("Tickets created by category"), by_category, category_names, filters
    )
    backlog = queries.backlog(scope, filters, now)
    context["backlog"] = tables.backlog_table(backlog)
    context["backlog_chart"] = _svg(
        charts.stacked_bars(
            _("Backlog by age"), [_(row.label) for row in backlog],
            [charts.Line(str(p.label), [row.by_priority.get(p.value, 0) for row in backlog]) for p in Priority],
            empty_text=_("No open tickets match these filters."),
        )
    )  # fmt: skip
    nps = queries.nps_trend(scope, filters)
    context["nps_chart"] = _svg(
        charts.lines_chart(
            _("NPS"), labels, [charts.Line(_("NPS"), nps.lines["nps"])],
            empty_text=_("No NPS answers in this range."), low=-100, high=100,
        )
    )  # fmt: skip
    context["nps"] = tables.trend_table("nps", _("NPS"), nps, "nps", filters)
    visits = queries.return_visit_scores(scope, filters)
    context["return_visits"] = tables.return_visit_table(visits)
    context["return_visits_chart"] = _svg(
        charts.bars(
            _("Return-visit scores"), [v.label for v in visits], [v.average for v in visits],
            empty_text=_("No return visits completed in this range."), high=5,
        )
    )  # fmt: skip
    context["agents"] = tables.agent_table(queries.agent_table(scope, filters, csat_groups, days))
    if scope.everything and not filters.q():
        # Unscoped and unfiltered, the cohort's count is the company-wide one deflection divides by.
        context["deflection"] = queries.deflection(filters, groups.total()["created"])
    return context


def _common(scope: Scope, filters: Filters, *, portal: bool) -> dict[str, Any]:
    now = clock.now()
    days = queries.day_cohort(scope, filters)  # long ranges: one read of the day columns for every cohort figure
    groups, csat_groups = queries.cohort_groups(scope, filters, days), queries.csat_groups(scope, filters, days)
    summary = queries.summary(scope, filters, groups, csat_groups, days)
    context: dict[str, Any] = {
        "filters": filters,
        "query": filters.query_string(),
        "summary": summary,
        "summary_table": tables.summary_table(summary),
        "metric_labels": tables.metric_labels(),
        "nothing": summary.tickets_created == 0 and summary.tickets_resolved == 0,
    }
    context.update(_charts(scope, filters, now, groups, csat_groups, days, portal=portal))
    context["sla"] = tables.sla_table(queries.sla_by_plan_priority(scope, filters, groups))
    return context


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = staff_scope(user_of(request))
    form, filters = _form(request, scope)
    context: dict[str, Any] = {"nav": "analytics", "form": form, "scope": scope}
    if filters is None:
        return render(request, "analytics/dashboard.html", context, status=400)
    with queries.reading():
        context.update(_common(scope, filters, portal=False))
        return render(request, "analytics/dashboard.html", context)


def _csv(table: tables.Table) -> HttpResponse:
    response = HttpResponse(table.to_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table.key}.csv"'
    return response


def _table_or_404(key: str, allowed: tuple[str, ...]) -> str:
    if key not in allowed:
        raise Http404(_("No such table."))
    return key


@login_required
@require_GET
def dashboard_csv(request: HttpRequest, key: str) -> HttpResponse:
    scope = staff_scope(user_of(request))
    _table_or_404(key, tables.STAFF_TABLES)
    form, filters = _form(request, scope)
    if filters is None:
        return HttpResponse(form.error_text(), status=400, content_type="text/plain; charset=utf-8")
    with queries.reading():
        return _csv(tables.build(key, scope, filters, clock.now()))


def _organisation_param(request: HttpRequest) -> int | None:
    raw = request.GET.get("organisation", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404(_("No such organisation."))
    return int(raw)


def _portal_query(request: HttpRequest) -> Any:
    """The filters without `organisation` (the portal picks it through the scope, not the form)."""
    data = request.GET.copy()
    data.pop("organisation", None)
    return data


@login_required
@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    scope, organisations = organisation_scope(user_of(request), _organisation_param(request))
    zone = _zone(request)
    form = FilterForm(_portal_query(request), scope=scope, zone=zone, today=_today(zone))
    chosen = next(o for o in organisations if o.pk == scope.organisation_ids[0])
    context: dict[str, Any] = {
        "nav": "portal_analytics",
        "is_org_admin": True,
        "form": form,
        "organisations": organisations,
        "organisation": chosen,
    }
    if not form.is_valid():
        return render(request, "analytics/portal.html", context, status=400)
    filters = form.filters()
    with queries.reading():
        context.update(_common(scope, filters, portal=True))
        context["query"] = f"organisation={chosen.pk}&{filters.query_string()}"
        return render(request, "analytics/portal.html", context)


@login_required
@require_GET
def portal_csv(request: HttpRequest, key: str) -> HttpResponse:
    scope, _organisations = organisation_scope(user_of(request), _organisation_param(request))
    _table_or_404(key, tables.PORTAL_TABLES)
    zone = _zone(request)
    form = FilterForm(_portal_query(request), scope=scope, zone=zone, today=_today(zone))
    if not form.is_valid():
        return HttpResponse(form.error_text(), status=400, content_type="text/plain; charset=utf-8")
    with queries.reading():
        return _csv(tables.build(key, scope, form.filters(), clock.now()))
