"""Monthly statements: the figures, the CSV, and the periodic job that issues and emails them once."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from unittest import mock

import pytest

from upstream.core.periodic import PERIODIC_JOBS
from upstream.hours import statements
from upstream.hours.apps import ISSUE_STATEMENTS
from upstream.hours.models import Statement, TimeEntry
from upstream.hours.tasks import issue_monthly_statements
from upstream.hours.tests.world import log, make_bank
from upstream.notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def _history(bank):
    """Prepaid 2h. January: 90 billable + 30 non-billable; February: 45 + 20 billable (35 over), 15 non-billable."""
    with mock.patch("upstream.core.clock.now", return_value=_at(date(2026, 3, 5))):
        log(bank, 90, worked_on=date(2026, 1, 10), note="=cmd|' /C calc'!A0")
        log(bank, 30, worked_on=date(2026, 1, 31), billable=False)
        log(bank, 45, worked_on=date(2026, 2, 1))
        log(bank, 20, worked_on=date(2026, 2, 28))
        log(bank, 15, worked_on=date(2026, 2, 14), billable=False)


def test_month_boundaries():
    assert statements.next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    assert statements.previous_month(date(2026, 1, 1)) == date(2025, 12, 1)
    assert statements.previous_month(date(2026, 3, 31)) == FEB
    assert statements.parse_month("2026-02") == FEB
    assert statements.parse_month("2026-13") is None
    assert statements.parse_month("Feb") is None


def test_figures_chain_month_to_month(django_assert_num_queries):
    bank = make_bank("2")
    _history(bank)
    with django_assert_num_queries(1):
        january = statements.figures(bank.contract, JAN)
    february = statements.figures(bank.contract, FEB)
    march = statements.figures(bank.contract, MAR)
    assert (january.opening_minutes, january.billable_minutes, january.non_billable_minutes) == (120, 90, 30)
    assert (january.overage_minutes, january.closing_minutes) == (0, 30)
    assert (february.opening_minutes, february.billable_minutes, february.non_billable_minutes) == (30, 65, 15)
    assert (february.overage_minutes, february.closing_minutes) == (35, -35)
    assert (march.opening_minutes, march.billable_minutes, march.overage_minutes) == (-35, 0, 0)
    # The month's overage is the sum of its entries' overage.
    entry_overage = sum(
        TimeEntry.objects.filter(worked_on__gte=FEB, worked_on__lt=MAR).values_list("overage_minutes", flat=True)
    )
    assert entry_overage == february.overage_minutes


def test_csv_lists_entries_and_totals_and_defuses_formulas():
    bank = make_bank("2")
    _history(bank)
    rows = list(csv.reader(io.StringIO(statements.to_csv(statements.build(bank.contract, JAN)))))
    assert rows[0] == list(statements.CSV_HEADER)
    assert rows[1][:6] == ["2026-01-10", bank.ticket.reference, bank.agent.display_name, "90", "yes", "0"]
    assert rows[1][6].startswith("'=")  # a spreadsheet would run "=cmd…" as a formula
    assert rows[2][3:5] == ["30", "no"]
    totals = dict(row for row in rows if len(row) == 2)
    assert totals["opening_balance_minutes"] == "120"
    assert totals["closing_balance_minutes"] == "30"


def test_the_periodic_job_issues_last_months_statement_once_and_emails_org_admins():
    assert any(job.task == ISSUE_STATEMENTS for job in PERIODIC_JOBS)
    bank = make_bank("2")
    _history(bank)
    with mock.patch("upstream.core.clock.now", return_value=_at(date(2026, 3, 1))):
        issue_monthly_statements.enqueue()
        issue_monthly_statements.enqueue()  # the clock may run it again: nothing new
    statement = Statement.objects.get()
    assert (statement.contract_id, statement.month) == (bank.contract.id, FEB)
    assert (statement.opening_minutes, statement.billable_minutes, statement.non_billable_minutes) == (30, 65, 15)
    assert (statement.overage_minutes, statement.closing_minutes) == (35, -35)
    assert statement.recipients == [bank.org_admin.email]
    mail = OutboundEmail.objects.filter(to=[bank.org_admin.email], subject__contains="2026-02").get()
    assert mail.language == "zh-hans"
    assert f"/portal/hours/{bank.contract.id}/2026-02/" in mail.body_text


def test_contracts_without_a_bank_or_time_get_no_statement():
    bank = make_bank("0")
    with mock.patch("upstream.core.clock.now", return_value=_at(date(2026, 3, 2))):
        assert statements.issue_due(_at(date(2026, 3, 2))) == 0
    assert not Statement.objects.filter(contract=bank.contract).exists()


def test_a_missed_first_is_caught_up_and_issue_is_idempotent():
    bank = make_bank("2")
    _history(bank)
    assert statements.issue_due(_at(date(2026, 3, 4))) == 1
    assert statements.issue(bank.contract, FEB) is None
    assert statements.issue_due(_at(date(2026, 3, 5))) == 0
    assert Statement.objects.count() == 1
