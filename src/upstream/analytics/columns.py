"""Day columns: the cohort columns of `TicketFact`, packed per UTC day of creation, for long ranges.

A dashboard over a year reads half a million fact rows three times (counts, exact percentiles, per-agent medians);
PostgreSQL spends seconds materialising and sorting them. `DayColumns` keeps, for every UTC day, the columns those
passes read as one packed numpy record array (`DAY_DTYPE`), rewritten from the fact rows in the same transaction as
any fact write of that day (`refresh_days`, called by `maintenance._write`). A long-range dashboard then reads one
row per day and computes the very same figures in numpy: counts by `bincount`, exact `percentile_disc` by selecting
the k-th value (`np.partition`), per-agent medians by one sort per metric. Nothing here is a cached result: each
call computes from the maintained columns, which always equal the fact rows committed so far.

Exactness at the edges: each record keeps its creation instant (whole seconds), so the range bounds (local
midnights) and the buckets (local days, ISO weeks, months in the viewer's zone) are applied per record, not per
stored day. Dimension filters and scopes are applied per record too, so every filter set is served.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
from django.db import connection, transaction

from upstream.analytics.filters import Filters, Scope
from upstream.analytics.models import DayColumns

NULL = -1  # ids, durations and verdicts are never negative
# Each day's blobs, every instant as whole seconds since the UTC day's start (range and bucket bounds are whole
# seconds, so comparing floored instants is exact). Ids and durations are int32; channel and category are codes into
# the day's vocabularies. What every cohort figure reads:
CORE_DTYPE = np.dtype([
    ("offset", "<u4"), ("assignee", "<i4"), ("plan", "<i4"),
    ("channel", "u1"), ("category", "u1"), ("priority", "i1"),
    ("flags", "u1"),  # resolved | reopened << 1 | (each SLA verdict + 1) << 2, 4, 6
    ("first_response_seconds", "<i4"), ("first_response_business_seconds", "<i4"),
    ("resolution_seconds", "<i4"), ("resolution_business_seconds", "<i4"),
])  # fmt: skip
# The other dimensions, read only for a scope or filter that needs them (same order as the core records):
DIMS_DTYPE = np.dtype([("team", "<i4"), ("organisation", "<i4"), ("product", "<i4")])
# Tickets whose CSAT answer came that day; tickets resolved that day (their instants, then their dimensions):
EVENT_DIMS = [
    ("assignee", "<i4"),
    ("team", "<i4"),
    ("organisation", "<i4"),
    ("plan", "<i4"),
    ("product", "<i4"),
    ("channel", "u1"),
    ("category", "u1"),
]
CSAT_DTYPE = np.dtype([("offset", "<u4"), ("score", "i1"), *EVENT_DIMS])
RESOLVED_DTYPE = np.dtype([("offset", "<u4")])
RESOLVED_DIMS_DTYPE = np.dtype(EVENT_DIMS)
DURATIONS = (
    "first_response_seconds",
    "first_response_business_seconds",
    "resolution_seconds",
    "resolution_business_seconds",
)
SLA_FIELDS = ("sla_first_response", "sla_next_response", "sla_resolution")


def _seconds(column: str) -> str:
    # Instants as whole epoch seconds computed by PostgreSQL: no datetime parsing for thousands of rows per day.
    return f"FLOOR(EXTRACT(EPOCH FROM {column}))::bigint"


SOURCE_COLUMNS = (
    _seconds("created_at"), "assignee_id", "team_id", "organisation_id", "plan_id", "product_id", "channel", "category",
    "priority", *DURATIONS, "resolved_at IS NOT NULL", "reopen_count > 0", *SLA_FIELDS, _seconds("resolved_at"),
    _seconds("csat_answered_at"), "csat_score",
)  # fmt: skip
INT32_MAX = 2**31 - 1
LOCK_NAMESPACE = 0x616E6C74  # pg_advisory_xact_lock(namespace, day ordinal): one writer per day at a time
BLOBS = ("data", "dims", "csat", "resolved", "resolved_dims")


def enabled() -> bool:
    return connection.vendor == "postgresql"


# ---------------------------------------------------------------- writing


def _epoch(moment: datetime) -> int:
    return math.floor(moment.timestamp())


def _id(value: int | None) -> int:
    if value is None:
        return NULL
    if value > INT32_MAX:
        raise OverflowError(f"{value} does not fit the day columns (int32)")
    return int(value)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


EPOCH_DAY = date(1970, 1, 1)


def _epoch_day(seconds: int) -> date:
    return EPOCH_DAY + timedelta(days=seconds // 86_400)


def _day_epoch(day: date) -> int:
    return _epoch(datetime.combine(day, time(0), UTC))


def _flags(resolved: bool, reopened: bool, verdicts: Sequence[int | None]) -> int:
    flags = int(bool(resolved)) | int(bool(reopened)) << 1
    for shift, verdict in zip((2, 4, 6), verdicts, strict=True):
        flags |= (_id(verdict) + 1) << shift
    return flags


@dataclass
class DayRows:
    """One UTC day's fact rows (SOURCE_COLUMNS order): created that day, CSAT-answered that day, resolved that day."""

    created: list[tuple[Any, ...]] = field(default_factory=list)
    csat: list[tuple[Any, ...]] = field(default_factory=list)
    resolved: list[tuple[Any, ...]] = field(default_factory=list)


def pack(day: date, rows: DayRows) -> dict[str, Any]:
    """A day's rows → the DayColumns fields: vocabularies and the packed blobs."""
    every = [*rows.created, *rows.csat, *rows.resolved]
    channels = sorted({row[6] for row in every})
    categories = sorted({row[7] for row in every})
    channel_code = {value: i for i, value in enumerate(channels)}
    category_code = {value: i for i, value in enumerate(categories)}
    start = _day_epoch(day)

    def dims(row: tuple[Any, ...]) -> tuple[int, ...]:
        return (*map(_id, row[1:6]), channel_code[row[6]], category_code[row[7]])

    core = np.array(
        [
            (
                row[0] - start, _id(row[1]), _id(row[4]), channel_code[row[6]], category_code[row[7]],
                row[8], _flags(row[13], row[14], row[15:18]), *map(_id, row[9:13]),
            )
            for row in rows.created
        ],
        dtype=CORE_DTYPE,
    )  # fmt: skip
    extra = np.array([(_id(row[2]), _id(row[3]), _id(row[5])) for row in rows.created], dtype=DIMS_DTYPE)
    csat = np.array(
        [(row[19] - start, _id(row[20]), *dims(row)) for row in rows.csat], dtype=CSAT_DTYPE
    )  # fmt: skip
    resolved = np.array([(row[18] - start,) for row in rows.resolved], dtype=RESOLVED_DTYPE)
    resolved_dims = np.array([dims(row) for row in rows.resolved], dtype=RESOLVED_DIMS_DTYPE)
    return {
        "records": len(rows.created),
        "channels": channels,
        "categories": categories,
        "data": core.tobytes(),
        "dims": extra.tobytes(),
        "csat": csat.tobytes(),
        "resolved": resolved.tobytes(),
        "resolved_dims": resolved_dims.tobytes(),
    }


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days → runs of consecutive days (first, last)."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _read_days(cursor: Any, first: date, last: date) -> dict[date, DayRows]:
    start = datetime.combine(first, time(0), UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), UTC)
    cursor.execute(
        f"SELECT {', '.join(SOURCE_COLUMNS)} FROM analytics_ticketfact WHERE (created_at >= %s AND created_at < %s) "
        "OR (resolved_at >= %s AND resolved_at < %s) OR (csat_answered_at >= %s AND csat_answered_at < %s) "
        "ORDER BY created_at, ticket_id",
        [start, end] * 3,
    )
    low, high = _epoch(start), _epoch(end)
    found: dict[date, DayRows] = {}
    for row in cursor.fetchall():
        created, resolved_at, answered_at = row[0], row[18], row[19]  # epoch seconds
        if low <= created < high:
            found.setdefault(_epoch_day(created), DayRows()).created.append(row)
        if resolved_at is not None and low <= resolved_at < high:
            found.setdefault(_epoch_day(resolved_at), DayRows()).resolved.append(row)
        if answered_at is not None and low <= answered_at < high:
            found.setdefault(_epoch_day(answered_at), DayRows()).csat.append(row)
    return found


def refresh_days(days: Iterable[date]) -> None:
    """Rewrite the columns of these UTC days from the committed fact rows (inside the caller's transaction).

    The day's advisory lock is taken before reading the facts: under READ COMMITTED the last writer of a day then
    reads every fact committed before it plus its own, so two handlers touching one day never lose an update."""
    if not enabled():
        return
    ordered = sorted(set(days))
    if not ordered:
        return
    table = connection.ops.quote_name(DayColumns._meta.db_table)
    names = ("records", "channels", "categories", *BLOBS)
    insert = (
        f"INSERT INTO {table} (day, {', '.join(names)}) VALUES (%s, %s, %s::jsonb, %s::jsonb, %s, %s, %s, %s, %s) "
        f"ON CONFLICT (day) DO UPDATE SET {', '.join(f'{n} = EXCLUDED.{n}' for n in names)}"
    )
    with connection.cursor() as cursor:
        for day in ordered:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, day.toordinal()])
        for first, last in _runs(ordered):
            found = _read_days(cursor, first, last)
            day = first
            while day <= last:
                rows = found.get(day)
                if rows is None:
                    cursor.execute(f"DELETE FROM {table} WHERE day = %s", [day])
                else:
                    packed = pack(day, rows)
                    packed["channels"] = json.dumps(packed["channels"])
                    packed["categories"] = json.dumps(packed["categories"])
                    cursor.execute(insert, [day, *(packed[n] for n in names)])
                day += timedelta(days=1)


def rebuild_all() -> int:
    """Every day's columns from the fact table (after a rebuild, or to build them the first time); returns days.

    A month per transaction (31 advisory locks at a time, however long the history): readers meanwhile see each day
    either as it was or as rebuilt, both derived from committed facts."""
    if not enabled():
        return 0
    table = connection.ops.quote_name(DayColumns._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT LEAST(MIN(created_at), MIN(resolved_at), MIN(csat_answered_at)), "
            "GREATEST(MAX(created_at), MAX(resolved_at), MAX(csat_answered_at)) FROM analytics_ticketfact"
        )
        first, last = cursor.fetchone()
    if first is None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")
        return 0
    day, stop = utc_day(first), utc_day(last)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE day < %s OR day > %s", [day, stop])
    written = 0
    while day <= stop:
        chunk = [day + timedelta(days=i) for i in range(min(31, (stop - day).days + 1))]
        with transaction.atomic():
            refresh_days(chunk)
        written += len(chunk)
        day = chunk[-1] + timedelta(days=1)
    return written


# ---------------------------------------------------------------- reading


Columns = dict[str, npt.NDArray[Any]]


@dataclass
class Cohort:
    """From the day columns of a range, as contiguous columns: the tickets created in the range (in scope, matching
    the filters), the CSAT answers and the resolutions of the range (same scope and filters); bucket indexes."""

    records: Columns
    csat: Columns
    resolved: Columns
    channels: list[str]
    categories: list[str]
    buckets: list[date]
    bucket: npt.NDArray[np.intp]  # each record's bucket index (by creation)
    csat_bucket: npt.NDArray[np.intp]

    def __len__(self) -> int:
        return len(self.records["at"])


def _remap(values: npt.NDArray[Any], own: list[str], shared: list[str]) -> npt.NDArray[Any]:
    if own == shared:
        return values
    code = {value: i for i, value in enumerate(shared)}
    return np.array([code[v] for v in own], dtype=np.uint8)[values]


def _joined(
    days: list[tuple[Any, ...]], position: int, dtype: np.dtype[Any], shared: tuple[list[str], list[str]]
) -> Columns:
    """One blob of every day as contiguous columns; `at` (epoch seconds) from the offsets, codes made global."""
    parts = [np.frombuffer(day[position], dtype=dtype) for day in days]
    names = dtype.names or ()
    columns: Columns = {}
    for name in names:
        if name in ("channel", "category"):
            own = 1 if name == "channel" else 2
            vocabulary = shared[own - 1]
            pieces = [_remap(part[name], day[own], vocabulary) for day, part in zip(days, parts, strict=True)]
        else:
            pieces = [part[name] for part in parts]
        joined = np.concatenate(pieces) if pieces else np.empty(0, dtype=dtype[name])
        if name == "offset":
            starts = np.array([_day_epoch(day[0]) for day in days], dtype=np.int64)
            counts = [len(part) for part in parts]
            columns["at"] = np.repeat(starts, counts) + joined
        else:
            columns[name] = joined
    return columns


def _load(start: datetime, end: datetime, *, dims: bool) -> tuple[list[Columns], list[str], list[str]]:
    first, last = utc_day(start), utc_day(end - timedelta(microseconds=1))
    table = connection.ops.quote_name(DayColumns._meta.db_table)
    blobs = list(BLOBS if dims else ("data", "csat", "resolved"))
    connection.ensure_connection()
    # Binary results (a server-side-binding cursor on Django's connection, same transaction): the packed bytes arrive
    # as stored instead of as hex text twice their size.
    with psycopg.Cursor(connection.connection) as raw:
        raw.execute(
            f"SELECT day, channels, categories, {', '.join(blobs)} FROM {table} "
            "WHERE day >= %s AND day <= %s ORDER BY day",
            [first, last],
            binary=True,
        )
        days = raw.fetchall()
    channels = sorted({c for day in days for c in day[1]})
    categories = sorted({c for day in days for c in day[2]})
    dtypes = {
        "data": CORE_DTYPE, "dims": DIMS_DTYPE, "csat": CSAT_DTYPE, "resolved": RESOLVED_DTYPE,
        "resolved_dims": RESOLVED_DIMS_DTYPE,
    }  # fmt: skip
    loaded = {
        name: _joined(days, 3 + i, dtypes[name], (channels, categories)) for i, name in enumerate(blobs)
    }  # fmt: skip
    records = loaded["data"]
    flags = records.pop("flags")
    records["resolved"] = flags & 1
    records["reopened"] = (flags >> 1) & 1
    for shift, name in zip((2, 4, 6), SLA_FIELDS, strict=True):
        records[name] = ((flags >> shift) & 3).astype(np.int8) - 1
    resolved = loaded["resolved"]
    if dims:
        records.update(loaded["dims"])
        resolved.update(loaded["resolved_dims"])
    return [records, loaded["csat"], resolved], channels, categories


def _needs_dims(scope: Scope, filters: Filters) -> bool:
    return not scope.everything or any(
        getattr(filters, name) not in (None, "")
        for name in ("team", "agent", "organisation", "plan", "product", "channel", "category")
    )


def _scope_mask(columns: Columns, n: int, scope: Scope) -> npt.NDArray[np.bool_]:
    if scope.everything:
        return np.ones(n, dtype=bool)
    mask = np.zeros(n, dtype=bool)
    if scope.team_ids:
        mask |= np.isin(columns["team"], scope.team_ids)
    if scope.agent_id is not None:
        mask |= columns["assignee"] == scope.agent_id
    if scope.organisation_ids:
        mask |= np.isin(columns["organisation"], scope.organisation_ids)
    return mask


def _filter_mask(
    columns: Columns, n: int, filters: Filters, channels: list[str], categories: list[str]
) -> npt.NDArray[np.bool_]:
    mask = np.ones(n, dtype=bool)
    for name, column in (
        ("team", "team"), ("agent", "assignee"), ("organisation", "organisation"), ("plan", "plan"),
        ("product", "product"),
    ):  # fmt: skip
        value = getattr(filters, name)
        if value is not None:
            mask &= columns[column] == value
    for value, vocabulary, column in (
        (filters.channel, channels, "channel"),
        (filters.category, categories, "category"),
    ):
        if not value:
            continue
        if value in vocabulary:
            mask &= columns[column] == vocabulary.index(value)
        else:
            mask[:] = False
    return mask


def _bucket_bounds(filters: Filters) -> tuple[list[date], npt.NDArray[np.int64]]:
    r = filters.range
    starts = r.bucket_starts()
    bounds = np.array([_epoch(datetime.combine(b, time(0), r.zone)) for b in starts], dtype=np.int64)
    return starts, bounds


def _select(columns: Columns, scope: Scope, filters: Filters, vocabularies: tuple[list[str], list[str]]) -> Columns:
    """The rows in the range (per row instant), in scope and matching the filters."""
    at = columns["at"]
    mask = (at >= _epoch(filters.range.start)) & (at < _epoch(filters.range.end))
    if _needs_dims(scope, filters):
        mask &= _scope_mask(columns, len(at), scope) & _filter_mask(columns, len(at), filters, *vocabularies)
    if mask.all():
        return columns
    return {name: values[mask] for name, values in columns.items()}


def cohort(scope: Scope, filters: Filters) -> Cohort:
    """One read of the range's days; range bounds, scope and filters applied per row."""
    r = filters.range
    (records, csat, resolved), channels, categories = _load(r.start, r.end, dims=_needs_dims(scope, filters))
    vocabularies = (channels, categories)
    chosen, answered = _select(records, scope, filters, vocabularies), _select(csat, scope, filters, vocabularies)
    buckets, bounds = _bucket_bounds(filters)
    return Cohort(
        records=chosen,
        csat=answered,
        resolved=_select(resolved, scope, filters, vocabularies),
        channels=channels,
        categories=categories,
        buckets=buckets,
        bucket=np.searchsorted(bounds, chosen["at"], side="right") - 1,
        csat_bucket=np.searchsorted(bounds, answered["at"], side="right") - 1,
    )


# ---------------------------------------------------------------- figures


def _counts(records: Columns, group: npt.NDArray[np.int64], size: int) -> dict[str, npt.NDArray[np.int64]]:
    """The cohort counts (queries.COUNT_KEYS) per group index."""

    def count(where: npt.NDArray[np.bool_] | None = None) -> npt.NDArray[np.int64]:
        chosen = group if where is None else group[where]
        return np.bincount(chosen, minlength=size).astype(np.int64)

    counts = {
        "created": count(),
        "reopened": count(records["reopened"] == 1),
        "resolved_once": count((records["resolved"] == 1) | (records["reopened"] == 1)),
    }
    for metric in ("first_response", "next_response", "resolution"):
        verdicts = records[f"sla_{metric}"]
        counts[f"{metric}_met"] = count(verdicts == 1)
        counts[f"{metric}_breached"] = count(verdicts == 0)
    return counts


def factorize(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Dense codes 0..k-1 for the values, and the k distinct values in ascending order (codes follow that order).
    Linear time when the values span a small range (codes, priorities, ids), a sort otherwise."""
    if len(values) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    wide = values.astype(np.int64)
    low, high = int(wide.min()), int(wide.max())
    if high - low < 1 << 22:
        present = np.bincount(wide - low, minlength=high - low + 1) > 0
        lookup = np.cumsum(present) - 1
        return lookup[wide - low], np.flatnonzero(present) + low
    uniques, codes = np.unique(wide, return_inverse=True)
    return codes.reshape(-1).astype(np.int64), uniques


def _groups(keys: list[npt.NDArray[Any]]) -> tuple[npt.NDArray[np.int64], list[tuple[int, ...]]]:
    """Like SQL's GROUP BY on these key columns: each row's group index, and each group's key values (in key order)."""
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    distinct = []
    for values in keys:
        codes, uniques = factorize(values)
        combined = combined * len(uniques) + codes  # mixed radix: one integer per combination
        distinct.append(uniques.tolist())
    group, present = factorize(combined)
    labels = []
    for key in present.tolist():
        digits = []
        for uniques in reversed(distinct):
            key, digit = divmod(key, len(uniques))
            digits.append(uniques[digit])
        labels.append(tuple(reversed(digits)))
    return group, labels


def _nullable(value: int) -> int | None:
    return None if value == NULL else value


def volume_and_plan_rows(c: Cohort) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The two roll-ups of `queries.cohort_groups`: per (bucket, channel, category) and per (plan, priority)."""
    if len(c) == 0:
        return [], []
    r = c.records
    result = []
    volume: dict[str, Callable[[int], Any]] = {
        "bucket": c.buckets.__getitem__,
        "channel": c.channels.__getitem__,
        "category": c.categories.__getitem__,
    }
    plans: dict[str, Callable[[int], Any]] = {"plan_id": _nullable, "priority": int}
    for keys, decode in (
        ({"bucket": c.bucket, "channel": r["channel"], "category": r["category"]}, volume),
        ({"plan_id": r["plan"], "priority": r["priority"]}, plans),
    ):
        group, labels = _groups(list(keys.values()))
        counts = {name: values.tolist() for name, values in _counts(r, group, len(labels)).items()}
        rows = []
        for index, label in enumerate(labels):
            row: dict[str, Any] = {name: decode[name](v) for name, v in zip(keys, label, strict=True)}
            row.update({name: values[index] for name, values in counts.items()})
            rows.append(row)
        result.append(rows)
    return result[0], result[1]


def csat_rows(c: Cohort) -> list[dict[str, Any]]:
    """CSAT answers in the range per (bucket, assignee): `queries.csat_groups`' rows (total None when no score)."""
    if len(c.csat["at"]) == 0:
        return []
    scores = c.csat["score"].astype(np.int64)
    group, labels = _groups([c.csat_bucket, c.csat["assignee"]])
    n = np.bincount(group, minlength=len(labels)).tolist()
    scored = scores != NULL
    total = np.bincount(group[scored], weights=scores[scored], minlength=len(labels)).astype(np.int64).tolist()
    answered = np.bincount(group[scored], minlength=len(labels)).tolist()
    return [
        {
            "bucket": c.buckets[bucket],
            "assignee_id": _nullable(agent),
            "total": total[i] if answered[i] else None,
            "n": n[i],
        }
        for i, (bucket, agent) in enumerate(labels)
    ]


def resolved_count(c: Cohort) -> int:
    return len(c.resolved["at"])


def _position(fraction: float, n: int) -> int:
    """percentile_disc's 0-based position: ⌈fraction × n⌉, at least the first."""
    return max(1, math.ceil(fraction * n)) - 1


def kths(values: npt.NDArray[Any], fractions: Sequence[float]) -> list[int | None]:
    """PostgreSQL's percentile_disc of an unsorted array at several fractions, in one selection pass."""
    if len(values) == 0:
        return [None] * len(fractions)
    positions = [_position(f, len(values)) for f in fractions]
    selected = np.partition(values, sorted(set(positions)))
    return [int(selected[p]) for p in positions]


def kth(values: npt.NDArray[Any], fraction: float) -> int | None:
    return kths(values, [fraction])[0]


def percentiles(c: Cohort, fractions: Sequence[float]) -> dict[str, int | None]:
    result: dict[str, int | None] = {}
    for column in DURATIONS:
        values = c.records[column]
        found = kths(values[values != NULL], fractions)
        for fraction, value in zip(fractions, found, strict=True):
            result[f"{column}_p{round(fraction * 100)}"] = value
    return result


def agent_medians(c: Cohort) -> dict[int | None, dict[str, Any]]:
    """Per assignee: tickets handled and the median (percentile_disc 0.5) of each duration. The records are grouped
    by agent once (a stable sort of small codes); each agent's median is then a linear-time selection."""
    codes, agents = factorize(c.records["assignee"])
    order = np.argsort(codes.astype(np.int16) if len(agents) < 1 << 15 else codes, kind="stable")
    handled = np.bincount(codes, minlength=len(agents))
    bounds = np.concatenate(([0], np.cumsum(handled))).tolist()
    ids = [_nullable(a) for a in agents.tolist()]
    rows: dict[int | None, dict[str, Any]] = {
        agent: {"assignee_id": agent, "handled": int(n), **dict.fromkeys(DURATIONS)}
        for agent, n in zip(ids, handled.tolist(), strict=True)
    }
    for column in DURATIONS:
        grouped = c.records[column][order]
        for index, agent in enumerate(ids):
            values = grouped[bounds[index] : bounds[index + 1]]
            rows[agent][column] = kth(values[values != NULL], 0.5)
    return rows
