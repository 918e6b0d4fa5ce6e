"""Page contexts shared by the agent pages, the portal pages and the ticket panel (no access checks here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from upstream.accounts.models import User
from upstream.core import clock
from upstream.customers.models import Contract
from upstream.hours import queries, statements
from upstream.hours.forms import TimeEntryForm
from upstream.hours.models import HoursAlert, Statement
from upstream.tickets.models import Ticket

ENTRY_PAGE_LIMIT = 500


@dataclass(frozen=True)
class BankRow:
    contract: Contract
    usage: queries.Usage


def bank_rows(contracts: list[Contract]) -> list[BankRow]:
    usage = queries.usage_by_contract(c.id for c in contracts)
    return [BankRow(contract=c, usage=usage[c.id]) for c in contracts if c.id in usage]


def panel_context(user: User, ticket: Ticket, form: TimeEntryForm | None = None) -> dict[str, Any]:
    """The ticket page's Time panel: the contract's balance, the ticket's entries and the log form."""
    entries = list(queries.ticket_entries(ticket))
    contract_id = ticket.contract_id
    usage = queries.usage_by_contract([contract_id]).get(contract_id) if contract_id else None
    today = timezone.localdate(clock.now())
    return {
        "ticket": ticket,
        "contract": ticket.contract if contract_id else None,
        "usage": usage,
        "entries": entries,
        "billable_total": sum(e.minutes for e in entries if e.billable),
        "non_billable_total": sum(e.minutes for e in entries if not e.billable),
        "form": form or TimeEntryForm(initial={"worked_on": today, "billable": True}),
        "viewer": user,
    }


def month_from(request: HttpRequest) -> date | None:
    text = request.GET.get("month", "")
    return statements.parse_month(text) if text else None


def person_from(request: HttpRequest) -> int | None:
    text = request.GET.get("person", "")
    return int(text) if text.isdigit() and len(text) < 18 else None


def contract_context(request: HttpRequest, contract: Contract, *, portal: bool) -> dict[str, Any]:
    filters = queries.EntryFilters(month=month_from(request), person=None if portal else person_from(request))
    entries = queries.contract_entries(contract, filters)
    usage = queries.usage_by_contract([contract.id])[contract.id]
    months = queries.entry_months(contract)
    this_month = statements.month_start(timezone.localdate(clock.now()))
    if this_month not in months:
        months = [this_month, *months]
    issued = {s.month: s for s in Statement.objects.filter(contract=contract)}
    return {
        "contract": contract,
        "usage": usage,
        "entries": list(entries[:ENTRY_PAGE_LIMIT]),
        "limited": entries[ENTRY_PAGE_LIMIT : ENTRY_PAGE_LIMIT + 1].exists(),
        # Everyone who logged time in the chosen month, whoever the person filter picks.
        "people": queries.per_person(queries.contract_entries(contract, queries.EntryFilters(month=filters.month))),
        "months": [{"value": m, "key": f"{m:%Y-%m}", "statement": issued.get(m)} for m in months],
        "filters": filters,
        "selected_month": f"{filters.month:%Y-%m}" if filters.month else "",
        "alerts": list(HoursAlert.objects.filter(contract=contract).order_by("threshold")),
        "portal": portal,
    }


def statement_month(month: str) -> date:
    parsed = statements.parse_month(month)
    if parsed is None:  # the URL pattern already restricts the shape; this is defence in depth
        raise Http404(_("No such month."))
    return parsed


def statement_context(contract: Contract, month: date, *, portal: bool) -> dict[str, Any]:
    built = statements.build(contract, month)
    issued = Statement.objects.filter(contract=contract, month=month).first()
    key = f"{month:%Y-%m}"
    name = "hours:portal_statement" if portal else "hours:statement"
    today = timezone.localdate(clock.now())
    following = statements.next_month(month)

    def url_of(other: date) -> str:
        return reverse(name, kwargs={"contract_id": contract.id, "month": f"{other:%Y-%m}"})

    return {
        "contract": contract,
        "month": month,
        "month_key": key,
        "statement": built,
        "figures": built.figures,
        "issued": issued,
        "complete": following <= today,
        "previous_url": url_of(statements.previous_month(month)),
        "next_url": url_of(following) if following <= today else "",
        "csv_url": reverse(
            "hours:portal_csv" if portal else "hours:statement_csv", kwargs={"contract_id": contract.id, "month": key}
        ),
        "portal": portal,
    }


def csv_response(contract: Contract, month: date) -> HttpResponse:
    body = statements.to_csv(statements.build(contract, month))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    filename = f"hours-{contract.reference}-{month:%Y-%m}.csv".replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
