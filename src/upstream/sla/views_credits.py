"""Service reports: a contract's SLA figures for a month and the credit owed, for agents (`/sla/credits/`) and for the
customer's organisation admins in the portal (`/portal/sla/`), as a page or as CSV (`.csv` or `?format=csv`).

A contract the user may not see is a 404 (a normal contact, or an admin of another organisation), so ids leak nothing.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from upstream.accounts.models import User
from upstream.core import clock
from upstream.customers.models import Contract, Priority
from upstream.customers.queries import admin_organisation_ids
from upstream.sla.credit_reports import contract_month_report
from upstream.sla.credits import Month, Report, Row
from upstream.sla.models import Metric
from upstream.tickets.views.common import staff_only, user_of


class MonthConverter:
    """`2026-11` in a URL ↔ `Month(2026, 11)`; anything else does not match (404)."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> Month:
        return Month.parse(value)  # ValueError (month 13): no match

    def to_url(self, value: Month | str) -> str:
        return str(value)


# ---------------------------------------------------------------- access


def reportable_contracts(user: User) -> QuerySet[Contract]:
    """Agents and admins: every contract. A contact: the contracts of the organisations they administer."""
    base = Contract.objects.select_related("organisation", "plan").order_by("organisation__name", "-starts_on", "id")
    if not user.is_authenticated or not user.is_active:
        return base.none()
    if user.is_staff_member:
        return base
    return base.filter(organisation_id__in=admin_organisation_ids(user))


def _contract_or_404(user: User, contract_id: int) -> Contract:
    contract = reportable_contracts(user).filter(id=contract_id).first()
    if contract is None:
        raise Http404(_("No such contract."))
    return contract


def _previous_month() -> Month:
    """The default report: last month in the viewer's time zone."""
    return Month.of(clock.now(), ZoneInfo(timezone.get_current_timezone_name())).previous()


# ---------------------------------------------------------------- presentation


def _percent(value: Decimal) -> str:
    """5.00 → "5", 2.50 → "2.5"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(amount: Decimal, currency: str) -> str:
    return f"{currency} {amount:,.2f}".strip()


def _metric_label(metric: str | None) -> str:
    return str(Metric(metric).label) if metric else _("All metrics")


def _priority_label(priority: int | None) -> str:
    return str(Priority(priority).label) if priority in Priority.values else (_("All") if priority is None else "")


def terms_text(contract: Contract) -> str:
    """ "CNY 12,000.00 a month · 2.5% per breach · cap 10%", or "" for a plan without terms."""
    plan = contract.plan
    if not (plan.monthly_fee and plan.credit_percent_per_breach and plan.credit_cap_percent):
        return ""
    return _("%(fee)s a month · %(percent)s%% per breach · cap %(cap)s%%") % {
        "fee": money(plan.monthly_fee, plan.currency),
        "percent": _percent(plan.credit_percent_per_breach),
        "cap": _percent(plan.credit_cap_percent),
    }


def _row(row: Row) -> dict[str, Any]:
    return {
        "row": row,
        "metric": _metric_label(row.metric),
        "priority": row.priority,
        "priority_label": _priority_label(row.priority),
        "compliance": None if row.compliance is None else _percent(row.compliance),
    }


def _report_context(contract: Contract, report: Report, *, portal: bool) -> dict[str, Any]:
    zone = _zone(contract)
    groups = [
        {"total": _row(total), "rows": [_row(row) for row in report.rows if row.metric == total.metric]}
        for total in report.metric_totals
    ]
    terms, credit = report.terms, report.credit
    name = "sla:portal_report" if portal else "sla:credit_report"
    following = report.month.next()
    return {
        "contract": contract,
        "report": report,
        "groups": groups,
        "total": _row(report.total),
        "org_zone": contract.organisation.time_zone,
        # Formatted here: the date filter would show them in the viewer's zone, not the organisation's.
        "local_start": report.start.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "local_end": report.end.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "has_terms": terms.has_terms,
        "fee": money(terms.monthly_fee, terms.currency),
        "per_breach": _percent(terms.percent_per_breach),
        "cap": _percent(terms.cap_percent),
        "uncapped": _percent(credit.uncapped_percent),
        "credit_percent": _percent(credit.percent),
        "credit": money(credit.amount, terms.currency),
        "previous_url": reverse(name, args=[contract.id, report.month.previous()]),
        "next_url": reverse(name, args=[contract.id, following]) if following.start(zone) <= clock.now() else "",
        "csv_url": reverse(f"{name}_csv", args=[contract.id, report.month]),
        "portal": portal,
    }


def _zone(contract: Contract) -> ZoneInfo:
    return ZoneInfo(contract.organisation.time_zone)


def report_csv(contract: Contract, report: Report) -> HttpResponse:
    """UTF-8 with a byte-order mark, so Excel reads Chinese names correctly; one row per metric × priority, then the
    total with the credit."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    currency = report.terms.currency
    writer.writerow(
        [_("Contract"), _("Organisation"), _("Month"), _("Metric"), _("Priority"), _("Met"), _("Breached"),
         pgettext("SLA cycles not yet decided", "Open"), _("Compliance (%)"), _("Credit (%s)") % currency]
    )  # fmt: skip
    head = [contract.reference, contract.organisation.name, str(report.month)]
    for row in report.rows:
        writer.writerow(
            [*head, _metric_label(row.metric), _priority_label(row.priority), row.met, row.breached, row.open,
             "" if row.compliance is None else row.compliance, ""]
        )  # fmt: skip
    total = report.total
    writer.writerow(
        [*head, _("Total"), "", total.met, total.breached, total.open,
         "" if total.compliance is None else total.compliance, f"{report.credit.amount:.2f}"]
    )  # fmt: skip
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    filename = f"sla-report-{contract.reference}-{report.month}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _render_report(request: HttpRequest, contract: Contract, period: Month, *, portal: bool, as_csv: bool) -> Any:
    now = clock.now()
    if period.start(_zone(contract)) > now:
        raise Http404(_("This month has not begun yet."))
    report = contract_month_report(contract, period.year, period.month, now)
    if as_csv or request.GET.get("format") == "csv":
        return report_csv(contract, report)
    template = "sla/credits/portal_report.html" if portal else "sla/credits/report.html"
    context = _report_context(contract, report, portal=portal)
    context["nav"] = "portal_sla" if portal else "sla"
    context["section"] = "credits"
    context["is_org_admin"] = portal
    context["can_edit"] = user_of(request).is_admin
    return render(request, template, context)


# ---------------------------------------------------------------- agents


def _chooser_context(contracts: list[Contract], *, portal: bool) -> dict[str, Any]:
    default = _previous_month()
    return {
        "contracts": contracts,
        "rows": [{"contract": c, "terms": terms_text(c)} for c in contracts],
        "default_month": default,
        "this_month": default.next(),
        "portal": portal,
        "section": "credits",
    }


def _chosen(request: HttpRequest, contracts: list[Contract], name: str) -> HttpResponse | None:
    """The chooser form's GET: redirect to the chosen report, or None when nothing (valid) was chosen."""
    chosen, month = request.GET.get("contract", ""), request.GET.get("month", "")
    if not chosen.isdigit() or not month:
        return None
    try:
        period = Month.parse(month)
    except ValueError:
        return None
    if int(chosen) not in {c.id for c in contracts}:
        raise Http404(_("No such contract."))
    return redirect(name, int(chosen), period)


@staff_only
@require_GET
def credits_index(request: HttpRequest) -> HttpResponse:
    contracts = list(reportable_contracts(user_of(request)))
    chosen = _chosen(request, contracts, "sla:credit_report")
    if chosen is not None:
        return chosen
    context = _chooser_context(contracts, portal=False)
    context.update({"nav": "sla", "can_edit": user_of(request).is_admin})
    return render(request, "sla/credits/index.html", context)


@staff_only
@require_GET
def credit_report(request: HttpRequest, contract_id: int, period: Month) -> HttpResponse:
    contract = _contract_or_404(user_of(request), contract_id)
    return _render_report(request, contract, period, portal=False, as_csv=False)


@staff_only
@require_GET
def credit_report_csv(request: HttpRequest, contract_id: int, period: Month) -> HttpResponse:
    contract = _contract_or_404(user_of(request), contract_id)
    return _render_report(request, contract, period, portal=False, as_csv=True)


# ---------------------------------------------------------------- the portal (organisation admins)


@login_required
@require_GET
def portal_reports(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if user.is_staff_member:
        return redirect("sla:credits")
    contracts = list(reportable_contracts(user))
    if not contracts and not admin_organisation_ids(user):
        raise Http404(_("Service reports are for organisation admins."))
    chosen = _chosen(request, contracts, "sla:portal_report")
    if chosen is not None:
        return chosen
    context = _chooser_context(contracts, portal=True)
    context.update({"nav": "portal_sla", "is_org_admin": True})
    return render(request, "sla/credits/portal_index.html", context)


def _portal_report(request: HttpRequest, contract_id: int, period: Month, *, as_csv: bool) -> HttpResponse:
    user = user_of(request)
    if user.is_staff_member:
        name = "sla:credit_report_csv" if as_csv else "sla:credit_report"
        return redirect(name, contract_id, period)
    contract = _contract_or_404(user, contract_id)
    return _render_report(request, contract, period, portal=True, as_csv=as_csv)


@login_required
@require_GET
def portal_report(request: HttpRequest, contract_id: int, period: Month) -> HttpResponse:
    return _portal_report(request, contract_id, period, as_csv=False)


@login_required
@require_GET
def portal_report_csv(request: HttpRequest, contract_id: int, period: Month) -> HttpResponse:
    return _portal_report(request, contract_id, period, as_csv=True)
