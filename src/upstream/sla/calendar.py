"""Business calendars: when a support team works, and arithmetic in business seconds. Pure: no Django.

A calendar is a time zone, working intervals per weekday (wall-clock times, several a day), holidays, make-up workdays
(调休) and one-off breaks. Working time is defined per real instant:

    an instant is working time when its wall-clock reading in the calendar's zone falls inside a working interval
    of that local date.

So daylight-saving changes are exact without a special case: wall times skipped by a spring-forward change are never
worked (a 00:00–03:00 interval lasts 2 h that night in New York), and wall times repeated by a fall-back change are
worked both times (the same interval lasts 4 h). Naive wall times given as *input* (`localize`) use fold=0: the
earlier instant of a repeated time, and for a skipped time the offset in force before the change (02:30 on a
spring-forward night in New York is read as 03:30 EDT), as `datetime` and JavaScript's Temporal do by default.

Arithmetic runs on `timeline.Timeline`, a table of the real working intervals with cumulative business time, so a
query is two binary searches however long the duration.

Boundaries (business_time's rules, see docs/sla.md): counting forward starts at the first business instant ≥ the start,
a due time landing exactly on a closing returns the closing, `add(t, 0)` is the first business instant ≥ t, and
`subtract(t, 0)` the last instant ≤ t inside or at the end of a working interval.

Inputs must be aware datetimes (any zone). Results are aware datetimes in UTC: they compare and sort correctly even
inside a fall-back hour (Python ignores `fold` when comparing two times of the same zone, and PEP 495 makes a time
inside a fold unequal to every time in another zone), and Django stores UTC anyway. Show them with
`.astimezone(calendar.zone)`.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from upstream.sla.timeline import DAY, US, DayHours, Span, Timeline

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_UNIX_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


class CalendarError(ValueError):
    """An invalid calendar description. `field` names the offending part, e.g. "hours.mon[1]" or "tz"."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# ---------------------------------------------------------------- parsing and validating a plain description


def parse_clock(text: object, where: str, *, end: bool = False) -> int:
    """ "HH:MM" or "HH:MM:SS" → seconds since midnight. "24:00" is allowed only as an interval's end."""
    parts = text.split(":") if isinstance(text, str) else []
    if len(parts) not in (2, 3) or not all(p.isdigit() and len(p) <= 2 for p in parts) or len(parts[1]) != 2:
        raise CalendarError(where, f"malformed time {text!r}, expected HH:MM")
    hour, minute, second = (int(p) for p in (*parts, "0")[:3])
    if minute > 59 or second > 59 or hour > 24 or (hour == 24 and (minute or second)):
        raise CalendarError(where, f"time {text!r} is out of range")
    if hour == 24 and not end:
        raise CalendarError(where, "24:00 can only end an interval")
    return hour * 3600 + minute * 60 + second


def format_clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def parse_spans(raw: object, where: str) -> DayHours:
    """A list of [start, end] pairs → sorted spans; rejects malformed pairs, empty or inverted spans and overlaps."""
    if not isinstance(raw, list | tuple):
        raise CalendarError(where, "expected a list of [start, end] intervals")
    spans = []
    for index, pair in enumerate(raw):
        pair_where = f"{where}[{index}]"
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise CalendarError(pair_where, 'expected [start, end], e.g. ["09:00", "17:00"]')
        start, end = parse_clock(pair[0], pair_where), parse_clock(pair[1], pair_where, end=True)
        _check_order(start, end, pair_where)
        spans.append((start, end))
    return check_spans(spans, where)


def check_spans(spans: Iterable[Span], where: str) -> DayHours:
    ordered = sorted(spans)
    for start, end in ordered:
        if not 0 <= start < DAY or not 0 < end <= DAY:
            raise CalendarError(where, f"interval {start}–{end} s lies outside the day")
        _check_order(start, end, where)
    for (start_a, end_a), (start_b, end_b) in pairwise(ordered):
        if start_b < end_a:
            raise CalendarError(
                where,
                f"intervals {format_clock(start_a)}–{format_clock(end_a)} and "
                f"{format_clock(start_b)}–{format_clock(end_b)} overlap",
            )
    return tuple(ordered)


def _check_order(start: int, end: int, where: str) -> None:
    if end <= start:
        # An overnight shift is two intervals: 22:00–24:00 and 00:00–06:00 on the next day.
        raise CalendarError(where, f"end {format_clock(end)} is not after start {format_clock(start)}")


def parse_date(raw: object, where: str) -> date:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if isinstance(raw, str) and len(raw) == 10:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise CalendarError(where, f"malformed date {raw!r}, expected YYYY-MM-DD")


def load_zone(name: object) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise CalendarError("tz", "a time zone name is required, e.g. 'Asia/Shanghai'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CalendarError("tz", f"unknown time zone {name!r}") from None


def _parse_dated_spans(raw: object, where: str, *, allow_empty: bool) -> tuple[tuple[date, DayHours], ...]:
    if not isinstance(raw, Mapping):
        raise CalendarError(where, 'expected {"YYYY-MM-DD": [[start, end], ...]}')
    dated = []
    for key, spans in raw.items():
        day_where = f"{where}.{key}"
        day, hours = parse_date(key, day_where), parse_spans(spans, day_where)
        if not hours and not allow_empty:
            raise CalendarError(day_where, "needs at least one working interval")
        dated.append((day, hours))
    return tuple(sorted(dated))


def _parse_dates(raw: object, where: str) -> frozenset[date]:
    if not isinstance(raw, list | tuple):
        raise CalendarError(where, "expected a list of YYYY-MM-DD dates")
    return frozenset(parse_date(item, f"{where}[{index}]") for index, item in enumerate(raw))


_DESCRIPTION_KEYS = {"tz", "hours", "holidays", "holidays_inactive", "extra_workdays", "breaks"}


# ---------------------------------------------------------------- the calendar


@dataclass(frozen=True)
class BusinessCalendar:
    """An immutable business calendar. Build it with `from_description()` or `around_the_clock()`.

    `weekly` holds Monday..Sunday; `extra_workdays` replaces a date's hours (a make-up workday, 调休, and it wins over
    a holiday on the same date); `breaks` removes time from a date's hours (a one-off closure).
    """

    tz: str
    weekly: tuple[DayHours, ...]
    holidays: frozenset[date] = frozenset()
    extra_workdays: tuple[tuple[date, DayHours], ...] = ()
    breaks: tuple[tuple[date, DayHours], ...] = ()
    _timeline: Timeline = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        zone = load_zone(self.tz)
        if len(self.weekly) != 7:
            raise CalendarError("hours", "expected hours for 7 weekdays")
        for name, spans in zip(WEEKDAYS, self.weekly, strict=True):
            check_spans(spans, f"hours.{name}")
        if not any(self.weekly):
            # Without weekly hours, adding time would search forever; a closed calendar is no calendar.
            raise CalendarError("hours", "the week has no working time")
        for kind, dated in (("extra_workdays", self.extra_workdays), ("breaks", self.breaks)):
            for day, spans in dated:
                check_spans(spans, f"{kind}.{day.isoformat()}")
        object.__setattr__(self, "_timeline", Timeline(zone, self.weekly, self._special_days()))

    @classmethod
    def from_description(cls, description: Mapping[str, object]) -> BusinessCalendar:
        """Build from the plain form used by the vectors files and stored calendars:
        {"tz", "hours": {"mon": [["09:00", "12:00"], ...]}, "holidays": [...], "holidays_inactive": [...],
        "extra_workdays": {"YYYY-MM-DD": [...]}, "breaks": {"YYYY-MM-DD": [...]}}.
        """
        if not isinstance(description, Mapping):
            raise CalendarError("calendar", "expected an object")
        unknown = sorted(str(key) for key in set(description) - _DESCRIPTION_KEYS)
        if unknown:
            raise CalendarError(unknown[0], "unknown calendar field")
        zone = load_zone(description.get("tz"))
        hours = description.get("hours")
        if not isinstance(hours, Mapping):
            raise CalendarError("hours", 'expected {"mon": [["09:00", "17:00"]], ...}')
        for key in hours:
            if key not in WEEKDAYS:
                raise CalendarError(f"hours.{key}", f"unknown weekday, expected one of {', '.join(WEEKDAYS)}")
        holidays = _parse_dates(description.get("holidays", []), "holidays")
        inactive = _parse_dates(description.get("holidays_inactive", []), "holidays_inactive")
        return cls(
            tz=zone.key,
            weekly=tuple(parse_spans(hours.get(name, []), f"hours.{name}") for name in WEEKDAYS),
            holidays=holidays - inactive,
            extra_workdays=_parse_dated_spans(
                description.get("extra_workdays", {}), "extra_workdays", allow_empty=False
            ),
            breaks=_parse_dated_spans(description.get("breaks", {}), "breaks", allow_empty=True),
        )

    @classmethod
    def around_the_clock(cls, tz: str = "UTC") -> BusinessCalendar:
        """24×7: every instant is working time (business seconds are real seconds)."""
        return cls(tz=tz, weekly=(((0, DAY),),) * 7)

    def to_description(self) -> dict[str, object]:
        """The plain form `from_description` reads (inactive holidays are already dropped)."""

        def spans(hours: DayHours) -> list[list[str]]:
            return [[format_clock(start), format_clock(end)] for start, end in hours]

        return {
            "tz": self.tz,
            "hours": {name: spans(hours) for name, hours in zip(WEEKDAYS, self.weekly, strict=True) if hours},
            "holidays": sorted(day.isoformat() for day in self.holidays),
            "extra_workdays": {day.isoformat(): spans(hours) for day, hours in self.extra_workdays},
            "breaks": {day.isoformat(): spans(hours) for day, hours in self.breaks},
        }

    @property
    def zone(self) -> ZoneInfo:
        return self._timeline.zone

    def _special_days(self) -> dict[int, DayHours]:
        """Dates whose hours differ from their weekday's, keyed by days since 1970-01-01."""
        special: dict[int, DayHours] = {_day_number(day): () for day in self.holidays}
        special.update((_day_number(day), hours) for day, hours in self.extra_workdays)
        for day, removed in self.breaks:
            number = _day_number(day)
            hours = special.get(number, self.weekly[day.weekday()])
            special[number] = _without(hours, removed)
        return special

    # ------------------------------------------------------------ arithmetic

    def add(self, start: datetime, seconds: int) -> datetime:
        """`start` plus `seconds` business seconds (negative subtracts). Counting begins at the first business instant
        ≥ start; a result exactly at a closing is that closing; `add(t, 0)` is the first business instant ≥ t."""
        amount = operator.index(seconds)
        if amount < 0:
            return self.subtract(start, -amount)
        # _to_us and _to_datetime inlined: this is the per-deadline hot path.
        if start.__class__ is datetime:
            try:
                moment = (start - _EPOCH) // _ONE_US
            except TypeError:  # naive (or a tzinfo without an offset): let _to_us raise the documented error
                moment = _to_us(start)
        else:
            moment = _to_us(start)
        return _EPOCH + _ONE_US * self._timeline.forward(moment, amount * US)

    def add_epoch(self, start_epoch: int, seconds: int) -> int:
        """`add` on whole epoch seconds: `start_epoch` (seconds since 1970-01-01 UTC) plus `seconds` business seconds
        (negative subtracts), as epoch seconds. Same boundary rules; no datetime objects, for callers that keep
        integer timestamps."""
        start, amount = operator.index(start_epoch), operator.index(seconds)
        if amount < 0:
            return self._timeline.backward(start * US, -amount * US) // US
        return self._timeline.forward(start * US, amount * US) // US

    def add_many(self, starts: Iterable[datetime], seconds: Iterable[int]) -> list[datetime]:
        """`[add(start, amount) for start, amount in zip(starts, seconds, strict=True)]`, with equal results, in one
        loop that binds the interval table once and skips the per-call overhead: for recomputing many tickets'
        deadlines on one calendar (e.g. after it was edited). Unequal lengths raise ValueError."""
        timeline = self._timeline
        starts_list, ends, base, cum_end = timeline.lists()
        epoch, one_us, add = _EPOCH, _ONE_US, self.add
        results: list[datetime] = []
        append = results.append
        for start, seconds_ in zip(starts, seconds, strict=True):
            amount = operator.index(seconds_)
            if amount <= 0 or start.__class__ is not datetime:
                append(add(start, amount))  # subtracting, adding nothing, or a start to check: the general path
                continue
            try:
                moment = (start - epoch) // one_us
            except TypeError:
                moment = _to_us(start)  # naive: raises the documented error
            amount *= US
            # Timeline.forward's lookup, inlined (see there).
            index = bisect_right(starts_list, moment) - 1
            if index >= 0:
                end = ends[index]
                target = (moment if moment < end else end) - base[index] + amount
                found = bisect_left(cum_end, target, index)
                if found < len(base):
                    append(epoch + one_us * (base[found] + target))
                    continue
            append(epoch + one_us * timeline.forward_widening(moment, amount))
            starts_list, ends, base, cum_end = timeline.lists()
        return results

    def subtract(self, start: datetime, seconds: int) -> datetime:
        """`start` minus `seconds` business seconds; mirrors `add` (a result exactly at an opening is that opening).
        `subtract(t, 0)` is t when t is inside or at the end of a working interval, else the previous closing."""
        amount = operator.index(seconds)
        if amount < 0:
            return self.add(start, -amount)
        return _to_datetime(self._timeline.backward(_to_us(start), amount * US))

    def between(self, start: datetime, end: datetime) -> int:
        """Business seconds from `start` to `end` (negative when end < start), truncated toward zero."""
        elapsed = self._timeline.between(_to_us(start), _to_us(end))
        return elapsed // US if elapsed >= 0 else -(-elapsed // US)

    def next_opening(self, moment: datetime) -> datetime:
        """The first business instant ≥ moment (moment itself while open)."""
        return self.add(moment, 0)

    def is_open(self, moment: datetime) -> bool:
        """Whether `moment` is working time; intervals are half-open, so a closing instant is not."""
        return self._timeline.is_open(_to_us(moment))

    def working_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The real working intervals within [start, end), clipped, in order, as UTC datetimes (e.g. a preview of the
        next 14 days). An interval spanning midnight is one interval."""
        for opening, closing in self._timeline.intervals(_to_us(start), _to_us(end)):
            yield _to_datetime(opening), _to_datetime(closing)

    def localize(self, wall: datetime) -> datetime:
        """A naive wall-clock time in this calendar's zone → an aware datetime (fold=0, see the module docstring)."""
        if wall.tzinfo is not None:
            raise ValueError("localize() takes a naive wall-clock time")
        return wall.replace(tzinfo=self.zone)


def _without(hours: DayHours, removed: DayHours) -> DayHours:
    """Working spans minus break spans (both sorted, in seconds since midnight)."""
    result = []
    for start, end in hours:
        cursor = start
        for break_start, break_end in removed:
            if break_end <= cursor or break_start >= end:
                continue
            if break_start > cursor:
                result.append((cursor, break_start))
            cursor = max(cursor, break_end)
        if cursor < end:
            result.append((cursor, end))
    return tuple(result)


def _day_number(day: date) -> int:
    return day.toordinal() - _UNIX_EPOCH_ORDINAL


def _to_us(moment: datetime) -> int:
    """An aware datetime → integer microseconds since the epoch, exactly (timedelta floor division, no float)."""
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.utcoffset() is None:
        raise ValueError("naive datetime: business-calendar arithmetic needs an aware datetime")
    return (moment - _EPOCH) // _ONE_US


def _to_datetime(instant_us: int) -> datetime:
    return _EPOCH + _ONE_US * instant_us
