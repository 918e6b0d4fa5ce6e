"""A calendar's working time per local date, e.g. the 14-day preview of the calendar editor. Pure: no Django."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from upstream.sla.calendar import BusinessCalendar, format_clock


class DayKind:
    WORKDAY = "workday"
    CLOSED = "closed"  # no weekly hours (a weekend)
    HOLIDAY = "holiday"
    EXTRA_WORKDAY = "extra_workday"  # its own hours, e.g. a make-up workday (调休)
    BREAK = "break"  # a one-off closure shortens the day


@dataclass(frozen=True)
class PreviewDay:
    day: date
    kind: str
    intervals: tuple[tuple[str, str], ...]  # local wall times, "24:00" for an interval that runs to midnight
    seconds: int  # real working seconds (a daylight-saving change makes a 24-hour day 23 or 25 h)

    @property
    def hours(self) -> float:
        return self.seconds / 3600

    @property
    def is_working(self) -> bool:
        return self.seconds > 0


def working_days(calendar: BusinessCalendar, start: date, days: int = 14) -> list[PreviewDay]:
    """For each local date from `start`, the working intervals in the calendar's zone and their total."""
    midnights = [
        calendar.localize(datetime.combine(start + timedelta(n), time())).astimezone(UTC) for n in range(days + 1)
    ]
    pieces: dict[int, list[tuple[datetime, datetime]]] = {n: [] for n in range(days)}
    index = 0
    for opening, closing in calendar.working_intervals(midnights[0], midnights[-1]):
        # An interval across midnight is one pair from the engine; the preview shows each date's part.
        while index < days and opening >= midnights[index + 1]:
            index += 1
        cursor, day = opening, index
        while day < days and cursor < closing:
            end = min(closing, midnights[day + 1])
            pieces[day].append((cursor, end))
            cursor, day = end, day + 1
    extra = {day for day, _hours in calendar.extra_workdays}
    breaks = {day for day, _hours in calendar.breaks}
    result = []
    for n in range(days):
        local_day = start + timedelta(n)
        spans = pieces[n]
        result.append(
            PreviewDay(
                day=local_day,
                kind=_kind(local_day, bool(spans), calendar, extra, breaks),
                intervals=tuple((_wall(a, calendar), _wall(b, calendar, end=True)) for a, b in spans),
                seconds=sum(int((b - a).total_seconds()) for a, b in spans),
            )
        )
    return result


def _kind(day: date, working: bool, calendar: BusinessCalendar, extra: set[date], breaks: set[date]) -> str:
    if day in extra:
        return DayKind.EXTRA_WORKDAY
    if day in calendar.holidays:
        return DayKind.HOLIDAY
    if day in breaks:
        return DayKind.BREAK
    return DayKind.WORKDAY if working else DayKind.CLOSED


def _wall(moment: datetime, calendar: BusinessCalendar, *, end: bool = False) -> str:
    local = moment.astimezone(calendar.zone)
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    if end and seconds == 0:
        return "24:00"
    return format_clock(seconds)
