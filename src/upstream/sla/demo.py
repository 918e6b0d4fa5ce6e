"""Demo SLA configuration: two business calendars and a policy matrix for every support plan plus the fallback.

Called by `upstream generate --demo` after the reference data (plans) exists; safe to run again (calendars are found by
name, holiday imports are idempotent, policies are set cell by cell).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from upstream.accounts.models import User
from upstream.customers.models import PlanTier, Priority, SupportPlan
from upstream.sla import services
from upstream.sla.models import BusinessCalendar, ZoneSource

BEIJING = "Beijing business hours"
BERLIN = "Berlin office hours"
_BEIJING_DAY = [["09:00", "12:00"], ["13:30", "18:00"]]
_BERLIN_DAY = [["09:00", "17:00"]]

H = 60
# tier -> priority -> (first response, next response, resolution) in minutes, and whether they count around the clock
TARGETS: dict[str | None, dict[int, tuple[int, int, int | None, bool]]] = {
    PlanTier.ENTERPRISE: {
        Priority.P1: (30, 1 * H, 4 * H, True),
        Priority.P2: (1 * H, 2 * H, 16 * H, False),
        Priority.P3: (4 * H, 8 * H, 40 * H, False),
        Priority.P4: (8 * H, 16 * H, None, False),
    },
    PlanTier.PREMIUM: {
        Priority.P1: (1 * H, 2 * H, 8 * H, True),
        Priority.P2: (2 * H, 4 * H, 24 * H, False),
        Priority.P3: (8 * H, 16 * H, 80 * H, False),
        Priority.P4: (16 * H, 24 * H, None, False),
    },
    PlanTier.STANDARD: {
        Priority.P1: (2 * H, 4 * H, 16 * H, False),
        Priority.P2: (4 * H, 8 * H, 40 * H, False),
        Priority.P3: (8 * H, 16 * H, 80 * H, False),
        Priority.P4: (16 * H, 24 * H, None, False),
    },
    PlanTier.BASIC: {
        Priority.P1: (4 * H, 8 * H, 40 * H, False),
        Priority.P2: (8 * H, 16 * H, 80 * H, False),
        Priority.P3: (16 * H, 24 * H, None, False),
        Priority.P4: (24 * H, 40 * H, None, False),
    },
    None: {  # the fallback, for tickets without an active contract: P1 around the clock, the rest in business hours
        Priority.P1: (1 * H, 4 * H, 24 * H, True),
        Priority.P2: (4 * H, 8 * H, 40 * H, False),
        Priority.P3: (8 * H, 16 * H, None, False),
        Priority.P4: (16 * H, 24 * H, None, False),
    },
}


# tier -> service credit terms (monthly fee in CNY, % of it per breach, monthly cap %); basic plans carry none.
CREDIT_TERMS: dict[str, tuple[Decimal, Decimal, Decimal]] = {
    PlanTier.ENTERPRISE: (Decimal("80000"), Decimal("5"), Decimal("20")),
    PlanTier.PREMIUM: (Decimal("30000"), Decimal("5"), Decimal("15")),
    PlanTier.STANDARD: (Decimal("12000"), Decimal("2.5"), Decimal("10")),
}


@dataclass
class SlaDemo:
    beijing: BusinessCalendar
    berlin: BusinessCalendar
    policies: int


def _calendar(name: str, zone: str, day: list[list[str]], description: str, by: User | None) -> BusinessCalendar:
    existing = BusinessCalendar.objects.filter(name=name).first()
    if existing is not None:
        return existing
    return services.save_calendar(
        by=by,
        name=name,
        time_zone=zone,
        hours={weekday: day for weekday in ("mon", "tue", "wed", "thu", "fri")},
        description=description,
    )


def load_sla_demo(*, now: datetime, by: User | None = None) -> SlaDemo:
    """Create the demo calendars (with this year's and next year's public holidays) and the policy matrix."""
    beijing = _calendar(
        BEIJING,
        "Asia/Shanghai",
        _BEIJING_DAY,
        "Support desk in Beijing: 09:00–12:00 and 13:30–18:00 on workdays, Chinese public holidays and 调休.",
        by,
    )
    berlin = _calendar(BERLIN, "Europe/Berlin", _BERLIN_DAY, "Engineering in Berlin, German public holidays.", by)
    for year in (now.year, now.year + 1):
        services.import_holidays(beijing, country="CN", year=year, by=by)
        services.import_holidays(berlin, country="DE", year=year, by=by)
    count = 0
    plans: list[SupportPlan | None] = [None, *SupportPlan.objects.order_by("name")]
    for plan in plans:
        tier = plan.tier if plan is not None else None
        standard = tier == PlanTier.STANDARD  # "business hours in the customer's time zone"
        for priority, (first, following, resolution, around_the_clock) in TARGETS[tier].items():
            calendar = None if around_the_clock else beijing
            services.save_policy(
                by=by,
                plan=plan,
                priority=priority,
                first_response_minutes=first,
                next_response_minutes=following,
                resolution_minutes=resolution,
                first_response_calendar=calendar,
                next_response_calendar=calendar,
                resolution_calendar=calendar,
                zone_source=ZoneSource.CUSTOMER if standard and not around_the_clock else ZoneSource.VENDOR,
            )
            count += 1
    _credit_terms()
    return SlaDemo(beijing=beijing, berlin=berlin, policies=count)


def _credit_terms() -> None:
    """Service credit terms for the demo plans that have none yet (an edited plan keeps its own)."""
    for plan in SupportPlan.objects.filter(monthly_fee=0, tier__in=list(CREDIT_TERMS)):
        plan.monthly_fee, plan.credit_percent_per_breach, plan.credit_cap_percent = CREDIT_TERMS[plan.tier]
        plan.save(update_fields=["monthly_fee", "credit_percent_per_breach", "credit_cap_percent"])
