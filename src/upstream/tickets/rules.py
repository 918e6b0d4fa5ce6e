"""Pure ticket rules: statuses and their transitions, category urgency. No database, no Django models."""

from __future__ import annotations

from enum import StrEnum


class StatusValue(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING_CUSTOMER = "waiting_customer"
    WAITING_INTERNAL = "waiting_internal"
    RESOLVED = "resolved"
    CLOSED = "closed"


# Which status may follow which. Closed is final: a customer who writes again gets a new ticket.
TRANSITIONS: dict[str, frozenset[str]] = {
    StatusValue.NEW: frozenset(
        {StatusValue.OPEN, StatusValue.WAITING_CUSTOMER, StatusValue.WAITING_INTERNAL, StatusValue.RESOLVED,
         StatusValue.CLOSED}
    ),
    StatusValue.OPEN: frozenset(
        {StatusValue.WAITING_CUSTOMER, StatusValue.WAITING_INTERNAL, StatusValue.RESOLVED, StatusValue.CLOSED}
    ),
    StatusValue.WAITING_CUSTOMER: frozenset(
        {StatusValue.OPEN, StatusValue.WAITING_INTERNAL, StatusValue.RESOLVED, StatusValue.CLOSED}
    ),
    StatusValue.WAITING_INTERNAL: frozenset(
        {StatusValue.OPEN, StatusValue.WAITING_CUSTOMER, StatusValue.RESOLVED, StatusValue.CLOSED}
    ),
    StatusValue.RESOLVED: frozenset({StatusValue.OPEN, StatusValue.CLOSED}),
    StatusValue.CLOSED: frozenset(),
}  # fmt: skip

# Statuses in which a ticket still needs work from someone; the inbox queues show only these.
ACTIVE_STATUSES: tuple[str, ...] = (
    StatusValue.NEW,
    StatusValue.OPEN,
    StatusValue.WAITING_CUSTOMER,
    StatusValue.WAITING_INTERNAL,
)


def allowed_next(status: str) -> frozenset[str]:
    return TRANSITIONS[status]


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS[current]


def status_after_customer_message(current: str) -> str | None:
    """A customer writing on a ticket waiting for them, or already resolved, puts it back in the agents' court."""
    if current in (StatusValue.WAITING_CUSTOMER, StatusValue.RESOLVED):
        return StatusValue.OPEN
    return None


def status_after_agent_reply(current: str) -> str | None:
    """The first public reply moves a new ticket to open."""
    return StatusValue.OPEN if current == StatusValue.NEW else None


class CategoryValue(StrEnum):
    OUTAGE = "outage"
    ONBOARDING = "onboarding"
    DEFECT = "defect"
    PRESALES = "presales"
    HOWTO = "howto"


# Urgency order of categories, most urgent first, and the priority each suggests when none is given.
CATEGORY_URGENCY: tuple[str, ...] = tuple(CategoryValue)
DEFAULT_PRIORITY: dict[str, int] = {
    CategoryValue.OUTAGE: 1,
    CategoryValue.ONBOARDING: 2,
    CategoryValue.DEFECT: 3,
    CategoryValue.PRESALES: 3,
    CategoryValue.HOWTO: 4,
}


def default_priority(category: str) -> int:
    return DEFAULT_PRIORITY[category]


def format_number(prefix: str, number: int) -> str:
    return f"{prefix}-{number}"


def parse_number(text: str | int, prefix: str) -> int | None:
    """`UP-10234`, `up-10234`, `10234` or 10234 → 10234; anything else → None."""
    if isinstance(text, int):
        return text if text > 0 else None
    cleaned = text.strip()
    head, sep, tail = cleaned.rpartition("-")
    if sep and head.upper() != prefix.upper():
        return None
    digits = tail if sep else cleaned
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        return None
    number = int(digits)
    return number if number > 0 else None
