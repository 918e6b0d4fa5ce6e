"""The health score: an organisation's factor values → 0–100 points per factor → one weighted score. Pure (no Django).

Each factor maps a measured value to points by the rule in its function below (100 = healthy, 0 = alarming); the
rules and thresholds are documented in docs/success.md. The score is the weighted mean of the points of the factors
that have data; a factor without data (no answered survey, no current contract, no prepaid hours) is left out and the
remaining weights are renormalised, which the explanation says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Factor(StrEnum):
    TICKET_TREND = "ticket_trend"
    OPEN_URGENT = "open_urgent"
    SLA_BREACHES = "sla_breaches"
    CSAT = "csat"
    NPS = "nps"
    LAST_INTERACTION = "last_interaction"
    RENEWAL = "renewal"
    HOURS_USED = "hours_used"


DEFAULT_WEIGHTS: dict[Factor, int] = {
    Factor.TICKET_TREND: 15,
    Factor.OPEN_URGENT: 15,
    Factor.SLA_BREACHES: 15,
    Factor.CSAT: 10,
    Factor.NPS: 10,
    Factor.LAST_INTERACTION: 15,
    Factor.RENEWAL: 10,
    Factor.HOURS_USED: 10,
}
MAX_WEIGHT = 100
DEFAULT_RISK_THRESHOLD = 60

# Windows the inputs are measured over (days).
TREND_RECENT_DAYS = 30
TREND_BASELINE_DAYS = 90
SLA_WINDOW_DAYS = 90
SURVEY_WINDOW_DAYS = 365

# Thresholds of the point rules.
TREND_CALM_RATIO = 1.0  # at or below the baseline: full points
TREND_ALARM_RATIO = 3.0  # three times the baseline: no points
TREND_MIN_BASELINE = 1.0  # a customer with no earlier tickets is compared with one ticket a month
P1_COST = 50
P2_COST = 25
BREACH_COST = 20
INTERACTION_FRESH_DAYS = 14  # full points up to two weeks of silence …
INTERACTION_COLD_DAYS = 90  # … none after three months
RENEWAL_SAFE_DAYS = 180  # renewal half a year away or more: full points; on the day: none
HOURS_FLOOR_POINTS = 40  # prepaid hours untouched: the customer is not getting the value they paid for
HOURS_HEALTHY_PERCENT = 50  # half the prepaid hours used or more: full points


class Excluded(StrEnum):
    NO_DATA = "no_data"
    ZERO_WEIGHT = "zero_weight"


@dataclass(frozen=True)
class Inputs:
    """What was measured for one organisation. None: no data for that factor."""

    tickets_recent: int = 0
    tickets_baseline: int = 0
    open_p1: int = 0
    open_p2: int = 0
    sla_breaches: int = 0
    csat_average: float | None = None
    csat_answers: int = 0
    nps: float | None = None
    nps_answers: int = 0
    days_since_interaction: int | None = None
    days_to_renewal: int | None = None
    hours_percent_used: float | None = None


@dataclass(frozen=True)
class FactorScore:
    factor: Factor
    points: float | None  # 0–100; None when excluded
    weight: int  # as configured
    share: float  # the weight's share of the score after renormalisation, 0–1; 0 when excluded
    excluded: Excluded | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def contribution(self) -> float:
        return 0.0 if self.points is None else self.points * self.share


@dataclass(frozen=True)
class Score:
    score: int | None  # None: no factor with data and weight, so no score
    factors: tuple[FactorScore, ...]

    @property
    def renormalised(self) -> bool:
        return any(f.excluded == Excluded.NO_DATA and f.weight > 0 for f in self.factors)

    def as_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "renormalised": self.renormalised,
            "factors": [
                {
                    "factor": f.factor.value,
                    "points": None if f.points is None else round(f.points, 1),
                    "weight": f.weight,
                    "share": round(f.share, 4),
                    "excluded": f.excluded.value if f.excluded else None,
                    "detail": f.detail,
                }
                for f in self.factors
            ],
        }


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


def _linear(value: float, full_at: float, zero_at: float) -> float:
    """100 points at `full_at`, 0 at `zero_at`, a straight line between (either direction), clamped outside."""
    if full_at == zero_at:
        return 100.0 if value == full_at else 0.0
    return _clamp(100.0 * (value - zero_at) / (full_at - zero_at))


def ticket_trend_points(recent: int, baseline: int) -> float:
    """Tickets of the last 30 days against the monthly average of the 90 days before: at or below it 100, three
    times it 0, linear between. Fewer recent or more earlier tickets never lower the points."""
    monthly = max(baseline * TREND_RECENT_DAYS / TREND_BASELINE_DAYS, TREND_MIN_BASELINE)
    return _linear(recent / monthly, TREND_CALM_RATIO, TREND_ALARM_RATIO)


def open_urgent_points(p1: int, p2: int) -> float:
    """100 less 50 per open P1 and 25 per open P2."""
    return _clamp(100.0 - P1_COST * p1 - P2_COST * p2)


def sla_breach_points(breaches: int) -> float:
    """100 less 20 per breach in the last 90 days (five or more: 0)."""
    return _clamp(100.0 - BREACH_COST * breaches)


def csat_points(average: float) -> float:
    """The 1–5 average on a 0–100 scale: 1 → 0, 3 → 50, 5 → 100."""
    return _linear(average, 5.0, 1.0)


def nps_points(nps: float) -> float:
    """NPS (−100 to 100) on a 0–100 scale: −100 → 0, 0 → 50, 100 → 100."""
    return _linear(nps, 100.0, -100.0)


def last_interaction_points(days: int) -> float:
    """Up to 14 days since anyone spoke with the customer: 100; 90 days or more: 0; linear between."""
    return _linear(float(days), INTERACTION_FRESH_DAYS, INTERACTION_COLD_DAYS)


def renewal_points(days: int) -> float:
    """180 days or more to the current contract's end: 100; on the day (or past it): 0; linear between."""
    return _linear(float(days), RENEWAL_SAFE_DAYS, 0.0)


def hours_points(percent_used: float) -> float:
    """Prepaid consulting hours used: none 40, half or more 100 (over 100 % still counts as engaged), linear
    between."""
    return _clamp(HOURS_FLOOR_POINTS + (100 - HOURS_FLOOR_POINTS) * percent_used / HOURS_HEALTHY_PERCENT)


def factor_points(inputs: Inputs) -> dict[Factor, tuple[float | None, dict[str, Any]]]:
    """Each factor's points (None: no data) and the values it was computed from."""
    i = inputs
    monthly = round(i.tickets_baseline * TREND_RECENT_DAYS / TREND_BASELINE_DAYS, 1)
    return {
        Factor.TICKET_TREND: (
            ticket_trend_points(i.tickets_recent, i.tickets_baseline),
            {"recent": i.tickets_recent, "baseline": i.tickets_baseline, "monthly_average": monthly},
        ),
        Factor.OPEN_URGENT: (open_urgent_points(i.open_p1, i.open_p2), {"p1": i.open_p1, "p2": i.open_p2}),
        Factor.SLA_BREACHES: (sla_breach_points(i.sla_breaches), {"breaches": i.sla_breaches}),
        Factor.CSAT: (
            None if i.csat_average is None else csat_points(i.csat_average),
            {"average": None if i.csat_average is None else round(i.csat_average, 2), "answers": i.csat_answers},
        ),
        Factor.NPS: (
            None if i.nps is None else nps_points(i.nps),
            {"nps": None if i.nps is None else round(i.nps), "answers": i.nps_answers},
        ),
        Factor.LAST_INTERACTION: (
            None if i.days_since_interaction is None else last_interaction_points(i.days_since_interaction),
            {"days": i.days_since_interaction},
        ),
        Factor.RENEWAL: (
            None if i.days_to_renewal is None else renewal_points(i.days_to_renewal),
            {"days": i.days_to_renewal},
        ),
        Factor.HOURS_USED: (
            None if i.hours_percent_used is None else hours_points(i.hours_percent_used),
            {"percent": None if i.hours_percent_used is None else round(i.hours_percent_used, 1)},
        ),
    }


def check_weights(weights: Mapping[Factor, int]) -> None:
    """Raise ValueError unless every factor has a weight from 0 to MAX_WEIGHT and at least one is above 0."""
    missing = set(Factor) - set(weights)
    if missing:
        raise ValueError(f"no weight for {', '.join(sorted(missing))}")
    if any(not 0 <= w <= MAX_WEIGHT for w in weights.values()):
        raise ValueError(f"weights must be between 0 and {MAX_WEIGHT}")
    if sum(weights.values()) <= 0:
        raise ValueError("at least one weight must be more than zero")


def combine(
    points: Mapping[Factor, float | None],
    weights: Mapping[Factor, int],
    details: Mapping[Factor, dict[str, Any]] | None = None,
) -> Score:
    """The weighted mean of the factors with data and weight, their weights renormalised to sum to 1."""
    check_weights(weights)
    counted = {f: weights[f] for f in Factor if points.get(f) is not None and weights[f] > 0}
    total = sum(counted.values())
    results = []
    for factor in Factor:
        value = points.get(factor)
        excluded = None
        if value is None:
            excluded = Excluded.NO_DATA
        elif weights[factor] == 0:
            excluded = Excluded.ZERO_WEIGHT
        share = counted[factor] / total if factor in counted else 0.0
        results.append(
            FactorScore(
                factor=factor,
                points=None if value is None else _clamp(value),
                weight=weights[factor],
                share=share,
                excluded=excluded,
                detail=dict((details or {}).get(factor, {})),
            )
        )
    if not total:
        return Score(score=None, factors=tuple(results))
    raw = sum(r.contribution for r in results)
    return Score(score=round(_clamp(raw)), factors=tuple(results))


def score(inputs: Inputs, weights: Mapping[Factor, int]) -> Score:
    mapped = factor_points(inputs)
    return combine({f: p for f, (p, _d) in mapped.items()}, weights, {f: d for f, (_p, d) in mapped.items()})


def nps_from_counts(promoters: int, detractors: int, answers: int) -> float | None:
    """% promoters (9–10) − % detractors (0–6) of the answered surveys; None without answers."""
    if answers <= 0:
        return None
    return 100.0 * (promoters - detractors) / answers


def trend(current: int | None, previous: int | None, *, dead_band: int = 2) -> str:
    """ "up", "down" or "flat" from the previous score to this one; changes within the dead band are flat."""
    if current is None or previous is None or abs(current - previous) <= dead_band:
        return "flat"
    return "up" if current > previous else "down"
