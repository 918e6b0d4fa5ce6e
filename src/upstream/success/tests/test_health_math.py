"""The health score's arithmetic: pure, no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstream.success import health
from upstream.success.health import Excluded, Factor

pytestmark = pytest.mark.smoke

points_st = st.one_of(st.none(), st.floats(min_value=0, max_value=100, allow_nan=False))
all_points = st.fixed_dictionaries({f: points_st for f in Factor})
weights_st = st.fixed_dictionaries({f: st.integers(min_value=0, max_value=health.MAX_WEIGHT) for f in Factor}).filter(
    lambda w: sum(w.values()) > 0
)


@given(all_points, weights_st)
def test_the_score_is_between_0_and_100_or_absent(points, weights):
    result = health.combine(points, weights)
    counted = [f for f in Factor if points[f] is not None and weights[f] > 0]
    if counted:
        assert result.score is not None and 0 <= result.score <= 100
    else:
        assert result.score is None


@given(all_points, weights_st)
def test_shares_of_the_counted_factors_add_up_to_one(points, weights):
    result = health.combine(points, weights)
    shares = [f.share for f in result.factors if f.excluded is None]
    if result.score is not None:
        assert sum(shares) == pytest.approx(1.0)
    for item in result.factors:
        if item.excluded is not None:
            assert item.share == 0


@given(all_points, weights_st, st.sampled_from(list(Factor)), st.floats(min_value=0, max_value=100))
def test_the_score_never_falls_when_one_factor_improves(points, weights, factor, better):
    if points[factor] is None:
        return
    improved = {**points, factor: max(points[factor], better)}
    before = health.combine(points, weights).score
    after = health.combine(improved, weights).score
    if before is None:  # no factor with both data and weight: improving one changes nothing
        assert after is None
        return
    assert after is not None and after >= before


def test_missing_data_is_left_out_and_the_other_weights_renormalised():
    weights = {f: 10 for f in Factor}
    points = {f: 80.0 for f in Factor} | {Factor.CSAT: None, Factor.NPS: None}
    result = health.combine(points, weights)
    assert result.score == 80  # six factors at 80: the two without data do not drag it to 60
    csat = next(f for f in result.factors if f.factor == Factor.CSAT)
    assert csat.excluded == Excluded.NO_DATA and csat.share == 0
    assert next(f for f in result.factors if f.factor == Factor.TICKET_TREND).share == pytest.approx(1 / 6)
    assert result.renormalised and result.as_json()["renormalised"] is True


def test_zero_weight_leaves_a_factor_out_without_calling_it_missing():
    weights = {f: 0 for f in Factor} | {Factor.OPEN_URGENT: 1}
    result = health.combine({f: 0.0 for f in Factor} | {Factor.OPEN_URGENT: 100.0}, weights)
    assert result.score == 100
    assert next(f for f in result.factors if f.factor == Factor.CSAT).excluded == Excluded.ZERO_WEIGHT
    assert not result.renormalised


def test_weights_are_checked():
    with pytest.raises(ValueError, match="more than zero"):
        health.check_weights({f: 0 for f in Factor})
    with pytest.raises(ValueError, match="between"):
        health.check_weights({f: 10 for f in Factor} | {Factor.NPS: 101})
    with pytest.raises(ValueError, match="no weight"):
        health.check_weights({Factor.NPS: 1})


@pytest.mark.parametrize(
    ("recent", "baseline", "points"),
    [(0, 0, 100), (1, 0, 100), (2, 0, 50), (3, 0, 0), (3, 9, 100), (6, 9, 50), (9, 9, 0), (30, 9, 0)],
)
def test_ticket_trend_points(recent, baseline, points):
    assert health.ticket_trend_points(recent, baseline) == pytest.approx(points)


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_ticket_trend_points_fall_with_more_recent_tickets(recent, baseline, more):
    assert health.ticket_trend_points(recent + more, baseline) <= health.ticket_trend_points(recent, baseline)
    assert health.ticket_trend_points(recent, baseline + more) >= health.ticket_trend_points(recent, baseline)


def test_point_rules_at_their_thresholds():
    assert health.open_urgent_points(0, 0) == 100
    assert health.open_urgent_points(1, 1) == 25
    assert health.open_urgent_points(2, 0) == 0
    assert health.sla_breach_points(0) == 100 and health.sla_breach_points(2) == 60 and health.sla_breach_points(9) == 0
    assert health.csat_points(1) == 0 and health.csat_points(3) == 50 and health.csat_points(5) == 100
    assert health.nps_points(-100) == 0 and health.nps_points(0) == 50 and health.nps_points(100) == 100
    assert health.last_interaction_points(0) == 100 and health.last_interaction_points(14) == 100
    assert health.last_interaction_points(52) == pytest.approx(50) and health.last_interaction_points(400) == 0
    assert health.renewal_points(365) == 100 and health.renewal_points(90) == 50 and health.renewal_points(-5) == 0
    assert health.hours_points(0) == 40 and health.hours_points(25) == 70 and health.hours_points(180) == 100


@given(st.integers(0, 1000), st.integers(0, 1000))
def test_day_based_rules_are_monotone(a, b):
    low, high = min(a, b), max(a, b)
    assert health.last_interaction_points(high) <= health.last_interaction_points(low)
    assert health.renewal_points(high) >= health.renewal_points(low)
    assert health.sla_breach_points(high) <= health.sla_breach_points(low)
    assert health.hours_points(float(high)) >= health.hours_points(float(low))


def test_nps_from_counts():
    assert health.nps_from_counts(0, 0, 0) is None
    assert health.nps_from_counts(6, 2, 10) == pytest.approx(40)


def test_score_from_inputs_explains_every_factor():
    result = health.score(
        health.Inputs(tickets_recent=4, tickets_baseline=6, open_p1=1, sla_breaches=1, days_since_interaction=3),
        health.DEFAULT_WEIGHTS,
    )
    by_factor = {f.factor: f for f in result.factors}
    assert by_factor[Factor.TICKET_TREND].detail == {"recent": 4, "baseline": 6, "monthly_average": 2.0}
    assert by_factor[Factor.TICKET_TREND].points == 50  # twice the monthly baseline: halfway to alarm
    assert by_factor[Factor.OPEN_URGENT].points == 50
    assert by_factor[Factor.RENEWAL].excluded == Excluded.NO_DATA
    # Four factors with data and equal weights: (50 + 50 + 80 + 100) / 4.
    assert result.score == 70
