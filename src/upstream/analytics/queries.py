"""The dashboards' figures, read from `TicketFact` (and the survey and KB tables), for a scope and filters.

Every figure is defined in docs/analytics.md; the tests compute each with direct SQL and compare. Percentiles are
PostgreSQL's `percentile_disc` (an actual value, never an interpolation); on other databases (SQLite, the
zero-setup default) the same definition is applied in Python (`metrics.percentile_disc`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Aggregate, Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Trunc

from upstream.accounts.models import User
from upstream.analytics import columns, metrics
from upstream.analytics.filters import Filters, Scope
from upstream.analytics.models import MaintenanceState, TicketFact, Verdict
from upstream.kb.assist.models import BotOffer, Deflection, Outcome
from upstream.surveys.models import Dimension, NpsSurvey, ReturnVisitAnswer

DURATIONS = (
    "first_response_seconds",
    "first_response_business_seconds",
    "resolution_seconds",
    "resolution_business_seconds",
)
SLA_METRICS = ("first_response", "next_response", "resolution")


# Sort memory for the percentile and grouping passes of one dashboard (PostgreSQL's default, 4 MB, spills a
# year's sort to disk). Set for the reading transaction only.
WORK_MEM = "64MB"


@contextmanager
def reading() -> Iterator[None]:
    """One read-only transaction for a page's queries, with enough sort memory (PostgreSQL)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        yield


class PercentileDisc(Aggregate):
    """PostgreSQL: `percentile_disc(fraction) WITHIN GROUP (ORDER BY expression)`."""

    function = "percentile_disc"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = IntegerField()

    def __init__(self, expression: str, fraction: float) -> None:
        super().__init__(expression, fraction=repr(float(fraction)))


# Ranges of at least this many days read the cohort from the day columns (`analytics.columns`) once the columns are
# built: a quarter of facts is read from the fact table in well under a second, longer ranges are not.
COLUMNS_FROM_DAYS = 63


def reads_day_columns(filters: Filters) -> bool:
    if not columns.enabled() or filters.range.days < COLUMNS_FROM_DAYS:
        return False
    return MaintenanceState.objects.filter(pk=1, days_built_at__isnull=False).exists()


def _percentile_key(column: str, fraction: float) -> str:
    return f"{column}_p{round(fraction * 100)}"


def _native_percentiles() -> bool:
    return connection.vendor == "postgresql"


def percentiles(facts: QuerySet[TicketFact], columns: Iterable[str]) -> dict[str, int | None]:
    """p50 and p90 of each column over the rows of `facts` (NULLs ignored), in one query on PostgreSQL."""
    columns = list(columns)
    if _native_percentiles():
        aggregates = {
            _percentile_key(c, f): PercentileDisc(c, f) for c in columns for f in metrics.PERCENTILES
        }  # fmt: skip
        return facts.aggregate(**aggregates)
    values: dict[str, list[int]] = {c: [] for c in columns}
    for row in facts.values_list(*columns):
        for column, value in zip(columns, row, strict=True):
            if value is not None:
                values[column].append(value)
    return {
        _percentile_key(c, f): metrics.percentile_disc(values[c], f) for c in columns for f in metrics.PERCENTILES
    }  # fmt: skip


# ---------------------------------------------------------------- base sets


def facts_in_scope(scope: Scope, filters: Filters) -> QuerySet[TicketFact]:
    return TicketFact.objects.filter(scope.q()).filter(filters.q())


def cohort(scope: Scope, filters: Filters) -> QuerySet[TicketFact]:
    """The tickets created in the range: what response times, SLA, reopen rate and the agent table describe."""
    r = filters.range
    return facts_in_scope(scope, filters).filter(created_at__gte=r.start, created_at__lt=r.end)


def resolved_in_range(scope: Scope, filters: Filters) -> QuerySet[TicketFact]:
    r = filters.range
    return facts_in_scope(scope, filters).filter(resolved_at__gte=r.start, resolved_at__lt=r.end)


def csat_in_range(scope: Scope, filters: Filters) -> QuerySet[TicketFact]:
    r = filters.range
    return facts_in_scope(scope, filters).filter(csat_answered_at__gte=r.start, csat_answered_at__lt=r.end)


def nps_in_range(scope: Scope, filters: Filters) -> QuerySet[NpsSurvey]:
    """Answered NPS surveys in the range. NPS is about an organisation, not a ticket: only the organisation filter
    (and an organisation scope) applies; a filter by team, agent, plan, product, channel or category leaves no NPS
    answers at all rather than silently ignoring the filter."""
    r = filters.range
    surveys = NpsSurvey.objects.filter(
        answered_at__gte=r.start, answered_at__lt=r.end, answered_at__isnull=False, score__isnull=False
    )
    if scope.organisation_ids:
        surveys = surveys.filter(organisation_id__in=scope.organisation_ids)
    if filters.organisation is not None:
        surveys = surveys.filter(organisation_id=filters.organisation)
    if any(getattr(filters, name) not in (None, "") for name in NPS_UNFILTERABLE):
        surveys = surveys.none()
    return surveys


NPS_UNFILTERABLE = ("team", "agent", "plan", "product", "channel", "category")


# ---------------------------------------------------------------- headline figures


@dataclass
class Summary:
    tickets_created: int
    tickets_resolved: int
    first_response: dict[str, int | None]  # p50/p90, wall-clock and business, seconds
    resolution: dict[str, int | None]
    sla: dict[str, dict[str, Any]]  # metric -> met, breached, compliance
    reopened: int
    resolved_once: int
    reopen_rate: float | None
    csat_average: float | None
    csat_count: int
    nps: float | None
    nps_count: int
    nps_promoters: int
    nps_detractors: int

    def as_json(self) -> dict[str, Any]:
        return {
            "tickets_created": self.tickets_created,
            "tickets_resolved": self.tickets_resolved,
            "first_response_seconds": self.first_response,
            "resolution_seconds": self.resolution,
            "sla": self.sla,
            "reopen": {"reopened": self.reopened, "resolved": self.resolved_once, "rate": self.reopen_rate},
            "csat": {"average": self.csat_average, "count": self.csat_count},
            "nps": {
                "score": self.nps,
                "count": self.nps_count,
                "promoters": self.nps_promoters,
                "detractors": self.nps_detractors,
            },
        }


def _sla_aggregates(prefix: str = "") -> dict[str, Any]:
    aggregates: dict[str, Any] = {}
    for metric in SLA_METRICS:
        column = f"sla_{metric}"
        aggregates[f"{prefix}{metric}_met"] = Count("pk", filter=Q(**{column: Verdict.MET}))
        aggregates[f"{prefix}{metric}_breached"] = Count("pk", filter=Q(**{column: Verdict.BREACHED}))
    return aggregates


def _sla_block(row: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    block = {}
    for metric in SLA_METRICS:
        met, breached = row[f"{prefix}{metric}_met"] or 0, row[f"{prefix}{metric}_breached"] or 0
        block[metric] = {"met": met, "breached": breached, "compliance": metrics.compliance(met, breached)}
    return block


def _split(values: dict[str, int | None], head: str) -> dict[str, int | None]:
    return {
        "p50": values[f"{head}_seconds_p50"],
        "p90": values[f"{head}_seconds_p90"],
        "business_p50": values[f"{head}_business_seconds_p50"],
        "business_p90": values[f"{head}_business_seconds_p90"],
    }


COUNT_KEYS = ("created", "reopened", "resolved_once", *(f"{m}_{v}" for m in SLA_METRICS for v in ("met", "breached")))


@dataclass
class CohortGroups:
    """The cohort counted in one pass: per (bucket, channel, category) for the volume charts, and per (plan,
    priority) for the SLA table and the headline counts (each ticket is in exactly one row of each list)."""

    volume_rows: list[dict[str, Any]]
    plan_rows: list[dict[str, Any]]

    def total(self) -> dict[str, int]:
        sums = dict.fromkeys(COUNT_KEYS, 0)
        for row in self.plan_rows:
            for key in COUNT_KEYS:
                sums[key] += row[key] or 0
        return sums


def cohort_groups(scope: Scope, filters: Filters, day_cohort: columns.Cohort | None = None) -> CohortGroups:
    if day_cohort is not None:
        return CohortGroups(*columns.volume_and_plan_rows(day_cohort))
    grouped = (
        cohort(scope, filters)
        .annotate(bucket=_bucket_expression("created_at", filters))
        .values("bucket", "channel", "category", "plan_id", "priority")
        .annotate(
            created=Count("pk"),
            reopened=Count("pk", filter=Q(reopen_count__gt=0)),
            resolved_once=Count("pk", filter=Q(resolved_at__isnull=False) | Q(reopen_count__gt=0)),
            **_sla_aggregates(),
        )
        .order_by()
    )
    if connection.vendor != "postgresql":
        rows = list(grouped)
        return CohortGroups(rows, rows)
    # PostgreSQL: one pass with GROUPING SETS hands back only the two roll-ups the page shows (about a thousand rows
    # for a year instead of tens of thousands), hashed in one aggregate node. GROUPING() tells the sets apart, since
    # plan_id may itself be NULL (tickets without a contract). Django writes the grouping as output ordinals
    # (bucket, channel, category, plan, priority = 1..5), which GROUPING SETS accepts too.
    try:
        sql, params = grouped.query.sql_with_params()
    except EmptyResultSet:  # a scope that sees nothing
        return CohortGroups([], [])
    table = connection.ops.quote_name(TicketFact._meta.db_table)
    plan_priority = f'{table}."plan_id", {table}."priority"'
    head, group_by, _fields = sql.rpartition(" GROUP BY ")
    if not group_by or f" FROM {table} " not in head:
        raise RuntimeError("unexpected SQL shape for the cohort grouping")
    head = head.replace(f" FROM {table} ", f', GROUPING({plan_priority}) AS "rolled" FROM {table} ', 1)
    with connection.cursor() as cursor:
        cursor.execute(f"{head} GROUP BY GROUPING SETS ((1, 2, 3), (4, 5))", params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return CohortGroups([r for r in rows if r["rolled"]], [r for r in rows if not r["rolled"]])


@dataclass
class CsatGroups:
    """CSAT answers in the range counted once per (bucket, assignee): the headline average, the trend and the
    agent table's CSAT column are sums of these rows."""

    rows: list[dict[str, Any]]

    def total(self) -> tuple[int, int]:
        return sum(r["total"] or 0 for r in self.rows), sum(r["n"] for r in self.rows)


def csat_groups(scope: Scope, filters: Filters, days: columns.Cohort | None = None) -> CsatGroups:
    if days is not None:
        return CsatGroups(columns.csat_rows(days))
    rows = (
        csat_in_range(scope, filters)
        .annotate(bucket=_bucket_expression("csat_answered_at", filters))
        .values("bucket", "assignee_id")
        .annotate(total=Sum("csat_score"), n=Count("pk"))
        .order_by()
    )
    return CsatGroups(list(rows))


def day_cohort(scope: Scope, filters: Filters) -> columns.Cohort | None:
    """The cohort from the day columns for a long range (read once per page), None to read the facts."""
    return columns.cohort(scope, filters) if reads_day_columns(filters) else None


def summary(
    scope: Scope,
    filters: Filters,
    groups: CohortGroups | None = None,
    csat: CsatGroups | None = None,
    days: columns.Cohort | None = None,
) -> Summary:
    """The headline figures: five queries whatever the number of tickets (three when the dashboard hands in the
    grouped passes it reads anyway)."""
    if days is None and groups is None:
        days = day_cohort(scope, filters)
    counts = (groups or cohort_groups(scope, filters, days)).total()
    if days is not None:
        times = columns.percentiles(days, metrics.PERCENTILES)
        resolved = columns.resolved_count(days)
    else:
        times = percentiles(cohort(scope, filters), DURATIONS)
        resolved = resolved_in_range(scope, filters).count()
    csat_total, csat_count = (csat or csat_groups(scope, filters, days)).total()
    nps = nps_in_range(scope, filters).aggregate(
        total=Count("pk"),
        promoters=Count("pk", filter=Q(score__gte=metrics.PROMOTER_MIN)),
        detractors=Count("pk", filter=Q(score__lte=metrics.DETRACTOR_MAX)),
    )
    return Summary(
        tickets_created=counts["created"],
        tickets_resolved=resolved,
        first_response=_split(times, "first_response"),
        resolution=_split(times, "resolution"),
        sla=_sla_block(counts),
        reopened=counts["reopened"],
        resolved_once=counts["resolved_once"],
        reopen_rate=metrics.rate(counts["reopened"], counts["resolved_once"]),
        csat_average=metrics.average(csat_total, csat_count),
        csat_count=csat_count,
        nps=metrics.nps_from_counts(nps["promoters"], nps["detractors"], nps["total"]),
        nps_count=nps["total"],
        nps_promoters=nps["promoters"],
        nps_detractors=nps["detractors"],
    )


# ---------------------------------------------------------------- series


def _bucket_expression(column: str, filters: Filters) -> Trunc:
    return Trunc(column, filters.range.bucket.value, tzinfo=filters.range.zone)


def _local_date(value: datetime | date, zone: ZoneInfo) -> date:
    if isinstance(value, datetime):
        return value.astimezone(zone).date() if value.tzinfo else value.date()
    return value


@dataclass
class Series:
    """Values per bucket start for each named line (every bucket present, zeros included)."""

    buckets: list[date]
    lines: dict[str, list[float | None]] = field(default_factory=dict)


def volume(scope: Scope, filters: Filters, groups: CohortGroups | None = None) -> tuple[Series, Series]:
    """Tickets created per bucket, by channel and by category."""
    if groups is None:
        groups = cohort_groups(scope, filters, day_cohort(scope, filters))
    buckets = filters.range.bucket_starts()
    index = {b: i for i, b in enumerate(buckets)}
    by_channel: dict[str, list[float | None]] = defaultdict(lambda: [0] * len(buckets))
    by_category: dict[str, list[float | None]] = defaultdict(lambda: [0] * len(buckets))
    for row in (groups or cohort_groups(scope, filters)).volume_rows:
        position = index.get(_local_date(row["bucket"], filters.range.zone))
        if position is None:
            continue
        n = row["created"]
        by_channel[row["channel"]][position] = (by_channel[row["channel"]][position] or 0) + n
        by_category[row["category"]][position] = (by_category[row["category"]][position] or 0) + n
    return Series(buckets, dict(by_channel)), Series(buckets, dict(by_category))


def csat_trend(scope: Scope, filters: Filters, csat: CsatGroups | None = None) -> Series:
    if csat is None:
        csat = csat_groups(scope, filters, day_cohort(scope, filters))
    buckets = filters.range.bucket_starts()
    index = {b: i for i, b in enumerate(buckets)}
    totals: list[int] = [0] * len(buckets)
    counts: list[float | None] = [0] * len(buckets)
    for row in (csat or csat_groups(scope, filters)).rows:
        position = index.get(_local_date(row["bucket"], filters.range.zone))
        if position is not None:
            totals[position] += row["total"] or 0
            counts[position] = (counts[position] or 0) + row["n"]
    averages = [metrics.average(t, int(c or 0)) for t, c in zip(totals, counts, strict=True)]
    return Series(buckets, {"average": averages, "answers": counts})


def nps_trend(scope: Scope, filters: Filters) -> Series:
    rows = (
        nps_in_range(scope, filters)
        .annotate(bucket=_bucket_expression("answered_at", filters))
        .values_list("bucket")
        .annotate(
            n=Count("pk"),
            promoters=Count("pk", filter=Q(score__gte=metrics.PROMOTER_MIN)),
            detractors=Count("pk", filter=Q(score__lte=metrics.DETRACTOR_MAX)),
        )
        .order_by()
    )
    buckets = filters.range.bucket_starts()
    index = {b: i for i, b in enumerate(buckets)}
    scores: list[float | None] = [None] * len(buckets)
    counts: list[float | None] = [0] * len(buckets)
    for bucket, n, promoters, detractors in rows:
        position = index.get(_local_date(bucket, filters.range.zone))
        if position is not None:
            scores[position] = metrics.nps_from_counts(promoters, detractors, n)
            counts[position] = n
    return Series(buckets, {"nps": scores, "answers": counts})


# ---------------------------------------------------------------- tables


@dataclass
class BacklogRow:
    label: str
    by_priority: dict[int, int]
    total: int


def backlog(scope: Scope, filters: Filters, now: datetime) -> list[BacklogRow]:
    """Active tickets now (the date range does not apply), by age and priority (one query)."""
    whens = []
    for index, (_label, limit) in enumerate(metrics.AGE_BUCKETS):
        if limit is not None:
            whens.append(When(created_at__gt=now - _days(limit), then=Value(index)))
    age = Case(*whens, default=Value(len(metrics.AGE_BUCKETS) - 1), output_field=IntegerField())
    rows = (
        facts_in_scope(scope, filters)
        .filter(is_active=True)
        .annotate(age=age)
        .values_list("age", "priority")
        .annotate(n=Count("pk"))
        .order_by()
    )
    table = [BacklogRow(label, {}, 0) for label, _limit in metrics.AGE_BUCKETS]
    for age_index, priority, n in rows:
        row = table[age_index]
        row.by_priority[priority] = row.by_priority.get(priority, 0) + n
        row.total += n
    return table


def _days(n: int) -> Any:
    from datetime import timedelta

    return timedelta(days=n)


@dataclass
class SlaRow:
    plan_id: int | None
    priority: int
    tickets: int
    metrics: dict[str, dict[str, Any]]


def sla_by_plan_priority(scope: Scope, filters: Filters, groups: CohortGroups | None = None) -> list[SlaRow]:
    grouped = groups or cohort_groups(scope, filters, day_cohort(scope, filters))
    sums: dict[tuple[int | None, int], dict[str, int]] = {}
    for row in grouped.plan_rows:
        entry = sums.setdefault((row["plan_id"], row["priority"]), dict.fromkeys(COUNT_KEYS, 0))
        for key in COUNT_KEYS:
            entry[key] += row[key] or 0
    keys = sorted(sums, key=lambda k: (k[0] is None, k[0] or 0, k[1]))
    return [
        SlaRow(plan, priority, sums[plan, priority]["created"], _sla_block(sums[plan, priority]))
        for plan, priority in keys
    ]


@dataclass
class AgentRow:
    agent_id: int | None
    name: str
    handled: int
    first_response_p50: int | None
    first_response_business_p50: int | None
    resolution_p50: int | None
    resolution_business_p50: int | None
    csat_average: float | None
    csat_count: int


def agent_table(
    scope: Scope,
    filters: Filters,
    csat_rows: CsatGroups | None = None,
    days: columns.Cohort | None = None,
) -> list[AgentRow]:
    """Per assignee of the cohort: tickets handled and median times; CSAT over answers in the range (3 queries)."""
    if days is None:
        days = day_cohort(scope, filters)
    tickets = cohort(scope, filters)
    medians = {c: PercentileDisc(c, 0.5) for c in DURATIONS}
    rows: dict[int | None, dict[str, Any]] = {}
    if days is not None:
        rows = columns.agent_medians(days)
    elif _native_percentiles():
        for r in tickets.values("assignee_id").annotate(handled=Count("pk"), **medians).order_by():
            rows[r["assignee_id"]] = r
    else:
        grouped: dict[int | None, list[tuple[Any, ...]]] = defaultdict(list)
        for values in tickets.values_list("assignee_id", *DURATIONS):
            grouped[values[0]].append(values[1:])
        for agent, items in grouped.items():
            row: dict[str, Any] = {"assignee_id": agent, "handled": len(items)}
            for i, column in enumerate(DURATIONS):
                row[column] = metrics.percentile_disc([x[i] for x in items if x[i] is not None], 0.5)
            rows[agent] = row
    csat: dict[int | None, dict[str, Any]] = {}
    for r in (csat_rows or csat_groups(scope, filters, days)).rows:
        entry = csat.setdefault(r["assignee_id"], {"total": 0, "n": 0})
        entry["total"] += r["total"] or 0
        entry["n"] += r["n"]
    ids = [i for i in {*rows, *csat} if i is not None]
    names = {u.pk: u.display_name for u in User.objects.filter(id__in=ids).only("id", "username", "full_name")}
    table = []
    for agent_id in {*rows, *csat}:
        r = rows.get(agent_id, {})
        c = csat.get(agent_id, {})
        table.append(
            AgentRow(
                agent_id=agent_id,
                name=names.get(agent_id, "") if agent_id is not None else "",
                handled=r.get("handled", 0),
                first_response_p50=r.get("first_response_seconds"),
                first_response_business_p50=r.get("first_response_business_seconds"),
                resolution_p50=r.get("resolution_seconds"),
                resolution_business_p50=r.get("resolution_business_seconds"),
                csat_average=metrics.average(c.get("total"), c.get("n", 0)),
                csat_count=c.get("n", 0),
            )
        )
    table.sort(key=lambda row: (-row.handled, row.agent_id is None, row.name))
    return table


@dataclass
class DimensionScore:
    dimension: str
    label: str
    average: float | None
    answers: int


def return_visit_scores(scope: Scope, filters: Filters) -> list[DimensionScore]:
    """Average answer per dimension over return visits completed in the range (organisation filter only, like
    NPS; other dimension filters leave none)."""
    r = filters.range
    answers = ReturnVisitAnswer.objects.filter(visit__completed_at__gte=r.start, visit__completed_at__lt=r.end)
    if scope.organisation_ids:
        answers = answers.filter(visit__organisation_id__in=scope.organisation_ids)
    if filters.organisation is not None:
        answers = answers.filter(visit__organisation_id=filters.organisation)
    if any(getattr(filters, name) not in (None, "") for name in NPS_UNFILTERABLE):
        answers = answers.none()
    found = {
        row["dimension"]: row
        for row in answers.values("dimension").annotate(total=Sum("score"), n=Count("pk")).order_by()
    }  # fmt: skip
    return [
        DimensionScore(
            value,
            str(label),
            metrics.average(found.get(value, {}).get("total"), found.get(value, {}).get("n", 0)),
            found.get(value, {}).get("n", 0),
        )
        for value, label in Dimension.choices
    ]


@dataclass
class Deflections:
    self_service: int  # "this solved my problem" on a suggested article, without a ticket
    bot_solved: int  # answer-bot offers the customer marked as solved
    bot_offers: int
    tickets_created: int

    @property
    def rate(self) -> float | None:
        """Requests answered without a person ÷ all requests: (self-service + bot-solved) ÷ (self-service + tickets
        created). A bot-solved ticket was created, so it is in both."""
        return metrics.rate(self.self_service + self.bot_solved, self.self_service + self.tickets_created)


def deflection(filters: Filters, tickets_created: int | None = None) -> Deflections:
    """KB deflection in the range, company-wide (deflections carry no organisation, team or agent; shown to admins
    without dimension filters). `tickets_created`: the unfiltered count when the caller has it already."""
    r = filters.range
    if tickets_created is None:
        tickets_created = TicketFact.objects.filter(created_at__gte=r.start, created_at__lt=r.end).count()
    offers = BotOffer.objects.filter(created_at__gte=r.start, created_at__lt=r.end).aggregate(
        total=Count("pk"), solved=Count("pk", filter=Q(outcome=Outcome.SOLVED))
    )
    self_service = Deflection.objects.filter(created_at__gte=r.start, created_at__lt=r.end).count()
    return Deflections(self_service, offers["solved"], offers["total"], tickets_created)
