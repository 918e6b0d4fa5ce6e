"""Named reads of the hour bank and who may see what."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _

from upstream.accounts.models import User
from upstream.core.errors import NotFound
from upstream.customers.models import ENTITLING_STATUSES, Contract
from upstream.customers.queries import admin_organisation_ids
from upstream.hours.bank import Usage, hours_to_minutes
from upstream.hours.models import TimeEntry
from upstream.tickets.models import Ticket
from upstream.tickets.queries import visible_tickets

__all__ = ["Usage", "access_bank", "bank_contracts", "usage_by_contract"]


def usage_by_contract(contract_ids: Iterable[int]) -> dict[int, Usage]:
    """Each contract's prepaid and billable used minutes, in one query for any number of contracts.

    Contracts that do not exist are left out; a contract without entries has used_minutes 0.
    """
    ids = sorted(set(contract_ids))
    if not ids:
        return {}
    rows = (
        Contract.objects.filter(id__in=ids)
        .annotate(used=Coalesce(Sum("time_entries__minutes", filter=Q(time_entries__billable=True)), 0))
        .values_list("id", "consulting_hours", "used")
    )
    return {
        contract_id: Usage(prepaid_minutes=hours_to_minutes(hours), used_minutes=used)
        for contract_id, hours, used in rows
    }


def may_see_bank(user: User) -> bool:
    """Staff, and organisation admins (for their own organisations). Ordinary contacts do not see the bank: prepaid
    hours and overage are commercial terms the customer's admin manages."""
    return user.is_staff_member or bool(admin_organisation_ids(user))


def bank_contracts(user: User) -> QuerySet[Contract]:
    """Contracts whose hour bank `user` may see."""
    if not user.is_authenticated or not user.is_active:
        return Contract.objects.none()
    contracts = Contract.objects.select_related("organisation", "plan")
    if user.is_staff_member:
        return contracts
    return contracts.filter(organisation_id__in=admin_organisation_ids(user))


def access_bank(user: User, contract_id: int) -> Contract:
    contract = bank_contracts(user).filter(id=contract_id).first()
    if contract is None:
        raise NotFound(_("No such contract."))
    return contract


def access_entry(user: User, entry_id: int) -> TimeEntry:
    """A time entry on a ticket `user` can see, for staff only (customers see entries through the portal pages)."""
    entry = TimeEntry.objects.select_related("ticket", "contract", "user").filter(id=entry_id).first()
    if entry is None or not user.is_staff_member or not visible_tickets(user).filter(id=entry.ticket_id).exists():
        raise NotFound(_("No such time entry."))
    return entry


def ticket_entries(ticket: Ticket) -> QuerySet[TimeEntry]:
    return TimeEntry.objects.filter(ticket=ticket).select_related("user").order_by("-worked_on", "-id")


@dataclass(frozen=True)
class EntryFilters:
    month: date | None = None
    person: int | None = None


def contract_entries(contract: Contract, filters: EntryFilters) -> QuerySet[TimeEntry]:
    entries = TimeEntry.objects.filter(contract=contract).select_related("ticket", "user")
    if filters.month is not None:
        end = (filters.month.replace(day=28) + timedelta(days=4)).replace(day=1)
        entries = entries.filter(worked_on__gte=filters.month, worked_on__lt=end)
    if filters.person is not None:
        entries = entries.filter(user_id=filters.person)
    return entries.order_by("-worked_on", "-id")


@dataclass(frozen=True)
class PersonTotal:
    user_id: int
    name: str
    billable_minutes: int
    non_billable_minutes: int


def per_person(entries: QuerySet[TimeEntry]) -> list[PersonTotal]:
    """Billable and non-billable minutes per person over `entries` (one query)."""
    rows = (
        entries.order_by()
        .values("user_id", "user__full_name", "user__username")
        .annotate(
            billable_sum=Coalesce(Sum("minutes", filter=Q(billable=True)), 0),
            other_sum=Coalesce(Sum("minutes", filter=Q(billable=False)), 0),
        )
        .order_by("user__full_name", "user__username")
    )
    return [
        PersonTotal(
            user_id=row["user_id"],
            name=row["user__full_name"] or row["user__username"],
            billable_minutes=row["billable_sum"],
            non_billable_minutes=row["other_sum"],
        )
        for row in rows
    ]


def entry_months(contract: Contract) -> list[date]:
    """The months in which time was logged on `contract`, newest first (for the month filter and statements)."""
    months = (
        TimeEntry.objects.filter(contract=contract)
        .annotate(month=TruncMonth("worked_on"))
        .order_by("-month")
        .values_list("month", flat=True)
        .distinct()
    )
    return [month if isinstance(month, date) else month.date() for month in months]


def bank_overview(user: User, *, include_ended: bool = True) -> QuerySet[Contract]:
    """Contracts with a bank or with time logged, as `user` may see them: the hours overview and the portal list.
    Without `include_ended`, only contracts in an entitling status (trial, active, grace)."""
    contracts = bank_contracts(user).filter(Q(consulting_hours__gt=0) | Q(time_entries__isnull=False))
    if not include_ended:
        contracts = contracts.filter(status__in=ENTITLING_STATUSES)
    return contracts.distinct().order_by("organisation__name", "-ends_on", "id")
