"""The portal's hour bank for the customer's organisation admins: balance, entries and monthly statements.

Ordinary contacts and admins of another organisation get a 404 for every page: the bank is a commercial term their
organisation's admin manages, and ids must leak nothing.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from upstream.core.errors import NotFound
from upstream.customers.models import Contract
from upstream.hours import pages, queries
from upstream.tickets.views.common import user_of


def _portal_contract(request: HttpRequest, contract_id: int) -> Contract:
    user = user_of(request)
    if user.is_staff_member:
        raise Http404  # staff use /hours/; the portal pages show a customer's view only
    try:
        return queries.access_bank(user, contract_id)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def portal_index(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if user.is_staff_member:
        return redirect("hours:overview")
    if not queries.may_see_bank(user):
        raise Http404
    contracts = list(queries.bank_overview(user)[:200])
    context = {"rows": pages.bank_rows(contracts), "nav": "portal_hours", "is_org_admin": True}
    return render(request, "hours/portal_index.html", context)


@login_required
@require_GET
def portal_contract(request: HttpRequest, contract_id: int) -> HttpResponse:
    context = pages.contract_context(request, _portal_contract(request, contract_id), portal=True)
    return render(request, "hours/contract.html", {**context, "nav": "portal_hours", "is_org_admin": True})


@login_required
@require_GET
def portal_statement(request: HttpRequest, contract_id: int, month: str) -> HttpResponse:
    contract = _portal_contract(request, contract_id)
    context = pages.statement_context(contract, pages.statement_month(month), portal=True)
    return render(request, "hours/statement.html", {**context, "nav": "portal_hours", "is_org_admin": True})


@login_required
@require_GET
def portal_statement_csv(request: HttpRequest, contract_id: int, month: str) -> HttpResponse:
    return pages.csv_response(_portal_contract(request, contract_id), pages.statement_month(month))
