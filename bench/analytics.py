"""Analytics benchmark (issue 10 items 4–5): every dashboard page, CSV download and the summary API against a
million tickets and five million messages in PostgreSQL, with p95 under 1 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/upstream_analyticsbench .venv/bin/python bench/analytics.py

Creates and migrates the database when needed, generates the data once (`upstream generate --tickets 1000000
--messages-per-ticket 5`: tickets, messages, activity, CSAT and NPS surveys) and rebuilds the fact table when it does
not cover every ticket (`upstream analytics rebuild`, timed); later runs reuse both. Requests go through Django's
test client in-process (middleware, session, template rendering, CSV and JSON serialisation; no network).

The named baseline, measured in the same run: the same headline figures computed directly from the source tables
(tickets, activity log, SLA records, surveys) without the fact table, by the SQL of docs/analytics.md
(`upstream.analytics.tests.direct_sql`). Its figures must equal the API's: the run checks that too.

Prints a table and one line of JSON (prefixed "BENCH_JSON "); exits 1 if a p95 exceeds 1 s or a figure disagrees.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 1000.0
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/upstream_analyticsbench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets to generate into an empty database")
    parser.add_argument("--messages-per-ticket", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per case")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per case first")
    parser.add_argument("--baseline-repeat", type=int, default=1, help="timed runs of each baseline computation")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the fact table even when it looks complete")
    parser.add_argument("--admin", default="admin")
    parser.add_argument("--lead", default="li.wei", help="a team lead (the demo's Platform lead)")
    parser.add_argument("--agent", default="james")
    parser.add_argument("--any-database", action="store_true", help="allow a database not named *bench")
    return parser.parse_args()


def ensure_database(url: str, allow_any: bool) -> str:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("bench/analytics.py measures PostgreSQL: set DATABASE_URL=postgres://…/upstream_analyticsbench")
    name = parts.path.lstrip("/")
    if not name.endswith("bench") and not allow_any:
        sys.exit(f"refusing to load a million tickets into {name!r}; use a database named *bench or --any-database")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    return name


def setup_django() -> None:
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "upstream.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")
    import django

    django.setup()


def upstream(*args: str) -> float:
    started = time.monotonic()
    subprocess.run([str(ROOT / ".venv" / "bin" / "upstream"), *args], check=True)
    return time.monotonic() - started


@dataclass
class Result:
    case: str
    p50_ms: float
    p95_ms: float
    max_ms: float
    queries: int
    target: bool


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def count_queries(call: Callable[[], Any]) -> int:
    from django.db import connection

    sent: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        call()
    return len(sent)


def timed(case: str, call: Callable[[], Any], repeat: int, warmup: int, *, target: bool = True) -> Result:
    for _ in range(warmup):
        call()
    queries = count_queries(call)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return Result(case, statistics.median(samples), percentile(samples, 95), max(samples), queries, target)


def get(client: Any, url: str) -> Callable[[], Any]:
    def call() -> Any:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}: {response.content[:300]!r}")
        return response

    return call


def combinations(today: date, ids: dict[str, int]) -> list[tuple[str, dict[str, Any]]]:
    """Filter combinations: ranges from a week to the whole two-year history, with and without dimensions."""

    def days(n: int) -> dict[str, str]:
        return {"from": (today - timedelta(days=n - 1)).isoformat(), "to": today.isoformat()}

    return [
        ("last 30 days", days(30)),
        ("last 7 days, channel email", {**days(7), "channel": "email"}),
        ("last 90 days, team", {**days(90), "team": ids["team"]}),
        ("last 365 days", days(365)),
        ("last 365 days, organisation", {**days(365), "organisation": ids["organisation"]}),
        ("two years (731 days)", days(731)),
        ("two years, category defect, plan", {**days(731), "category": "defect", "plan": ids["plan"]}),
    ]


def main() -> int:
    args = parse_args()
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    ensure_database(url, args.any_database)
    load_start = os.getloadavg()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.test import Client

    from upstream.accounts.models import Team, User
    from upstream.analytics.filters import staff_scope, user_zone
    from upstream.analytics.metrics import DateRange
    from upstream.analytics.models import TicketFact
    from upstream.analytics.tests.direct_sql import headline
    from upstream.core import clock
    from upstream.customers.models import SupportPlan
    from upstream.surveys.models import CsatSurvey, NpsSurvey
    from upstream.tickets.models import Message, Ticket

    timings: dict[str, float] = {}
    if not Ticket.objects.exists():
        print(f"generating {args.tickets:,} tickets …", flush=True)
        timings["generate_s"] = upstream(
            "generate", "--tickets", str(args.tickets), "--messages-per-ticket", str(args.messages_per_ticket)
        )
    tickets = Ticket.objects.count()
    facts = TicketFact.objects.count()
    live = Ticket.objects.filter(merged_into__isnull=True).count()
    if args.rebuild or facts != live:
        print(f"rebuilding the fact table ({facts:,} rows for {live:,} tickets) …", flush=True)
        timings["rebuild_s"] = upstream("analytics", "rebuild")
    from upstream.analytics.models import MaintenanceState

    if not MaintenanceState.objects.filter(pk=1, days_built_at__isnull=False).exists():
        print("building the day columns from the fact table …", flush=True)
        timings["rebuild_days_s"] = upstream("analytics", "rebuild-days")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'tickets_message'")
        messages = cursor.fetchone()[0] or Message.objects.count()
    data = {
        "tickets": tickets,
        "messages_estimate": messages,
        "facts": TicketFact.objects.count(),
        "csat_surveys": CsatSurvey.objects.count(),
        "nps_surveys": NpsSurvey.objects.count(),
    }
    print(json.dumps(data))

    admin = User.objects.get(username=args.admin)
    lead = User.objects.get(username=args.lead)
    agent = User.objects.get(username=args.agent)
    team = Team.objects.filter(lead=lead).order_by("id").first()
    busiest = Ticket.objects.values("organisation_id").order_by("organisation_id").first()
    plan = SupportPlan.objects.order_by("id").first()
    assert team is not None and busiest is not None and plan is not None
    ids = {"team": team.pk, "organisation": busiest["organisation_id"], "plan": plan.pk}
    org_admin = None
    from upstream.customers.models import Membership

    membership = Membership.objects.filter(is_admin=True, contact__user__isnull=False).select_related("contact").first()
    if membership is not None:
        org_admin = membership.contact.user

    results: list[Result] = []
    clients = {}
    for name, user in (("admin", admin), ("lead", lead), ("agent", agent), ("org admin", org_admin)):
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        clients[name] = (client, user)
    today = clock.now().astimezone(user_zone(admin)).date()
    combos = combinations(today, ids)
    admin_client = clients["admin"][0]
    for label, params in combos:
        query = urlencode(params)
        page, api = f"/analytics/?{query}", f"/api/analytics/summary?{query}"
        results.append(
            timed(f"dashboard /analytics/ (admin, {label})", get(admin_client, page), args.repeat, args.warmup)
        )
        results.append(
            timed(f"API /api/analytics/summary (admin, {label})", get(admin_client, api), args.repeat, args.warmup)
        )
    # Every CSV on the default range and on the widest one.
    for label, params in (combos[0], combos[5]):
        query = urlencode(params)
        for key in ("summary", "volume_channel", "volume_category", "backlog", "sla", "agents", "csat", "nps",
                    "return_visits"):  # fmt: skip
            csv_url = f"/analytics/csv/{key}.csv?{query}"
            results.append(
                timed(f"CSV {key} (admin, {label})", get(admin_client, csv_url), max(5, args.repeat // 2), 1)
            )
    # The other viewers: a lead (their teams), an agent (their own tickets), an organisation admin (the portal).
    for name in ("lead", "agent"):
        if name in clients:
            for label, params in (combos[0], combos[3]):
                call = get(clients[name][0], f"/analytics/?{urlencode(params)}")
                results.append(timed(f"dashboard /analytics/ ({name}, {label})", call, args.repeat, args.warmup))
    if "org admin" in clients:
        client = clients["org admin"][0]
        for label, params in (combos[0], combos[3]):
            call = get(client, f"/portal/analytics/?{urlencode(params)}")
            results.append(timed(f"portal /portal/analytics/ (org admin, {label})", call, args.repeat, args.warmup))

    # Baseline: the same headline figures straight from the source tables; and exactness against them.
    baseline: list[dict[str, Any]] = []
    mismatches: list[str] = []
    zone = user_zone(admin)
    staff_scope(admin)  # the admin sees everything: the direct SQL applies no scope
    for label, params in combos:
        first, last = date.fromisoformat(params["from"]), date.fromisoformat(params["to"])
        span = DateRange(first, last, zone)
        dims = {k: v for k, v in params.items() if k not in ("from", "to")}
        samples, expected = [], None
        for _ in range(args.baseline_repeat):
            started = time.perf_counter()
            expected = headline(span.start, span.end, **dims)
            samples.append((time.perf_counter() - started) * 1000)
        body = json.loads(admin_client.get(f"/api/analytics/summary?{urlencode(params)}").content)
        api_samples = next(r for r in results if r.case == f"API /api/analytics/summary (admin, {label})")
        same = expected is not None and all(body[k] == v for k, v in expected.items())
        if not same:
            mismatches.append(label)
        baseline.append({
            "combination": label,
            "direct_sql_p50_ms": round(statistics.median(samples), 1),
            "api_p50_ms": round(api_samples.p50_ms, 1),
            "speedup": round(statistics.median(samples) / max(api_samples.p50_ms, 1e-9), 1),
            "figures_equal": same,
        })  # fmt: skip

    load_end = os.getloadavg()
    print()
    print(f"{'case':<78} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>7}  target")
    failed = []
    for r in results:
        ok = r.p95_ms <= TARGET_P95_MS
        if r.target and not ok:
            failed.append(r.case)
        print(
            f"{r.case:<78} {r.p50_ms:>8.1f} {r.p95_ms:>8.1f} {r.max_ms:>8.1f} {r.queries:>7}  {'ok' if ok else 'MISS'}"
        )
    print()
    print(f"{'baseline: headline figures':<45} {'direct SQL p50 ms':>18} {'API p50 ms':>11} {'×':>6}  equal")
    for b in baseline:
        print(f"{b['combination']:<45} {b['direct_sql_p50_ms']:>18.1f} {b['api_p50_ms']:>11.1f} "
              f"{b['speedup']:>6.1f}  {'yes' if b['figures_equal'] else 'NO'}")  # fmt: skip
    summary = {
        "data": data,
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "results": [asdict(r) for r in results],
        "baseline": baseline,
        "load_average": {"start": load_start, "end": load_end},
        "python": platform.python_version(),
        "worst_p95_ms": max(r.p95_ms for r in results),
        "failed": failed,
        "mismatches": mismatches,
    }
    print()
    print("BENCH_JSON " + json.dumps(summary))
    if failed or mismatches:
        print(f"target missed: {failed}; figures differ: {mismatches}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
