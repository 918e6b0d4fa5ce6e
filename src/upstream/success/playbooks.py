"""Playbook rules → the tasks to create today. Pure (no Django); the clock comes in as `today`.

Each matching rule yields a task with a *period key*: the same situation yields the same key on every run, so the
daily evaluation is idempotent (a unique constraint on organisation + source + period key backs it up):

- no interaction for N days: the key is the day of the last interaction, so one silence yields one task; the next
  interaction starts a new period.
- renewal in N days: the key is the contract and its end date; a rule matches only inside its own window, between N
  and the next smaller renewal milestone (90/60/30: the 90-day task is due 90–61 days before, …), so a contract
  entered 50 days before its end gets the 60-day task, not three at once.
- health below X: the key is the calendar month, so a customer that stays below X yields one task a month.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any


class PlaybookKind(StrEnum):
    NO_INTERACTION = "no_interaction"
    RENEWAL = "renewal"
    HEALTH_BELOW = "health_below"

    def parameter_range(self) -> tuple[int, int]:
        """The sensible values of the rule's parameter (days, or a score threshold)."""
        return (1, 100) if self is PlaybookKind.HEALTH_BELOW else (1, 3650)


@dataclass(frozen=True)
class Rule:
    id: int
    kind: PlaybookKind
    parameter: int
    due_in_days: int


@dataclass(frozen=True)
class Renewal:
    contract_id: int
    ends_on: date


@dataclass(frozen=True)
class OrgState:
    organisation_id: int
    account_manager_id: int | None
    last_interaction_on: date | None
    renewal: Renewal | None
    health_score: int | None


@dataclass(frozen=True)
class TaskToCreate:
    organisation_id: int
    assignee_id: int
    rule_id: int
    kind: PlaybookKind
    period_key: str
    due_on: date
    facts: dict[str, Any] = field(default_factory=dict)


def renewal_windows(rules: Iterable[Rule]) -> dict[int, tuple[int, int]]:
    """Rule id → the (exclusive low, inclusive high) days-to-renewal window in which the rule fires."""
    ordered = sorted((r for r in rules if r.kind is PlaybookKind.RENEWAL), key=lambda r: (r.parameter, r.id))
    windows: dict[int, tuple[int, int]] = {}
    below = -1
    for rule in ordered:
        windows[rule.id] = (below, rule.parameter)
        below = rule.parameter
    return windows


def _match(rule: Rule, state: OrgState, today: date, windows: dict[int, tuple[int, int]]) -> TaskToCreate | None:
    assert state.account_manager_id is not None
    facts: dict[str, Any]
    if rule.kind is PlaybookKind.NO_INTERACTION:
        last = state.last_interaction_on
        if last is not None and (today - last).days < rule.parameter:
            return None
        key = f"{rule.id}:{last.isoformat() if last else 'never'}"
        facts = {"days": None if last is None else (today - last).days, "last": last.isoformat() if last else None}
    elif rule.kind is PlaybookKind.RENEWAL:
        renewal = state.renewal
        if renewal is None:
            return None
        days = (renewal.ends_on - today).days
        low, high = windows[rule.id]
        if not low < days <= high:
            return None
        key = f"{rule.id}:{renewal.contract_id}:{renewal.ends_on.isoformat()}"
        facts = {"days": days, "ends_on": renewal.ends_on.isoformat(), "contract_id": renewal.contract_id}
    else:
        if state.health_score is None or state.health_score >= rule.parameter:
            return None
        key = f"{rule.id}:{today:%Y-%m}"
        facts = {"score": state.health_score, "threshold": rule.parameter}
    return TaskToCreate(
        organisation_id=state.organisation_id,
        assignee_id=state.account_manager_id,
        rule_id=rule.id,
        kind=rule.kind,
        period_key=key,
        due_on=today + timedelta(days=rule.due_in_days),
        facts=facts,
    )


def tasks_to_create(rules: Sequence[Rule], states: Iterable[OrgState], today: date) -> list[TaskToCreate]:
    """Every (organisation, rule) match today. Organisations without an account manager get none: nobody would own
    the task (the overview lists them under "no account manager")."""
    windows = renewal_windows(rules)
    found = []
    for state in states:
        if state.account_manager_id is None:
            continue
        for rule in rules:
            task = _match(rule, state, today, windows)
            if task is not None:
                found.append(task)
    return found
