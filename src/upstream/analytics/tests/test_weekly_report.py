"""The weekly report to team leads: sent once per lead and week, through the notification and the outbox."""

from __future__ import annotations

from datetime import date

from upstream.analytics import maintenance, reports, tasks
from upstream.analytics.models import WeeklyReport
from upstream.analytics.tests.world import World
from upstream.core import clock
from upstream.notifications.models import Notification, OutboundEmail


def test_each_lead_gets_last_weeks_report_once(history: World) -> None:
    maintenance.catch_up(clock.now())
    history.at(24 * 7 + 2)  # Monday 23 November: last week is 16–22 November
    sent = reports.send_weekly_reports(clock.now())
    assert {s.lead_id for s in sent} == {history.lead.pk, history.lead2.pk}
    assert {s.week_start for s in sent} == {date(2026, 11, 16)}
    report = WeeklyReport.objects.get(lead=history.lead)
    assert report.summary["tickets_created"] == 3  # Platform's tickets: t1, t2, t3
    emails = [e for e in OutboundEmail.objects.all() if history.lead.email in str(e.to)]
    assert len(emails) == 1
    assert "2026-11-16" in emails[0].subject
    assert (
        "Tickets created" in emails[0].body_text and "/analytics/?from=2026-11-16&to=2026-11-22" in emails[0].body_text
    )
    assert Notification.objects.filter(user=history.lead).count() == 1
    # A second run that week, or the periodic task, sends nothing more.
    assert reports.send_weekly_reports(clock.now()) == []
    assert tasks.weekly_reports.call() == 0
    assert len([e for e in OutboundEmail.objects.all() if history.lead.email in str(e.to)]) == 1
    # The next week, a new one.
    history.at(24 * 14 + 2)
    assert len(reports.send_weekly_reports(clock.now())) == 2
    assert WeeklyReport.objects.filter(lead=history.lead).count() == 2


def test_agents_who_lead_nothing_get_no_report(history: World) -> None:
    history.at(24 * 7 + 2)
    reports.send_weekly_reports(clock.now())
    assert not WeeklyReport.objects.filter(lead__in=[history.ada, history.bo, history.admin]).exists()
