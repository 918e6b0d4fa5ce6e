"""Agent pages: the ticket page's Time panel (htmx), the hours overview, a contract's bank and its statements."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from upstream.core.errors import DomainError, Forbidden, NotFound
from upstream.hours import bank, pages, queries, services
from upstream.hours.forms import FIELD_OF, TimeEntryForm
from upstream.hours.models import TimeEntry
from upstream.tickets.models import Ticket
from upstream.tickets.views.common import is_htmx, staff_only, staff_ticket, user_of

PANEL = "hours/_panel.html"


def _panel(request: HttpRequest, ticket: Ticket, form: TimeEntryForm | None = None) -> HttpResponse:
    if not is_htmx(request) and form is None:
        return redirect(reverse("tickets:detail", kwargs={"ref": ticket.reference}) + "#time")
    return render(request, PANEL, pages.panel_context(user_of(request), ticket, form))


def _add_domain_error(form: TimeEntryForm, error: DomainError) -> None:
    form.add_error(FIELD_OF.get(error.field or "", None), error.message)


@staff_only
@require_GET
def panel(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = staff_ticket(request, ref)
    return render(request, PANEL, pages.panel_context(user_of(request), ticket))


@staff_only
@require_POST
def log_time(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = staff_ticket(request, ref)
    form = TimeEntryForm(request.POST)
    if form.is_valid():
        try:
            services.log_time(by=user_of(request), ticket=ticket, data=form.entry())
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            return _panel(request, ticket)
    return _panel(request, ticket, form)


def _entry(request: HttpRequest, entry_id: int) -> TimeEntry:
    try:
        return queries.access_entry(user_of(request), entry_id)
    except NotFound:
        raise Http404 from None


@staff_only
@require_http_methods(["GET", "POST"])
def edit_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(request, entry_id)
    if request.method == "GET":
        form = TimeEntryForm(
            initial={
                "duration": bank.format_minutes(entry.minutes),
                "worked_on": entry.worked_on,
                "billable": entry.billable,
                "note": entry.note,
            }
        )
        return render(request, "hours/_edit.html", {"entry": entry, "form": form})
    form = TimeEntryForm(request.POST)
    if form.is_valid():
        try:
            services.edit_entry(by=user_of(request), entry=entry, data=form.entry())
        except Forbidden as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            response = _panel(request, entry.ticket)
            # The edit form sits inside its entry; once saved, the whole panel is replaced (totals, balance).
            response["HX-Retarget"], response["HX-Reswap"] = "#time", "outerHTML"
            return response
    return render(request, "hours/_edit.html", {"entry": entry, "form": form})


@staff_only
@require_POST
def delete_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(request, entry_id)
    try:
        services.delete_entry(by=user_of(request), entry=entry)
    except Forbidden as error:
        raise PermissionDenied(error.message) from None
    except NotFound:
        raise Http404 from None
    return _panel(request, entry.ticket)


@staff_only
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    include_ended = request.GET.get("ended") == "1"
    contracts = list(queries.bank_overview(user_of(request), include_ended=include_ended)[:500])
    context = {"rows": pages.bank_rows(contracts), "include_ended": include_ended, "nav": "hours"}
    return render(request, "hours/overview.html", context)


def _contract(request: HttpRequest, contract_id: int) -> queries.Contract:
    try:
        return queries.access_bank(user_of(request), contract_id)
    except NotFound:
        raise Http404 from None


@staff_only
@require_GET
def contract_page(request: HttpRequest, contract_id: int) -> HttpResponse:
    context = pages.contract_context(request, _contract(request, contract_id), portal=False)
    return render(request, "hours/contract.html", {**context, "nav": "hours"})


@staff_only
@require_GET
def statement_page(request: HttpRequest, contract_id: int, month: str) -> HttpResponse:
    contract = _contract(request, contract_id)
    context = pages.statement_context(contract, pages.statement_month(month), portal=False)
    return render(request, "hours/statement.html", {**context, "nav": "hours"})


@staff_only
@require_GET
def statement_csv(request: HttpRequest, contract_id: int, month: str) -> HttpResponse:
    return pages.csv_response(_contract(request, contract_id), pages.statement_month(month))
