"""The pure survey rules: score ranges, NPS arithmetic, cadence and the one-survey-per-ticket rule."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstream.surveys import rules

pytestmark = pytest.mark.smoke

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("score", [0, 6, -1, 10, 2.5, "3", True, None])
def test_csat_scores_outside_1_to_5_or_not_whole_numbers_are_refused(score):
    with pytest.raises(rules.ScoreOutOfRange):
        rules.check_csat(score)


@pytest.mark.parametrize("score", [-1, 11, 100, 7.0, "9", False])
def test_nps_scores_outside_0_to_10_are_refused(score):
    with pytest.raises(rules.ScoreOutOfRange):
        rules.check_nps(score)


def test_every_valid_score_is_accepted():
    assert [rules.check_csat(s) for s in range(1, 6)] == [1, 2, 3, 4, 5]
    assert [rules.check_nps(s) for s in range(0, 11)] == list(range(11))


def test_nps_categories_and_score():
    assert [rules.nps_category(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter",
    ]  # fmt: skip
    figures = rules.nps_figures([10, 9, 9, 8, 3])
    assert (figures.promoters, figures.passives, figures.detractors) == (3, 1, 1)
    assert figures.score == 40.0
    assert rules.nps_figures([]).score is None


@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=200))
def test_nps_is_between_minus_100_and_100_and_counts_add_up(scores):
    figures = rules.nps_figures(scores)
    assert figures.promoters + figures.passives + figures.detractors == len(scores)
    assert figures.score is not None and -100 <= figures.score <= 100


def test_a_contact_never_asked_is_due_and_one_just_asked_is_not():
    assert rules.nps_due(None, T0, cadence_days=90, min_days_between=60)
    assert not rules.nps_due(T0, T0 + timedelta(days=89), cadence_days=90, min_days_between=60)
    assert rules.nps_due(T0, T0 + timedelta(days=90), cadence_days=90, min_days_between=60)


def test_the_minimum_gap_wins_over_a_shorter_cadence():
    assert not rules.nps_due(T0, T0 + timedelta(days=30), cadence_days=7, min_days_between=60)
    assert rules.nps_due(T0, T0 + timedelta(days=60), cadence_days=7, min_days_between=60)


@given(
    cadence=st.integers(min_value=1, max_value=400),
    minimum=st.integers(min_value=1, max_value=400),
    steps=st.lists(st.integers(min_value=0, max_value=60 * 24 * 30), min_size=1, max_size=60),
)
def test_a_daily_sender_never_asks_more_often_than_every_n_days(cadence, minimum, steps):
    """Simulate the job running at arbitrary moments: two surveys to one contact are always ≥ N days apart."""
    now, sent = T0, []
    for minutes in steps:
        now += timedelta(minutes=minutes)
        if rules.nps_due(sent[-1] if sent else None, now, cadence, minimum):
            sent.append(now)
    gap = timedelta(days=max(cadence, minimum))
    assert all(later - earlier >= gap for earlier, later in itertools.pairwise(sent))


@given(
    last=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
    offset=st.integers(min_value=0, max_value=3 * 365 * 24 * 60),
    cadence=st.integers(min_value=1, max_value=400),
    minimum=st.integers(min_value=1, max_value=400),
)
def test_the_query_form_agrees_with_the_rule(last, offset, cadence, minimum):
    now = last + timedelta(minutes=offset)
    since = rules.nps_due_since(now, cadence, minimum)
    assert rules.nps_due(last, now, cadence, minimum) == (last <= since)


def test_a_ticket_is_asked_once_unless_the_first_survey_went_unanswered():
    assert rules.should_create_csat(None)
    assert rules.should_create_csat(False)
    assert not rules.should_create_csat(True)


def test_low_rating_threshold_is_inclusive():
    assert rules.is_low_csat(2, 2) and not rules.is_low_csat(3, 2)


def test_onboarding_visit_falls_due_after_n_days_within_a_grace_window():
    start = date(2026, 3, 1)
    assert not rules.onboarding_visit_due(start, date(2026, 3, 30), after_days=30)
    assert rules.onboarding_visit_due(start, date(2026, 3, 31), after_days=30)
    assert rules.onboarding_visit_due(start, date(2026, 4, 30), after_days=30)
    assert not rules.onboarding_visit_due(start, date(2026, 5, 1), after_days=30)
