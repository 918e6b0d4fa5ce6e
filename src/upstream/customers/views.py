"""Staff pages for customers: organisations with their contracts, renewing and ending a contract, the churn report.

Vendor staff only: to anyone else these pages do not exist (404). Renewing and ending need an admin or the
organisation's account manager (403 for other agents, who may still look).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from upstream.accounts.models import User
from upstream.core.errors import DomainError, Forbidden
from upstream.core.pagination import paginate
from upstream.customers import churn, lifecycle
from upstream.customers.forms import EndForm, OrganisationFilter, PeriodForm, RenewForm, add_domain_error
from upstream.customers.models import Contract, ContractEvent, ExitReason, Membership, Organisation, Product

PAGE_SIZE = 50
View = Callable[..., HttpResponseBase]


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def staff_page(view: View) -> View:
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not _user(request).is_staff_member:
            raise Http404(_("No such page."))
        return view(request, *args, **kwargs)

    return wrapper


def _contracts_newest_first() -> Prefetch[Any]:
    return Prefetch("contracts", queryset=Contract.objects.select_related("plan").order_by("-ends_on", "-id"))


def _current(contracts: list[Contract], today: date) -> Contract | None:
    """The contract to show at a glance: the entitling one ending last, else the most recent."""
    return next((c for c in contracts if c.is_entitling_on(today)), contracts[0] if contracts else None)


# --- organisations ------------------------------------------------------------------------------------------------


@staff_page
def organisations(request: HttpRequest) -> HttpResponse:
    form = OrganisationFilter(request.GET or None)
    found = Organisation.objects.select_related("account_manager", "default_team").prefetch_related(
        _contracts_newest_first()
    )
    query = ""
    if form.is_valid() and form.cleaned_data["q"]:
        for word in form.cleaned_data["q"].split()[:8]:
            found = found.filter(name__icontains=word)
        query = f"q={form.cleaned_data['q']}"
    try:
        page = paginate(found, ("name", "id"), cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    except DomainError:
        raise Http404(_("This page does not exist.")) from None
    today = lifecycle.today()
    rows = [{"organisation": o, "contract": _current(list(o.contracts.all()), today)} for o in page.items]
    context = {"form": form, "rows": rows, "page": page, "query": query, "nav": "customers"}
    return render(request, "customers/organisations.html", context)


@staff_page
def organisation(request: HttpRequest, organisation_id: int) -> HttpResponse:
    org = Organisation.objects.select_related("account_manager", "default_team").filter(id=organisation_id).first()
    if org is None:
        raise Http404(_("No such organisation."))
    contracts = list(
        Contract.objects.filter(organisation=org)
        .select_related("plan", "renewed_from", "ended_by")
        .prefetch_related(Prefetch("products", queryset=Product.objects.order_by("name")))
        .order_by("-starts_on", "-id")
    )
    renewed = {c.renewed_from_id for c in contracts if c.renewed_from_id}
    today = lifecycle.today()
    user = _user(request)
    rows = [
        {
            "contract": c,
            "entitling": c.is_entitling_on(today),
            "upcoming": c.starts_on > today,
            "renewed": c.id in renewed,
            "can_renew": not c.exit_recorded and c.status != "terminated" and c.id not in renewed,
            "can_end": not c.exit_recorded and c.id not in renewed,
        }
        for c in contracts
    ]
    events = ContractEvent.objects.filter(contract__organisation=org).select_related("contract", "actor")[:50]
    members = Membership.objects.filter(organisation=org).select_related("contact").order_by("contact__name")[:100]
    context = {
        "organisation": org,
        "rows": rows,
        "current": _current(sorted(contracts, key=lambda c: (c.ends_on, c.id), reverse=True), today),
        "events": events,
        "members": members,
        "can_manage": user.is_admin or org.account_manager_id == user.pk,
        "nav": "customers",
    }
    return render(request, "customers/organisation.html", context)


# --- renew and end ------------------------------------------------------------------------------------------------


def _managed_contract(request: HttpRequest, contract_id: int) -> Contract:
    contract = Contract.objects.select_related("organisation", "plan").filter(id=contract_id).first()
    if contract is None:
        raise Http404(_("No such contract."))
    if not lifecycle.can_manage(_user(request), contract):
        raise PermissionDenied(_("Only an admin or the organisation's account manager can renew or end its contracts."))
    return contract


def _organisation_url(contract: Contract) -> str:
    return reverse("customers:organisation", args=[contract.organisation_id])


@staff_page
def renew(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = _managed_contract(request, contract_id)
    form = RenewForm(request.POST or None, initial=RenewForm.initial_for(contract))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                renewed = lifecycle.renew(
                    by=_user(request),
                    contract=contract,
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    plan=data["plan"],
                    consulting_hours=data["consulting_hours"],
                    reference=data["reference"],
                )
            except Forbidden as error:
                raise PermissionDenied(error.message) from None
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("Renewed: %(reference)s runs from %(start)s to %(end)s.")
                    % {"reference": renewed.reference, "start": renewed.starts_on, "end": renewed.ends_on},
                )
                return redirect(_organisation_url(contract))
        status = 422
    context = {"contract": contract, "form": form, "nav": "customers"}
    return render(request, "customers/renew.html", context, status=status)


@staff_page
def end(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = _managed_contract(request, contract_id)
    form = EndForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                ended = lifecycle.end_contract(
                    by=_user(request),
                    contract=contract,
                    reason=data["reason"],
                    comment=data["comment"],
                    at_term_end=data["when"] == EndForm.TERM_END,
                )
            except Forbidden as error:
                raise PermissionDenied(error.message) from None
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(reference)s ends for good on %(day)s.")
                    % {"reference": ended.reference, "day": ended.ended_on},
                )
                return redirect(_organisation_url(contract))
        status = 422
    context = {"contract": contract, "form": form, "nav": "customers"}
    return render(request, "customers/end.html", context, status=status)


# --- churn --------------------------------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[PeriodForm, date, date]:
    """The period asked for, else the last twelve months (from the first of the month a year ago to today)."""
    today = lifecycle.today()
    default_start = (today.replace(day=1) - timedelta(days=365)).replace(day=1)
    asked = "start" in request.GET or "end" in request.GET
    form = PeriodForm(request.GET if asked else None, initial={"start": default_start, "end": today})
    if asked and form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return form, default_start, today


def _reason_label(reason: str) -> str:
    if reason == churn.UNRECORDED:
        return _("No reason recorded (expired, not renewed)")
    return str(ExitReason(reason).label)


def _fees(fees: dict[str, Any]) -> list[str]:
    return [f"{currency} {amount:,.2f}" for currency, amount in sorted(fees.items())]


@staff_page
def churn_report(request: HttpRequest) -> HttpResponse:
    form, start, end_day = _period(request)
    if form.is_bound and not form.is_valid():
        return render(request, "customers/churn.html", {"form": form, "report": None, "nav": "customers"}, status=422)
    report = churn.churn_report(start, end_day)
    if request.GET.get("format") == "csv":
        return _churn_csv(report)
    rows = [
        {
            "reason": row.reason,
            "label": _reason_label(row.reason),
            "count": row.contracts,
            "fees": _fees(row.lost_monthly_fee),
        }
        for row in report.rows
    ]
    csv_query = f"start={start.isoformat()}&end={end_day.isoformat()}&format=csv"
    context: dict[str, Any] = {
        "form": form,
        "report": report,
        "rows": rows,
        "total_fees": _fees(report.total.lost_monthly_fee),
        "csv_url": f"{reverse('customers:churn')}?{csv_query}",
        "nav": "customers",
    }
    return render(request, "customers/churn.html", context)


def _churn_csv(report: churn.ChurnReport) -> HttpResponse:
    """UTF-8 with a byte-order mark (Excel reads Chinese names then); one row per reason and currency."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [_("From"), _("To"), _("Reason code"), _("Reason"), _("Contracts"), _("Currency"), _("Lost monthly fee")]
    )
    for row in report.rows:
        if not row.contracts:
            continue
        for currency, fee in sorted(row.lost_monthly_fee.items()):
            writer.writerow(
                [report.start, report.end, row.reason, _reason_label(row.reason),
                 row.contracts_by_currency[currency], currency, f"{fee:.2f}"]
            )  # fmt: skip
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="churn-{report.start}-{report.end}.csv"'
    return response
