"""Pure survey rules: score ranges, NPS arithmetic, NPS cadence/eligibility, CSAT re-survey. No Django imports;
the clock is passed in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

CSAT_MIN, CSAT_MAX = 1, 5
NPS_MIN, NPS_MAX = 0, 10
PROMOTER_FROM = 9
DETRACTOR_UNTIL = 6


class ScoreOutOfRange(ValueError):
    """A score outside the survey's scale."""


def check_score(score: object, low: int, high: int) -> int:
    """The score as an int, or ScoreOutOfRange (bools and non-integers are refused too)."""
    if isinstance(score, bool) or not isinstance(score, int):
        raise ScoreOutOfRange(f"score must be a whole number from {low} to {high}")
    if not low <= score <= high:
        raise ScoreOutOfRange(f"score must be from {low} to {high}")
    return score


def check_csat(score: object) -> int:
    return check_score(score, CSAT_MIN, CSAT_MAX)


def check_nps(score: object) -> int:
    return check_score(score, NPS_MIN, NPS_MAX)


def is_low_csat(score: int, threshold: int) -> bool:
    return score <= threshold


def nps_category(score: int) -> str:
    """promoter (9–10), passive (7–8) or detractor (0–6)."""
    if score >= PROMOTER_FROM:
        return "promoter"
    if score <= DETRACTOR_UNTIL:
        return "detractor"
    return "passive"


@dataclass(frozen=True)
class NpsFigures:
    responses: int
    promoters: int
    passives: int
    detractors: int

    @property
    def score(self) -> float | None:
        """%promoters − %detractors, from −100 to 100; None without responses."""
        if not self.responses:
            return None
        return round(100 * (self.promoters - self.detractors) / self.responses, 1)


def nps_figures(scores: Iterable[int]) -> NpsFigures:
    counts = {"promoter": 0, "passive": 0, "detractor": 0}
    total = 0
    for score in scores:
        counts[nps_category(score)] += 1
        total += 1
    return NpsFigures(total, counts["promoter"], counts["passive"], counts["detractor"])


def nps_gap_days(cadence_days: int, min_days_between: int) -> int:
    """Days that must pass after the last NPS survey to a contact: the cadence, but never less than the minimum."""
    return max(cadence_days, min_days_between, 1)


def nps_due(last_sent_at: datetime | None, now: datetime, cadence_days: int, min_days_between: int) -> bool:
    """Whether a contact last surveyed at `last_sent_at` (None: never) is due for an NPS survey at `now`."""
    if last_sent_at is None:
        return True
    return now - last_sent_at >= timedelta(days=nps_gap_days(cadence_days, min_days_between))


def nps_due_since(now: datetime, cadence_days: int, min_days_between: int) -> datetime:
    """Contacts whose last survey was sent at or before this moment are due (the query form of `nps_due`)."""
    return now - timedelta(days=nps_gap_days(cadence_days, min_days_between))


def should_create_csat(existing_answered: bool | None) -> bool:
    """On a transition to resolved: `existing_answered` is None without a survey yet, else whether it was answered.

    One survey per ticket: a reopened ticket resolved again is not asked a second time; an unanswered survey is
    re-sent (fresh link, new sent_at) instead, because the customer may not have seen the first one."""
    return existing_answered is not True


def onboarding_visit_date(first_contract_start: date, after_days: int) -> date:
    return first_contract_start + timedelta(days=after_days)


# An onboarding visit is scheduled only within this many days of its date: a missed daily run catches up, but a
# customer who started long before surveys were switched on is not interviewed "after onboarding" years later.
ONBOARDING_GRACE_DAYS = 30


def onboarding_visit_due(first_contract_start: date, today: date, after_days: int) -> bool:
    due_on = onboarding_visit_date(first_contract_start, after_days)
    return due_on <= today <= due_on + timedelta(days=ONBOARDING_GRACE_DAYS)
