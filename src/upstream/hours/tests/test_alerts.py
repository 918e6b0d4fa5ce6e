"""Alerts at 80% and 100% of the prepaid hours: once per contract and threshold, to the right people."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from upstream.core import clock
from upstream.hours import services
from upstream.hours.models import HoursAlert, TimeEntry
from upstream.hours.tests.world import log, make_bank
from upstream.notifications.models import Notification, OutboundEmail

pytestmark = pytest.mark.django_db


def _contact_mail(bank):
    return OutboundEmail.objects.filter(to=[bank.org_admin.email]).order_by("id")


def test_nothing_below_eighty_percent():
    bank = make_bank("10")
    log(bank, 479)
    assert not HoursAlert.objects.exists()
    assert not Notification.objects.exists()
    assert not _contact_mail(bank).exists()


def test_eighty_percent_alerts_account_manager_team_lead_and_org_admins_once():
    bank = make_bank("10")
    log(bank, 400)
    log(bank, 80)  # 480 of 600 = 80%
    alert = HoursAlert.objects.get()
    assert (alert.contract_id, alert.threshold, alert.used_minutes, alert.prepaid_minutes) == (
        bank.contract.id,
        80,
        480,
        600,
    )
    told = set(Notification.objects.values_list("user_id", flat=True))
    assert told == {bank.manager.id, bank.lead.id}
    manager_note = Notification.objects.get(user=bank.manager)
    assert "80%" in manager_note.text and bank.contract.reference in manager_note.text
    assert manager_note.url == f"/hours/contracts/{bank.contract.id}/"
    mail = _contact_mail(bank).get()
    assert mail.language == "zh-hans"
    assert "80%" in mail.subject and bank.contract.reference in mail.subject
    assert "/portal/hours/" in mail.body_text

    log(bank, 30)  # still above 80%, below 100%: no second alert
    assert HoursAlert.objects.count() == 1
    assert _contact_mail(bank).count() == 1


def test_one_entry_that_jumps_past_both_thresholds_sends_both_alerts():
    bank = make_bank("1")
    log(bank, 90)
    assert sorted(HoursAlert.objects.values_list("threshold", flat=True)) == [80, 100]
    subjects = list(_contact_mail(bank).values_list("subject", flat=True))
    assert len(subjects) == 2


def test_an_org_admin_in_english_gets_english_mail():
    bank = make_bank("1", admin_language="en")
    log(bank, 60)
    subjects = list(_contact_mail(bank).values_list("subject", "language"))
    assert (f"Your prepaid consulting hours are used up ({bank.contract.reference})", "en") in subjects


def test_non_billable_time_and_unbanked_contracts_raise_no_alert():
    bank = make_bank("1")
    log(bank, 600, billable=False)
    assert not HoursAlert.objects.exists()
    empty = make_bank("0")
    log(empty, 60)
    assert not HoursAlert.objects.filter(contract=empty.contract).exists()
    assert TimeEntry.objects.get(contract=empty.contract).overage_minutes == 60


def test_dropping_below_and_crossing_again_does_not_repeat_an_alert():
    bank = make_bank("1")
    entry = log(bank, 50)
    services.edit_entry(by=bank.agent, entry=entry, data=services.EntryInput(duration=10))
    log(bank, 45)
    assert HoursAlert.objects.filter(threshold=80).count() == 1


def test_the_database_refuses_a_second_alert_for_a_threshold():
    bank = make_bank("1")
    HoursAlert.objects.create(contract=bank.contract, threshold=80, used_minutes=50, prepaid_minutes=60,
                              sent_at=clock.now())  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        HoursAlert.objects.create(contract=bank.contract, threshold=80, used_minutes=55, prepaid_minutes=60,
                                  sent_at=clock.now())  # fmt: skip
