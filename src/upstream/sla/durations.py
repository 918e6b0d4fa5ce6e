"""SLA targets as people write them ("4h", "30m", "1h 30m", "2 小时") and read them. Pure: no Django."""

from __future__ import annotations

import re

_PART = re.compile(r"\s*(\d+)\s*(h|hr|hrs|hours?|小时|時|m|min|mins|minutes?|分钟|分)\s*", re.IGNORECASE)
_CLOCK = re.compile(r"\s*(\d+):([0-5]\d)\s*")


def parse_minutes(text: str) -> int | None:
    """ "4h" → 240, "90m" → 90, "1h 30m" → 90, "1:30" → 90; "" → None (no target). Raises ValueError when the text
    is not a duration with units (a bare "8" could mean minutes or hours, so it is refused)."""
    text = text.strip()
    if not text:
        return None
    clock = _CLOCK.fullmatch(text)
    if clock:
        return int(clock.group(1)) * 60 + int(clock.group(2))
    total, position = 0, 0
    while position < len(text):
        match = _PART.match(text, position)
        if not match or match.end() == position:
            raise ValueError(f"not a duration: {text!r}")
        amount, unit = int(match.group(1)), match.group(2).lower()
        total += amount * 60 if unit[0] in "h小時" else amount
        position = match.end()
    return total


def format_minutes(minutes: int | None) -> str:
    """240 → "4h", 90 → "1h 30m", 45 → "45m"; None → ""."""
    if minutes is None:
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h {rest}m" if rest else f"{hours}h"
