"""The churn report: contracts that ended for good in a period, by exit reason, with the monthly fee they took away.

A contract counts on the day it stops for good (`ended_on`): the day it was terminated, or the last day of a term
that was not renewed. Lapsed contracts whose end nobody recorded (expired, no later contract for the organisation,
no exit reason) are counted separately as "no reason recorded", so the report is not silently incomplete. Fees are
summed per currency (plans may be priced in different ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from upstream.customers.models import Contract, ContractStatus, ExitReason

# The list under the figures shows at most this many contracts (the figures always count all of them).
MAX_LISTED = 500
UNRECORDED = "unrecorded"


@dataclass
class ReasonRow:
    reason: str  # an ExitReason value, or UNRECORDED
    contracts: int = 0
    lost_monthly_fee: dict[str, Decimal] = field(default_factory=dict)  # currency → sum of monthly fees
    contracts_by_currency: dict[str, int] = field(default_factory=dict)


@dataclass
class ChurnReport:
    start: date
    end: date
    rows: list[ReasonRow]
    total: ReasonRow
    ended: list[Contract]  # with a recorded exit, newest first, at most MAX_LISTED
    more_than_listed: bool


def ended_between(start: date, end: date) -> QuerySet[Contract]:
    return Contract.objects.filter(~Q(exit_reason=""), ended_on__gte=start, ended_on__lte=end)


def unrecorded_between(start: date, end: date) -> QuerySet[Contract]:
    """Expired without a recorded exit and with no later contract of the same organisation (so not renewed)."""
    later = Contract.objects.filter(organisation_id=OuterRef("organisation_id"), starts_on__gt=OuterRef("ends_on"))
    return Contract.objects.filter(
        status=ContractStatus.EXPIRED, exit_reason="", ends_on__gte=start, ends_on__lte=end
    ).filter(~Exists(later))


def _add(row: ReasonRow, currency: str, count: int, fee: Decimal | None) -> None:
    row.contracts += count
    row.contracts_by_currency[currency] = row.contracts_by_currency.get(currency, 0) + count
    row.lost_monthly_fee[currency] = row.lost_monthly_fee.get(currency, Decimal("0")) + (fee or Decimal("0"))


def churn_report(start: date, end: date) -> ChurnReport:
    """Three queries whatever the period: figures by reason, the unrecorded ones, and the list."""
    by_reason: dict[str, ReasonRow] = {}
    figures = (
        ended_between(start, end)
        .values("exit_reason", "plan__currency")
        .annotate(count=Count("id"), fee=Sum("plan__monthly_fee"))
        .order_by()
    )
    for item in figures:
        row = by_reason.setdefault(item["exit_reason"], ReasonRow(item["exit_reason"]))
        _add(row, item["plan__currency"], item["count"], item["fee"])
    unrecorded = (
        unrecorded_between(start, end)
        .values("plan__currency")
        .annotate(count=Count("id"), fee=Sum("plan__monthly_fee"))
        .order_by()
    )
    for item in unrecorded:
        row = by_reason.setdefault(UNRECORDED, ReasonRow(UNRECORDED))
        _add(row, item["plan__currency"], item["count"], item["fee"])
    order = [*ExitReason.values, UNRECORDED]
    rows = [by_reason.get(reason) or ReasonRow(reason) for reason in order]
    total = ReasonRow("total")
    for row in rows:
        for currency, fee in row.lost_monthly_fee.items():
            _add(total, currency, row.contracts_by_currency[currency], fee)
    listed = list(
        ended_between(start, end)
        .select_related("organisation", "plan", "ended_by")
        .order_by("-ended_on", "-id")[: MAX_LISTED + 1]
    )
    return ChurnReport(start, end, rows, total, listed[:MAX_LISTED], len(listed) > MAX_LISTED)
