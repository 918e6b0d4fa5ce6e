"""Working time as a table of real instants, for fast business-time arithmetic. Pure: stdlib only.

`Timeline` turns a calendar's wall-clock hours into the real working intervals (integer microseconds since the epoch)
with cumulative business time, built lazily for the range of instants asked about and widened geometrically, so a
query is two binary searches however long the duration. It works per stretch of constant UTC offset: within one,
wall time is real time plus the offset, so each stretch maps the local dates it shows directly. That makes the rule
"an instant is working time when its wall-clock reading falls in a working interval of that local date" exact across
daylight-saving changes with no special case.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

DAY = 86_400
US = 1_000_000  # microseconds per second: the table's unit, so results keep the start's sub-second part

# A working interval as seconds since local midnight, [start, end); end may be 86400 ("24:00").
Span = tuple[int, int]
DayHours = tuple[Span, ...]

# tzdata never changes a zone's offset twice within two days, so sampling every 12 hours finds every change.
_OFFSET_PROBE = 12 * 3600
_FIRST_TABLE_BEFORE = 31 * DAY
_FIRST_TABLE_AFTER = 92 * DAY
# Keep clear of datetime's limits so offsets can always be computed.
_MIN_SECOND = int(datetime(1, 1, 3, tzinfo=UTC).timestamp())
_MAX_SECOND = int(datetime(9999, 12, 29, tzinfo=UTC).timestamp())


class _Table:
    """Working intervals of real time within [lo, hi) (microseconds), with cumulative business time. Never mutated:
    a wider table replaces it, so a reader's snapshot stays consistent without locks."""

    __slots__ = ("base", "cum_end", "cum_start", "ends", "hi", "lo", "starts")

    def __init__(self, lo: int, hi: int, spans: list[list[int]]) -> None:
        self.lo, self.hi = lo, hi
        self.starts = [start * US for start, _ in spans]
        self.ends = [end * US for _, end in spans]
        self.cum_start: list[int] = []
        self.cum_end: list[int] = []
        total = 0
        for start, end in zip(self.starts, self.ends, strict=True):
            self.cum_start.append(total)
            total += end - start
            self.cum_end.append(total)
        # Within interval i, business position p (from lo) is the instant p + base[i]: one subtraction per lookup.
        self.base = [start - cum for start, cum in zip(self.starts, self.cum_start, strict=True)]

    def covers(self, first: int, last: int) -> bool:
        return self.lo <= first and last < self.hi

    def position(self, moment: int) -> int:
        """Business time from `lo` to `moment`."""
        index = bisect_right(self.starts, moment) - 1
        if index < 0:
            return 0
        return self.cum_start[index] + min(moment, self.ends[index]) - self.starts[index]

    def forward(self, moment: int, amount: int) -> int | None:
        """The earliest instant with `amount` business time after the first business instant ≥ moment; None when
        the answer lies beyond this table."""
        starts, ends = self.starts, self.ends
        index = bisect_right(starts, moment) - 1
        if amount == 0:
            if index >= 0 and moment < ends[index]:
                return moment
            return starts[index + 1] if index + 1 < len(starts) else None
        target = self.position(moment) + amount
        # The first interval whose cumulative end reaches the target: landing on a closing keeps the closing.
        found = bisect_left(self.cum_end, target, max(index, 0))
        if found == len(starts):
            return None
        return starts[found] + target - self.cum_start[found]

    def backward(self, moment: int, amount: int) -> int | None:
        """The latest instant `amount` business time before the last instant ≤ moment inside or at the end of a
        working interval; None when the answer lies before this table."""
        starts, ends = self.starts, self.ends
        index = bisect_right(starts, moment) - 1
        if index < 0:
            return None
        if amount == 0:
            return min(moment, ends[index])
        target = self.position(moment) - amount
        # The last interval starting at or before the target: landing on an opening keeps the opening.
        found = bisect_right(self.cum_start, target, 0, index + 1) - 1
        if found < 0:
            return None
        return starts[found] + target - self.cum_start[found]

    def is_open(self, moment: int) -> bool:
        index = bisect_right(self.starts, moment) - 1
        return index >= 0 and moment < self.ends[index]


class Timeline:
    """The working time of weekly hours (Monday first) and special days (keyed by days since 1970-01-01) in a zone.
    Arguments and results are microseconds since the epoch; the table behind it widens on demand."""

    def __init__(self, zone: ZoneInfo, weekly: tuple[DayHours, ...], special: dict[int, DayHours]) -> None:
        self.zone = zone
        self._weekly = weekly
        self._special = special
        self._table: _Table | None = None

    def forward(self, moment: int, amount: int) -> int:
        """The hot path (every deadline): `_Table.forward` inlined on the current table, falling back to the general
        loop whenever the answer is not inside it. No range check is needed first: an instant before the table finds
        no interval (index -1), and one at or after its end lies past the last interval, so neither can return an
        answer here (intervals are clipped to [lo, hi), so an interval found for an instant inside is its real one)."""
        table = self._table
        if table is not None:
            index = bisect_right(table.starts, moment) - 1
            if index >= 0:
                if amount:
                    base, end = table.base, table.ends[index]
                    # Business position of the first business instant ≥ moment, plus the amount; then the first
                    # interval whose cumulative end reaches it (landing on a closing keeps the closing). A conditional
                    # rather than min(): this line runs for every deadline.
                    target = (moment if moment < end else end) - base[index] + amount
                    found = bisect_left(table.cum_end, target, index)
                    if found < len(base):
                        return base[found] + target
                elif moment < table.ends[index]:
                    return moment
                elif index + 1 < len(table.starts):
                    return table.starts[index + 1]
        return self.forward_widening(moment, amount)

    def lists(self) -> tuple[list[int], list[int], list[int], list[int]]:
        """A consistent snapshot of the current table for a caller's own loop over many lookups (see
        `BusinessCalendar.add_many`): starts, ends, base (start minus cumulative business time before it) and
        cumulative ends. Empty before the first query, so every lookup misses and `forward_widening` builds it; the
        lists of a replaced table stay valid (tables are never mutated), so rebinding after a miss is enough."""
        table = self._table
        if table is None:
            return [], [], [], []
        return table.starts, table.ends, table.base, table.cum_end

    def forward_widening(self, moment: int, amount: int) -> int:
        """`forward` for an answer the current table does not hold: builds or widens the table as needed."""
        table = self._covering(moment, moment)
        while (result := table.forward(moment, amount)) is None:
            table = self._widened(table, later=True)
        return result

    def backward(self, moment: int, amount: int) -> int:
        table = self._covering(moment, moment)
        while (result := table.backward(moment, amount)) is None:
            table = self._widened(table, later=False)
        return result

    def between(self, start: int, end: int) -> int:
        table = self._covering(min(start, end), max(start, end))
        return table.position(end) - table.position(start)

    def is_open(self, moment: int) -> bool:
        return self._covering(moment, moment).is_open(moment)

    def intervals(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        if end <= start:
            return
        table = self._covering(start, end)
        index = bisect_right(table.ends, start)
        while index < len(table.starts) and table.starts[index] < end:
            yield max(table.starts[index], start), min(table.ends[index], end)
            index += 1

    # ------------------------------------------------------------ building

    def _covering(self, first: int, last: int) -> _Table:
        table = self._table
        if table is not None and table.covers(first, last):
            return table
        lo, hi = first // US - _FIRST_TABLE_BEFORE, last // US + _FIRST_TABLE_AFTER
        if table is not None:
            # Grow at least by the current span so repeated misses cost amortised linear time.
            span = (table.hi - table.lo) // US
            lo = min(lo, table.lo // US - span) if first < table.lo else table.lo // US
            hi = max(hi, table.hi // US + span) if last >= table.hi else table.hi // US
        table = self._replace(lo, hi)
        if not table.covers(first, last):
            raise OverflowError("the instant lies outside the supported range of dates")
        return table

    def _widened(self, table: _Table, *, later: bool) -> _Table:
        lo, hi = table.lo // US, table.hi // US
        span = max(hi - lo, 366 * DAY)
        if (later and hi >= _MAX_SECOND) or (not later and lo <= _MIN_SECOND):
            raise OverflowError("the result lies outside the supported range of dates")
        return self._replace(lo, hi + span) if later else self._replace(lo - span, hi)

    def _replace(self, lo: int, hi: int) -> _Table:
        lo, hi = max(lo, _MIN_SECOND), min(hi, _MAX_SECOND)
        table = _Table(lo * US, hi * US, self._real_spans(lo, hi))
        self._table = table
        return table

    def _real_spans(self, lo: int, hi: int) -> list[list[int]]:
        """Working time in [lo, hi) as merged [start, end] pairs of epoch seconds. Within a stretch of constant UTC
        offset, wall time is real time plus the offset, so each stretch maps the local dates it shows directly."""
        spans: list[list[int]] = []
        for stretch_lo, stretch_hi, offset in _offset_stretches(self.zone, lo, hi):
            wall_lo, wall_hi = stretch_lo + offset, stretch_hi + offset
            for day in range(wall_lo // DAY, (wall_hi - 1) // DAY + 1):
                midnight = day * DAY
                for start, end in self._hours_on(day):
                    real_start = max(midnight + start, wall_lo) - offset
                    real_end = min(midnight + end, wall_hi) - offset
                    if real_start >= real_end:
                        continue
                    if spans and spans[-1][1] == real_start:
                        spans[-1][1] = real_end  # touching intervals (e.g. across midnight) are one
                    else:
                        spans.append([real_start, real_end])
        return spans

    def _hours_on(self, day: int) -> DayHours:
        hours = self._special.get(day)
        # 1970-01-01 (day 0) was a Thursday, index 3 of a Monday-first week.
        return self._weekly[(day + 3) % 7] if hours is None else hours


def _offset_seconds(zone: ZoneInfo, moment: int) -> int:
    offset = datetime.fromtimestamp(moment, zone).utcoffset()
    return 0 if offset is None else int(offset.total_seconds())


def _offset_stretches(zone: ZoneInfo, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """[lo, hi) split where the zone's UTC offset changes: (start, end, offset seconds) triples."""
    stretches = []
    stretch_start, offset = lo, _offset_seconds(zone, lo)
    probe = lo
    while probe < hi:
        next_probe = min(probe + _OFFSET_PROBE, hi)
        next_offset = _offset_seconds(zone, next_probe)
        if next_offset != offset:
            change = _first_second_with_offset(zone, probe, next_probe, next_offset)
            stretches.append((stretch_start, change, offset))
            stretch_start, offset = change, next_offset
        probe = next_probe
    stretches.append((stretch_start, hi, offset))
    return [stretch for stretch in stretches if stretch[0] < stretch[1]]


def _first_second_with_offset(zone: ZoneInfo, before: int, after: int, offset: int) -> int:
    """Binary search for the change between `before` (old offset) and `after` (new offset)."""
    while after - before > 1:
        middle = (before + after) // 2
        if _offset_seconds(zone, middle) == offset:
            after = middle
        else:
            before = middle
    return after
