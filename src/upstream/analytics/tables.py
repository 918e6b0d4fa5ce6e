"""The dashboards' tables: one builder per table, giving raw values (the CSV) and display strings (the page) from
the same query result, so a download always matches what the page shows."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from upstream.analytics import metrics, queries
from upstream.analytics.filters import Filters, Scope
from upstream.customers.models import Channel, Priority, SupportPlan
from upstream.tickets.models import Category


def duration(seconds: int | None) -> str:
    """ "2 d 3 h", "1 h 20 m", "45 m", "30 s"; "–" when unknown."""
    if seconds is None:
        return "–"
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d m") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)d m") % {"m": minutes}
    return _("%(s)d s") % {"s": secs}


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def decimal(value: float | None, places: int = 2) -> str:
    return "–" if value is None else f"{value:.{places}f}"


def raw_fraction(value: float | None) -> str:
    """CSV: fractions with six decimals (exact enough to recompute), empty when unknown."""
    return "" if value is None else f"{value:.6f}"


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    raw: list[list[Any]] = field(default_factory=list)
    shown: list[list[str]] = field(default_factory=list)

    def add(self, raw: list[Any], shown: list[str]) -> None:
        self.raw.append(raw)
        self.shown.append(shown)

    def to_csv(self) -> str:
        """UTF-8 with a byte-order mark (Excel reads Chinese names), a header row, one row per line."""
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(self.headers)
        for row in self.raw:
            writer.writerow(["" if value is None else value for value in row])
        return buffer.getvalue()


def _bucket_label(day: date, filters: Filters) -> str:
    bucket = filters.range.bucket
    if bucket == metrics.Bucket.MONTH:
        return day.strftime("%Y-%m")
    return day.isoformat()


def chart_labels(buckets: Sequence[date], filters: Filters) -> list[str]:
    if filters.range.bucket == metrics.Bucket.MONTH:
        return [d.strftime("%Y-%m") for d in buckets]
    return [d.strftime("%m-%d") for d in buckets]


def series_table(key: str, title: str, series: queries.Series, names: dict[str, str], filters: Filters) -> Table:
    order = [k for k in names if k in series.lines] + sorted(k for k in series.lines if k not in names)
    table = Table(key, title, [_("Period starting"), *[names.get(k, k) for k in order], _("Total")])
    for i, day in enumerate(series.buckets):
        values = [int(series.lines[k][i] or 0) for k in order]
        label = _bucket_label(day, filters)
        table.add([label, *values, sum(values)], [label, *map(str, values), str(sum(values))])
    return table


def summary_table(summary: queries.Summary) -> Table:
    table = Table("summary", _("Headline figures"), [_("Figure"), _("Value")])
    rows: list[tuple[str, Any, str]] = [
        (_("Tickets created"), summary.tickets_created, str(summary.tickets_created)),
        (_("Tickets resolved"), summary.tickets_resolved, str(summary.tickets_resolved)),
    ]
    for head, label in (("first_response", _("First response")), ("resolution", _("Resolution"))):
        values = getattr(summary, head)
        for key, what in (
            ("p50", _("p50 (wall-clock)")),
            ("p90", _("p90 (wall-clock)")),
            ("business_p50", _("p50 (business hours)")),
            ("business_p90", _("p90 (business hours)")),
        ):
            rows.append((f"{label} {what} ({_('seconds')})", values[key], duration(values[key])))
    for metric, label in metric_labels().items():
        block = summary.sla[metric]
        decided = block["met"] + block["breached"]
        shown = f"{percent(block['compliance'])} ({block['met']}/{decided})"
        rows.append((_("SLA compliance: %(metric)s") % {"metric": label}, raw_fraction(block["compliance"]), shown))
    rows.append((_("Reopen rate"), raw_fraction(summary.reopen_rate),
                 f"{percent(summary.reopen_rate)} ({summary.reopened}/{summary.resolved_once})"))  # fmt: skip
    rows.append((_("CSAT average"), raw_fraction(summary.csat_average),
                 f"{decimal(summary.csat_average)} ({summary.csat_count})"))  # fmt: skip
    rows.append((_("NPS"), raw_fraction(summary.nps), f"{decimal(summary.nps, 1)} ({summary.nps_count})"))
    for label, raw, shown in rows:
        table.add([label, raw], [label, shown])
    return table


def metric_labels() -> dict[str, str]:
    return {"first_response": _("First response"), "next_response": _("Next response"), "resolution": _("Resolution")}


def backlog_table(rows: list[queries.BacklogRow]) -> Table:
    priorities = list(Priority)
    table = Table("backlog", _("Backlog by age"), [_("Age"), *[str(p.label) for p in priorities], _("Total")])
    for row in rows:
        counts = [row.by_priority.get(p.value, 0) for p in priorities]
        label = _(row.label)
        table.add([label, *counts, row.total], [label, *map(str, counts), str(row.total)])
    return table


def _names(model: type[Model], ids: set[int]) -> dict[int, str]:
    return {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=ids)} if ids else {}


def sla_table(rows: list[queries.SlaRow]) -> Table:
    plans = _names(SupportPlan, {r.plan_id for r in rows if r.plan_id is not None})
    labels = metric_labels()
    headers = [_("Plan"), _("Priority"), _("Tickets")]
    for metric in queries.SLA_METRICS:
        headers += [f"{labels[metric]}: {_('met')}", f"{labels[metric]}: {_('breached')}",
                    f"{labels[metric]}: {_('compliance')}"]  # fmt: skip
    table = Table("sla", _("SLA compliance by plan and priority"), headers)
    for row in rows:
        plan = plans.get(row.plan_id, "") if row.plan_id is not None else _("No contract")
        priority = str(Priority(row.priority).label)
        raw: list[Any] = [plan, priority, row.tickets]
        shown = [plan, priority, str(row.tickets)]
        for metric in queries.SLA_METRICS:
            block = row.metrics[metric]
            raw += [block["met"], block["breached"], raw_fraction(block["compliance"])]
            shown += [str(block["met"]), str(block["breached"]), percent(block["compliance"])]
        table.add(raw, shown)
    return table


def agent_table(rows: list[queries.AgentRow]) -> Table:
    headers = [
        _("Agent"), _("Handled"), _("First response p50 (s)"), _("First response p50, business (s)"),
        _("Resolution p50 (s)"), _("Resolution p50, business (s)"), _("CSAT average"), _("CSAT answers"),
    ]  # fmt: skip
    table = Table("agents", _("Agents"), headers)
    for row in rows:
        name = row.name or _("Unassigned")
        table.add(
            [name, row.handled, row.first_response_p50, row.first_response_business_p50, row.resolution_p50,
             row.resolution_business_p50, raw_fraction(row.csat_average), row.csat_count],
            [name, str(row.handled), duration(row.first_response_p50), duration(row.first_response_business_p50),
             duration(row.resolution_p50), duration(row.resolution_business_p50), decimal(row.csat_average),
             str(row.csat_count)],
        )  # fmt: skip
    return table


def trend_table(key: str, title: str, series: queries.Series, value: str, filters: Filters) -> Table:
    table = Table(key, title, [_("Period starting"), title, _("Answers")])
    for i, day in enumerate(series.buckets):
        score, count = series.lines[value][i], int(series.lines["answers"][i] or 0)
        label = _bucket_label(day, filters)
        table.add([label, raw_fraction(score), count], [label, decimal(score), str(count)])
    return table


def return_visit_table(rows: list[queries.DimensionScore]) -> Table:
    table = Table("return_visits", _("Return-visit scores"), [_("Dimension"), _("Average (1–5)"), _("Answers")])
    for row in rows:
        table.add([row.label, raw_fraction(row.average), row.answers],
                  [row.label, decimal(row.average), str(row.answers)])  # fmt: skip
    return table


def channel_names() -> dict[str, str]:
    return {value: str(label) for value, label in Channel.choices}


def category_names() -> dict[str, str]:
    return {value: str(label) for value, label in Category.choices}


# Table key -> builder from (scope, filters, now): what a CSV download computes (only that table).
Builder = Callable[[Scope, Filters, datetime], Table]


def build(key: str, scope: Scope, filters: Filters, now: datetime) -> Table:
    if key == "summary":
        return summary_table(queries.summary(scope, filters))
    if key in ("volume_channel", "volume_category"):
        by_channel, by_category = queries.volume(scope, filters)
        if key == "volume_channel":
            return series_table(key, _("Tickets created by channel"), by_channel, channel_names(), filters)
        return series_table(key, _("Tickets created by category"), by_category, category_names(), filters)
    if key == "backlog":
        return backlog_table(queries.backlog(scope, filters, now))
    if key == "sla":
        return sla_table(queries.sla_by_plan_priority(scope, filters))
    if key == "agents":
        return agent_table(queries.agent_table(scope, filters))
    if key == "csat":
        return trend_table(key, _("CSAT average"), queries.csat_trend(scope, filters), "average", filters)
    if key == "nps":
        return trend_table(key, _("NPS"), queries.nps_trend(scope, filters), "nps", filters)
    if key == "return_visits":
        return return_visit_table(queries.return_visit_scores(scope, filters))
    raise KeyError(key)


STAFF_TABLES = (
    "summary", "volume_channel", "volume_category", "backlog", "sla", "agents", "csat", "nps", "return_visits",
)  # fmt: skip
PORTAL_TABLES = ("summary", "volume_channel", "sla", "csat")
