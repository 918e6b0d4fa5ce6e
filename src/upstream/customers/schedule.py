"""How a contract's status moves with the calendar. Pure: stdlib only, the day is passed in.

    trial ──(term over)──────────────────────────────▶ expired
    active ─(term over)──▶ grace ─(grace days over)──▶ expired
    active ─(term over, an exit is recorded)─────────▶ expired   (no grace for a contract that will not be renewed)
    terminated, expired: final for the schedule

A trial that ends is *not* converted by the schedule: it converts when someone renews it into a paid term (the
renewal is a new contract). "Terminated" is never reached by the schedule; only ending a contract deliberately
(`lifecycle.end_contract`) sets it. A grace period entitles the organisation to support while the renewal is
negotiated; a plan with 0 grace days goes straight to expired.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum


class Status(StrEnum):
    """The values of `models.ContractStatus`, restated here so this module needs no Django."""

    TRIAL = "trial"
    ACTIVE = "active"
    GRACE = "grace"
    EXPIRED = "expired"
    TERMINATED = "terminated"


ENTITLING = frozenset({Status.TRIAL, Status.ACTIVE, Status.GRACE})

# How far each status is from the end of a contract's life; the schedule only ever moves forward on this scale.
RANK = {Status.TRIAL: 0, Status.ACTIVE: 0, Status.GRACE: 1, Status.EXPIRED: 2, Status.TERMINATED: 3}


def grace_ends_on(ends_on: date, grace_days: int) -> date:
    """The last day of the grace period (the term's last day when there is none)."""
    return ends_on + timedelta(days=max(grace_days, 0))


def status_on(status: str, *, ends_on: date, grace_days: int, today: date, exit_recorded: bool = False) -> Status:
    """The status a contract should have on `today`, given the status it has now."""
    current = Status(status)
    if current in (Status.EXPIRED, Status.TERMINATED) or today <= ends_on:
        return current
    if current == Status.TRIAL or exit_recorded:
        return Status.EXPIRED
    if today <= grace_ends_on(ends_on, grace_days):
        return Status.GRACE
    return Status.EXPIRED


def entitles_on(
    status: str,
    *,
    starts_on: date,
    ends_on: date,
    grace_days: int,
    day: date,
    exit_recorded: bool = False,
) -> bool:
    """Whether a contract entitles its organisation to support on `day`.

    Read through the schedule, so a contract whose status the periodic job has not moved yet (it runs hourly)
    already counts as what it is about to become.
    """
    if day < starts_on:
        return False
    effective = status_on(status, ends_on=ends_on, grace_days=grace_days, today=day, exit_recorded=exit_recorded)
    return effective in ENTITLING
