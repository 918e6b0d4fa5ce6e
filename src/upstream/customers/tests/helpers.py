"""Helpers of the customers tests (not shared factories: those are in core/testing.py)."""

from __future__ import annotations

from datetime import date, timedelta

from upstream.accounts.models import Team
from upstream.core.testing import make_team
from upstream.customers.models import EntitlementSettings


def presales_team(name: str = "Presales & community") -> Team:
    """Configure (and return) the team that receives requests without entitlement."""
    team = make_team(name)
    EntitlementSettings.objects.update_or_create(id=1, defaults={"unentitled_team": team})
    return team


def days(n: int) -> date:
    return date.today() + timedelta(days=n)
