"""Monthly statements: per contract and calendar month, the entries, totals and the balance before and after.

The figures are computed from the entries (so a page always shows the current truth); issuing a statement freezes
them in a `Statement` row and emails the organisation's admin contacts, once per contract and month.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from upstream.core import clock
from upstream.customers.models import Contract
from upstream.customers.queries import preferred_language
from upstream.hours import bank
from upstream.hours.models import Statement, TimeEntry
from upstream.hours.services import org_admin_contacts, rebalance
from upstream.notifications.outbox import queue_email


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(day: date) -> date:
    return (month_start(day) - timedelta(days=1)).replace(day=1)


def parse_month(text: str) -> date | None:
    """ "2026-01" → date(2026, 1, 1); None when unreadable."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        return None


@dataclass(frozen=True)
class MonthStatement:
    contract: Contract
    month: date
    figures: bank.MonthFigures
    entries: list[TimeEntry]


def month_entries(contract: Contract, month: date) -> QuerySet[TimeEntry]:
    return (
        TimeEntry.objects.filter(contract=contract, worked_on__gte=month, worked_on__lt=next_month(month))
        .select_related("ticket", "user")
        .order_by("worked_on", "id")
    )


def figures(contract: Contract, month: date) -> bank.MonthFigures:
    """One aggregate query: billable minutes before the month, and the month's billable and non-billable minutes."""
    end = next_month(month)
    sums = TimeEntry.objects.filter(contract=contract).aggregate(
        before=Coalesce(Sum("minutes", filter=Q(billable=True, worked_on__lt=month)), 0),
        in_month=Coalesce(Sum("minutes", filter=Q(billable=True, worked_on__gte=month, worked_on__lt=end)), 0),
        other=Coalesce(Sum("minutes", filter=Q(billable=False, worked_on__gte=month, worked_on__lt=end)), 0),
    )
    return bank.month_figures(
        bank.hours_to_minutes(contract.consulting_hours), sums["before"], sums["in_month"], sums["other"]
    )


def build(contract: Contract, month: date) -> MonthStatement:
    return MonthStatement(
        contract=contract, month=month, figures=figures(contract, month), entries=list(month_entries(contract, month))
    )


CSV_HEADER = ("date", "ticket", "person", "minutes", "billable", "overage_minutes", "note")


def to_csv(statement: MonthStatement) -> str:
    """Entries first, then the totals, in the columns an accountant's spreadsheet expects (minutes, ISO dates)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for entry in statement.entries:
        writer.writerow(
            (
                entry.worked_on.isoformat(),
                entry.ticket.reference,
                entry.user.display_name,
                entry.minutes,
                "yes" if entry.billable else "no",
                entry.overage_minutes,
                _spreadsheet_safe(entry.note),
            )
        )
    f = statement.figures
    writer.writerow(())
    for label, value in (
        ("prepaid_minutes", f.prepaid_minutes),
        ("opening_balance_minutes", f.opening_minutes),
        ("billable_minutes", f.billable_minutes),
        ("non_billable_minutes", f.non_billable_minutes),
        ("overage_minutes", f.overage_minutes),
        ("closing_balance_minutes", f.closing_minutes),
    ):
        writer.writerow((label, value))
    return out.getvalue()


def _spreadsheet_safe(text: str) -> str:
    # A note starting with = + - @ would run as a formula when the CSV is opened in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def issue(contract: Contract, month: date) -> Statement | None:
    """Freeze and email the statement of `contract` for `month`; None when it was already issued (idempotent)."""
    if Statement.objects.filter(contract=contract, month=month).exists():
        return None
    rebalance(contract)  # the prepaid hours may have been topped up since the entries were logged
    built = build(contract, month)
    recipients = org_admin_contacts(contract)
    f = built.figures
    try:
        with transaction.atomic():
            statement = Statement.objects.create(
                contract=contract,
                month=month,
                opening_minutes=f.opening_minutes,
                billable_minutes=f.billable_minutes,
                non_billable_minutes=f.non_billable_minutes,
                overage_minutes=f.overage_minutes,
                closing_minutes=f.closing_minutes,
                recipients=[contact.email for contact in recipients],
                issued_at=clock.now(),
            )
            for contact in recipients:
                _email(built, contact.email, preferred_language(contact, contract.organisation.name))
    except IntegrityError:
        return None  # another worker issued it at the same moment: the unique constraint lets one through
    return statement


def _email(built: MonthStatement, address: str, language: str) -> None:
    f = built.figures
    link = settings.SITE_URL.rstrip("/") + reverse(
        "hours:portal_statement", kwargs={"contract_id": built.contract.id, "month": f"{built.month:%Y-%m}"}
    )
    with translation.override(language):
        values = {"ref": built.contract.reference, "month": f"{built.month:%Y-%m}"}
        subject = _("Consulting hours statement %(month)s (%(ref)s)") % values
        lines = [
            _("Your consulting hours for %(month)s on contract %(ref)s:") % values,
            "",
            f"{_('Opening balance')}: {bank.format_minutes(f.opening_minutes)}",
            f"{_('Billable time')}: {bank.format_minutes(f.billable_minutes)}",
            f"{_('Non-billable time')}: {bank.format_minutes(f.non_billable_minutes)}",
            f"{_('Overage')}: {bank.format_minutes(f.overage_minutes)}",
            f"{_('Closing balance')}: {bank.format_minutes(f.closing_minutes)}",
            "",
            f"{_('Every entry, and a CSV download:')} {link}",
        ]
    queue_email(to=[address], subject=subject, text="\n".join(lines) + "\n", language=language,
                auto_submitted="auto-generated")  # fmt: skip


def contracts_due(month: date) -> QuerySet[Contract]:
    """Contracts that owe a statement for `month`: a bank running during the month, or time logged in it."""
    end = next_month(month)
    running = Q(consulting_hours__gt=0, starts_on__lt=end, ends_on__gte=month)
    logged = Q(time_entries__worked_on__gte=month, time_entries__worked_on__lt=end)
    return (
        Contract.objects.filter(running | logged)
        .exclude(hours_statements__month=month)
        .select_related("organisation")
        .distinct()
        .order_by("id")
    )


def issue_due(now: datetime) -> int:
    """Issue last month's statements that are not issued yet. Run daily: the 1st sends them; a later day catches up
    after downtime; a second run sends nothing."""
    month = previous_month(timezone.localdate(now))
    issued = 0
    for contract in contracts_due(month):
        if issue(contract, month) is not None:
            issued += 1
    return issued
