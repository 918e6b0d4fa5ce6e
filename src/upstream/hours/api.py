"""Consulting hours over the REST API (mounted at /api/hours/): log, list, change and delete time entries; a contract's
balance.

Thin like every router: `hours.queries` decides who sees what (a ticket or contract you may not see is a 404),
`hours.services` applies every rule (staff only log time: 403; bad durations and dates: 422 naming the field).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from upstream.accounts.api import actor
from upstream.accounts.models import User
from upstream.core.api import Cursor, Id, Limit, PageParams, ShortText, StrictInput, page_of
from upstream.core.errors import Forbidden, InvalidInput
from upstream.hours import queries, services
from upstream.hours.models import HoursAlert, TimeEntry
from upstream.hours.statements import parse_month
from upstream.tickets.queries import access_ticket

router = Router()

LIST_ORDER = ("-id",)


class EntryOut(Schema):
    id: int
    ticket: str = Field(description="the ticket's reference, e.g. UP-10234")
    contract_id: int | None = Field(description="the contract drawn down; null when the ticket has none")
    user_id: int
    user_name: str
    minutes: int
    billable: bool
    overage_minutes: int = Field(description="the part of this entry beyond the contract's prepaid hours")
    note: str
    worked_on: date
    created_at: datetime


class EntryPage(Schema):
    items: list[EntryOut]
    next_cursor: str | None


def entry_out(entry: TimeEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "ticket": entry.ticket.reference,
        "contract_id": entry.contract_id,
        "user_id": entry.user_id,
        "user_name": entry.user.display_name,
        "minutes": entry.minutes,
        "billable": entry.billable,
        "overage_minutes": entry.overage_minutes,
        "note": entry.note,
        "worked_on": entry.worked_on,
        "created_at": entry.created_at,
    }


class EntryIn(StrictInput):
    ticket: ShortText = Field(description="the ticket's reference (UP-10234) or number")
    minutes: int | None = Field(default=None, description="whole minutes, 1 to 1440; or give `duration`")
    duration: ShortText | None = Field(default=None, description='text such as "1h30", "90" or "1.5h"')
    billable: bool = True
    note: ShortText = ""
    worked_on: date | None = Field(default=None, description="the day the work was done; defaults to today")


class EntryPatch(StrictInput):
    minutes: int | None = None
    duration: ShortText | None = None
    billable: bool | None = None
    note: ShortText | None = None
    worked_on: date | None = None


def _duration(minutes: int | None, duration: str | None) -> int | str:
    if (minutes is None) == (duration is None):
        raise InvalidInput("give either minutes or duration", field="minutes")
    return minutes if minutes is not None else str(duration)


def _staff(user: User) -> None:
    if not user.is_staff_member:
        raise Forbidden("time entries are for support staff")


@router.post("/entries", response={201: EntryOut}, summary="Log time on a ticket (agents)")
def create_entry(request: HttpRequest, payload: EntryIn) -> Status[dict[str, Any]]:
    user = actor(request)
    ticket = access_ticket(user, payload.ticket)
    entry = services.log_time(
        by=user,
        ticket=ticket,
        data=services.EntryInput(
            duration=_duration(payload.minutes, payload.duration),
            billable=payload.billable,
            note=payload.note,
            worked_on=payload.worked_on,
        ),
    )
    return Status(201, entry_out(entry))


class EntryQuery(Schema):
    ticket: ShortText | None = Field(default=None, description="a ticket reference: its entries (staff)")
    contract: Id | None = Field(default=None, description="a contract id: the entries drawing it down")
    month: ShortText | None = Field(default=None, description="with contract: YYYY-MM")
    cursor: Cursor | None = None
    limit: Limit | None = None


@router.get("/entries", response=EntryPage, summary="List time entries of a ticket or a contract")
def list_entries(request: HttpRequest, filters: Query[EntryQuery]) -> dict[str, Any]:
    """Staff: by ticket or by contract. An organisation admin: by contract, for their own organisation's contracts."""
    user = actor(request)
    if (filters.ticket is None) == (filters.contract is None):
        raise InvalidInput("give either ticket or contract", field="ticket")
    if filters.ticket is not None:
        _staff(user)
        entries = TimeEntry.objects.filter(ticket=access_ticket(user, filters.ticket))
    else:
        assert filters.contract is not None
        month = _month(filters.month)
        contract = queries.access_bank(user, filters.contract)
        entries = queries.contract_entries(contract, queries.EntryFilters(month=month))
    rows = entries.select_related("ticket", "user")
    return page_of(rows, LIST_ORDER, PageParams(cursor=filters.cursor, limit=filters.limit), entry_out)


def _month(text: str | None) -> date | None:
    if text is None:
        return None
    month = parse_month(text)
    if month is None:
        raise InvalidInput("month must be YYYY-MM", field="month")
    return month


@router.patch("/entries/{entry_id}", response=EntryOut, summary="Change your own time entry")
def update_entry(request: HttpRequest, entry_id: Id, payload: EntryPatch) -> dict[str, Any]:
    user = actor(request)
    entry = queries.access_entry(user, entry_id)
    sent = payload.model_fields_set
    if "minutes" in sent or "duration" in sent:
        duration: int | str = _duration(payload.minutes, payload.duration)
    else:
        duration = entry.minutes
    data = services.EntryInput(
        duration=duration,
        billable=entry.billable if payload.billable is None else payload.billable,
        note=entry.note if payload.note is None else payload.note,
        worked_on=payload.worked_on or entry.worked_on,
    )
    return entry_out(services.edit_entry(by=user, entry=entry, data=data))


@router.delete("/entries/{entry_id}", response={204: None}, summary="Delete your own time entry")
def remove_entry(request: HttpRequest, entry_id: Id) -> Status[None]:
    user = actor(request)
    services.delete_entry(by=user, entry=queries.access_entry(user, entry_id))
    return Status(204, None)


class AlertOut(Schema):
    threshold: int
    sent_at: datetime


class BalanceOut(Schema):
    contract_id: int
    reference: str
    organisation_id: int
    prepaid_minutes: int
    used_minutes: int = Field(description="billable minutes logged against the contract")
    remaining_minutes: int
    overage_minutes: int
    percent_used: float | None = Field(description="null when the contract has no prepaid hours")
    alerts: list[AlertOut]


@router.get("/contracts/{contract_id}/balance", response=BalanceOut, summary="A contract's hour bank")
def balance(request: HttpRequest, contract_id: Id) -> dict[str, Any]:
    """Staff, and organisation admins for their own organisation's contracts (others: 404)."""
    contract = queries.access_bank(actor(request), contract_id)
    usage = queries.usage_by_contract([contract.id])[contract.id]
    alerts = HoursAlert.objects.filter(contract=contract).order_by("threshold")
    return {
        "contract_id": contract.id,
        "reference": contract.reference,
        "organisation_id": contract.organisation_id,
        "prepaid_minutes": usage.prepaid_minutes,
        "used_minutes": usage.used_minutes,
        "remaining_minutes": usage.remaining_minutes,
        "overage_minutes": usage.overage_minutes,
        "percent_used": usage.percent_used,
        "alerts": [{"threshold": a.threshold, "sent_at": a.sent_at} for a in alerts],
    }
