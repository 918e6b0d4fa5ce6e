"""A stored snapshot in words, the sparkline, and the registered periodic jobs."""

from __future__ import annotations

import pytest

from upstream.success import explain, health
from upstream.success.health import Factor

pytestmark = pytest.mark.smoke


def test_each_factor_is_explained_with_its_value_points_and_share():
    result = health.score(
        health.Inputs(
            tickets_recent=3, tickets_baseline=9, sla_breaches=2, days_since_interaction=40, days_to_renewal=90
        ),
        {f: 10 for f in Factor},
    )
    lines = {line.key: line for line in explain.lines(result.as_json())}
    assert lines["ticket_trend"].value == "3 in the last 30 days; 3.0 a month over the 90 days before"
    assert lines["sla_breaches"].value == "2 breaches" and lines["sla_breaches"].points == 60
    assert lines["last_interaction"].value == "40 days"
    assert lines["csat"].value == "no answered survey in the last 365 days" and lines["csat"].note.startswith("No data")
    assert lines["hours_used"].value == "no prepaid consulting hours"
    # Five factors with data and equal weights: 20 % each; the excluded ones count 0 %.
    assert lines["renewal"].share_percent == 20 and lines["nps"].share_percent == 0
    assert explain.summary(result.as_json()).startswith("Factors without data are left out")


def test_unknown_factors_of_older_rules_are_skipped():
    assert explain.lines({"factors": [{"factor": "gone", "points": 3}]}) == []


def test_sparkline_points_span_the_width_and_invert_the_score():
    assert explain.sparkline([]) == ""
    assert explain.sparkline([("d1", 100), ("d2", 0)], width=100, height=50) == "0.0,0.0 100.0,50.0"
    assert explain.sparkline([("d1", 50)], width=100, height=50) == "0,25.0 100,25.0"


def test_the_daily_run_and_the_reminders_are_periodic_jobs():
    from datetime import timedelta

    from upstream.core.periodic import PERIODIC_JOBS

    jobs = {job.task: job.every for job in PERIODIC_JOBS}
    assert jobs["upstream.success.tasks.run_playbooks"] == timedelta(days=1)
    assert jobs["upstream.success.tasks.send_task_reminders"] == timedelta(hours=1)
