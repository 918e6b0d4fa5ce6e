"""Inbox benchmark (issue 3): first pages of every inbox queue and of the API list, a deep keyset page and ticket
creation through the API, on a PostgreSQL database with a million generated tickets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/upstream_bench .venv/bin/python bench/inbox.py

Creates and migrates the database when needed and generates the tickets once (`upstream generate --tickets`);
later runs reuse them. Requests go through Django's test client in-process: full middleware, session or token
authentication, template rendering and JSON serialisation, but no network or WSGI server. The named baseline is
Django's Paginator (OFFSET + COUNT(*)) on the same querysets and orderings, measured in the same run.

Prints a table and one line of JSON (prefixed "BENCH_JSON "); exits non-zero if a first page misses the target.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 50.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets the database should hold")
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per case")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per case first")
    parser.add_argument("--creates", type=int, default=300, help="tickets created through the API")
    parser.add_argument("--deep", type=int, default=10_000, help="rows before the deep queue page")
    parser.add_argument("--deep-list", type=int, default=500_000, help="rows before the deep page of the full list")
    parser.add_argument("--agent", default="li.wei", help="the agent whose inbox is measured")
    parser.add_argument("--admin", default="admin", help="the admin whose inbox is measured")
    parser.add_argument(
        "--any-database", action="store_true", help="allow a database whose name does not end in _bench"
    )
    return parser.parse_args()


def ensure_database(url: str, allow_any: bool) -> str:
    """Create the PostgreSQL database named in `url` if it does not exist yet; return its name."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("bench/inbox.py measures PostgreSQL: set DATABASE_URL=postgres://…/upstream_bench")
    name = parts.path.lstrip("/")
    if not name.endswith("_bench") and not allow_any:
        sys.exit(f"refusing to load a million tickets into {name!r}; use a database named *_bench or --any-database")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    return name


def setup_django() -> None:
    # WhiteNoise warns that collectstatic has not run; static files are not part of this benchmark.
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "upstream.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")
    import django

    django.setup()


@dataclass
class Result:
    case: str
    p50_ms: float
    p95_ms: float
    max_ms: float
    queries: int
    target: bool  # whether the p95 target applies


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def count_queries(call: Callable[[], Any]) -> int:
    """Queries sent by one call. (Not CaptureQueriesContext: each request resets Django's query log.)"""
    from django.db import connection

    sent = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        call()
    return len(sent)


def timed(case: str, call: Callable[[], Any], repeat: int, warmup: int, *, target: bool = False) -> Result:
    for _ in range(warmup):
        call()
    queries = count_queries(call)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return Result(case, statistics.median(samples), percentile(samples, 95), max(samples), queries, target)


def machine() -> dict[str, Any]:
    import django
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        settings = {}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": server,
        "postgresql_settings": settings,
    }


def ensure_tickets(target: int) -> dict[str, Any]:
    from django.core.management import call_command

    from upstream.tickets.models import Ticket

    have = Ticket.objects.count()
    info: dict[str, Any] = {"tickets_before": have, "generated": 0, "generate_seconds": None}
    if have < target:
        print(f"generating {target - have:,} tickets (once; later runs reuse them) …", flush=True)
        started = time.monotonic()
        call_command("generate", tickets=target - have)
        info["generated"] = target - have
        info["generate_seconds"] = round(time.monotonic() - started, 1)
    return info


def data_profile() -> dict[str, Any]:
    from django.db.models import Count

    from upstream.tickets.models import Activity, Message, Ticket
    from upstream.tickets.rules import ACTIVE_STATUSES

    by_status = dict(Ticket.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {
        "tickets": sum(by_status.values()),
        "active": sum(n for s, n in by_status.items() if s in ACTIVE_STATUSES),
        "by_status": by_status,
        "messages": Message.objects.count(),
        "activities": Activity.objects.count(),
    }


def plan_summary(queryset: Any, runs: int = 5) -> dict[str, Any]:
    """EXPLAIN ANALYZE of a query: its top node, the node that reads tickets_ticket, and the best planning and
    execution times of a few runs (planning a many-way join can cost far more than running it)."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connection

    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # Django knows the result is empty (an admin in no team) and sends no query
        return {"top": "no query: empty in Python", "tickets_ticket": "-", "planning_ms": 0.0, "execution_ms": 0.0}
    planning, execution, lines = [], [], []
    with connection.cursor() as cursor:
        for _ in range(runs):
            cursor.execute("EXPLAIN (ANALYZE, SUMMARY) " + sql, params)
            lines = [row[0].strip().removeprefix("->").strip() for row in cursor.fetchall()]
            for line in lines:
                if line.startswith("Planning Time:"):
                    planning.append(float(line.split()[2]))
                elif line.startswith("Execution Time:"):
                    execution.append(float(line.split()[2]))
    ticket_node = next((line for line in lines if " on tickets_ticket" in line), "")
    return {
        "top": lines[0].split("  (")[0],
        "tickets_ticket": ticket_node.split("  (")[0],
        "planning_ms": min(planning),
        "execution_ms": min(execution),
    }


def keyset_cursor(queryset: Any, order: tuple[str, ...], depth: int) -> tuple[str | None, int]:
    """The cursor of the page that starts after `depth` rows (or half-way, if the set is smaller)."""
    from upstream.core.pagination import encode_cursor

    size = queryset.order_by().values("id")[: depth + 1].count()
    depth = depth if size > depth else max(1, size // 2)
    row = queryset.order_by(*order).values_list(*(f.lstrip("-") for f in order))[depth - 1 : depth].first()
    return (encode_cursor(list(row)) if row else None), depth


def main() -> int:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    database = ensure_database(url, args.any_database)
    setup_django()

    from django.core.management import call_command
    from django.core.paginator import Paginator
    from django.test import Client

    from upstream.accounts.models import User
    from upstream.accounts.services import create_api_token
    from upstream.core.pagination import paginate
    from upstream.customers.models import Membership, ProductVersion
    from upstream.tickets.models import Ticket
    from upstream.tickets.queries import (
        LIST_ORDER,
        QUEUE_ORDER,
        QUEUE_SLUGS,
        queue_tickets,
        visible_tickets,
        with_list_relations,
    )

    call_command("migrate", verbosity=0)
    generation = ensure_tickets(args.tickets)
    profile = data_profile()
    print(f"database {database}: {profile['tickets']:,} tickets ({profile['active']:,} active), "
          f"{profile['messages']:,} messages, {profile['activities']:,} activity entries", flush=True)  # fmt: skip

    users = {role: User.objects.get(username=name) for role, name in (("agent", args.agent), ("admin", args.admin))}
    clients, api_clients, tokens = {}, {}, []
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
        token, raw = create_api_token(by=user, name="bench")
        tokens.append(token)
        api_clients[role] = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def get(client: Client, path: str) -> Callable[[], Any]:
        def call() -> Any:
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"GET {path} answered {response.status_code}: {response.content[:300]!r}")
            return response

        return call

    results: list[Result] = []
    r, w = args.repeat, args.warmup
    for role, user in users.items():
        for slug in QUEUE_SLUGS:
            label = f"inbox /inbox/{slug}/ ({role} {user.username})"
            results.append(timed(label, get(clients[role], f"/inbox/{slug}/"), r, w, target=True))
            print(f"  {label}: p95 {results[-1].p95_ms:.1f} ms", flush=True)
        for path in ("/api/tickets?limit=25", "/api/tickets?queue=open"):
            label = f"API GET {path} ({role})"
            results.append(timed(label, get(api_clients[role], path), r, w, target=True))
            print(f"  {label}: p95 {results[-1].p95_ms:.1f} ms", flush=True)

    # Deep pages by keyset: the view and the API given a cursor far into the set.
    admin = users["admin"]
    open_queue = queue_tickets(admin, "open")
    cursor, depth = keyset_cursor(open_queue, QUEUE_ORDER, args.deep)
    results.append(timed(f"inbox /inbox/open/?cursor=… (admin, after {depth:,} rows)",
                         get(clients["admin"], f"/inbox/open/?cursor={cursor}"), r, w))  # fmt: skip
    results.append(timed(f"API GET /api/tickets?queue=open&cursor=… (admin, after {depth:,} rows)",
                         get(api_clients["admin"], f"/api/tickets?queue=open&cursor={cursor}"), r, w))  # fmt: skip
    everything = visible_tickets(admin)
    list_cursor, list_depth = keyset_cursor(everything, LIST_ORDER, args.deep_list)
    results.append(timed(f"API GET /api/tickets?cursor=… (admin, after {list_depth:,} rows)",
                         get(api_clients["admin"], f"/api/tickets?limit=25&cursor={list_cursor}"), r, w))  # fmt: skip

    # Baseline, same querysets and orderings: keyset (what the app does) vs Paginator's OFFSET + COUNT(*).
    baseline: list[dict[str, Any]] = []
    for name, queryset, order, deep_cursor, deep_rows in (
        ("open queue, priority then age", open_queue, QUEUE_ORDER, cursor, depth),
        ("all tickets, newest first", everything, LIST_ORDER, list_cursor, list_depth),
    ):
        rows = with_list_relations(queryset)

        def keyset(c: str | None, rows: Any = rows, order: tuple[str, ...] = order) -> Callable[[], Any]:
            return lambda: paginate(rows, order, cursor=c, size=25).items

        def offset(page: int, rows: Any = rows, order: tuple[str, ...] = order) -> Callable[[], Any]:
            def call() -> Any:
                paginator = Paginator(rows.order_by(*order), 25)
                current = paginator.page(page)  # validates the number with COUNT(*)
                return list(current.object_list), paginator.num_pages

            return call

        deep_page = deep_rows // 25 + 1
        measured = {
            "first_keyset": timed(f"keyset page 1 [{name}]", keyset(None), r, w),
            "first_offset": timed(f"Paginator page 1 [{name}]", offset(1), r, w),
            "deep_keyset": timed(f"keyset after {deep_rows:,} rows [{name}]", keyset(deep_cursor), r, w),
            "deep_offset": timed(f"Paginator page {deep_page:,} [{name}]", offset(deep_page), max(5, r // 5), 1),
        }
        results.extend(measured.values())
        baseline.append({"set": name, "depth": deep_rows, **{k: asdict(v) for k, v in measured.items()}})

    # Why a first page costs what it does: the same keyset page with its related rows joined in one query (as
    # with_list_relations does) or fetched by prefetch queries. PostgreSQL plans a 7-8-way join slowly.
    shapes: list[Result] = []
    agent = users["agent"]
    for name, queryset, order, extra in (
        ("agent open queue", queue_tickets(agent, "open"), QUEUE_ORDER, ()),
        ("admin API list", visible_tickets(admin), LIST_ORDER, ("contract__plan",)),
    ):
        small = ("team", "product", "product_version", "tags")
        variants = {
            "as built (with_list_relations)": with_list_relations(queryset),
            "3 joined, 4 prefetched": queryset.select_related("organisation", "requester", "assignee")
            .prefetch_related(*small),
            "all prefetched": queryset.prefetch_related("organisation", "requester", "assignee", *small),
        }  # fmt: skip
        for label, rows in variants.items():
            rows = rows.select_related(*extra) if extra else rows

            def page(rows: Any = rows, order: tuple[str, ...] = order) -> Any:
                return paginate(rows, order, cursor=None, size=25).items

            shapes.append(timed(f"page 1 {label} [{name}]", page, r, w))
    results.extend(shapes)

    # Ticket creation through the API, as an agent on behalf of a customer contact.
    membership = Membership.objects.select_related("organisation", "contact").order_by("id").first()
    assert membership is not None, "no contacts: the reference data is missing"
    version = ProductVersion.objects.select_related("product").order_by("id").first()
    payload = {
        "organisation": membership.organisation_id,
        "requester": membership.contact_id,
        "subject": "Benchmark: replication lag alert on db-prod-01",
        "body": "Replication lag on db-prod-01 has been above 300 s for ten minutes.\n\nPlease have a look.",
        "category": "defect",
        "priority": 2,
        "product": version.product_id if version else None,
        "product_version": version.id if version else None,
    }
    creator = api_clients["agent"]
    created_ids: list[int] = []
    create_samples = []
    started = time.perf_counter()
    for _ in range(args.creates):
        t0 = time.perf_counter()
        response = creator.post("/api/tickets", data=payload, content_type="application/json")
        create_samples.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 201:
            raise SystemExit(f"POST /api/tickets answered {response.status_code}: {response.content[:300]!r}")
        created_ids.append(response.json()["id"])
    create_seconds = time.perf_counter() - started
    creation = {
        "requests": args.creates,
        "seconds": round(create_seconds, 2),
        "per_second": round(args.creates / create_seconds, 1),
        "p50_ms": round(statistics.median(create_samples), 1),
        "p95_ms": round(percentile(create_samples, 95), 1),
    }
    Ticket.objects.filter(id__in=created_ids).delete()  # keep the data set the same for the next run
    for token in tokens:
        token.delete()

    # Plans: each queue's first page must read tickets_ticket through an index. Explained in the shape the inbox
    # sends it (its own row relations if it has them, else the shared with_list_relations).
    from upstream.tickets.views import common

    inbox_rows = getattr(common, "with_row_relations", with_list_relations)
    plans = {}
    for role, user in users.items():
        for slug in QUEUE_SLUGS:
            query = inbox_rows(queue_tickets(user, slug)).order_by(*QUEUE_ORDER)[:26]
            plans[f"{slug} ({role})"] = plan_summary(query)
        # As the API list builds it (with the contract and plan as well).
        api_rows = with_list_relations(visible_tickets(user)).select_related("contract__plan")
        plans[f"api list ({role})"] = plan_summary(api_rows.order_by(*LIST_ORDER)[:26])

    report(args, database, generation, profile, results, baseline, creation, plans)
    missed = [x.case for x in results if x.target and x.p95_ms >= TARGET_P95_MS]
    unindexed = [
        n for n, plan in plans.items() if plan["tickets_ticket"] != "-" and "Index" not in plan["tickets_ticket"]
    ]
    return 1 if missed or unindexed else 0


def report(
    args: argparse.Namespace,
    database: str,
    generation: dict[str, Any],
    profile: dict[str, Any],
    results: list[Result],
    baseline: list[dict[str, Any]],
    creation: dict[str, Any],
    plans: dict[str, dict[str, Any]],
) -> None:
    info = machine()
    print()
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB, load average "
          f"{'/'.join(map(str, info['load_average_1_5_15']))} at the end; PostgreSQL {info['postgresql']} "
          f"({', '.join(f'{k}={v}' for k, v in info['postgresql_settings'].items())}); Python {info['python']}, "
          f"Django {info['django']}")  # fmt: skip
    print(f"data: {profile['tickets']:,} tickets ({profile['active']:,} active), {profile['messages']:,} messages, "
          f"{profile['activities']:,} activity entries; {args.repeat} timed requests per case after {args.warmup} "
          "warm-up")  # fmt: skip
    print()
    width = max(len(x.case) for x in results)
    print(f"{'case':<{width}}  {'p50 ms':>8}  {'p95 ms':>8}  {'max ms':>8}  {'queries':>7}  target")
    for x in results:
        verdict = ("ok" if x.p95_ms < TARGET_P95_MS else "MISSED") if x.target else ""
        print(f"{x.case:<{width}}  {x.p50_ms:>8.1f}  {x.p95_ms:>8.1f}  {x.max_ms:>8.1f}  {x.queries:>7}  {verdict}")
    print()
    print("baseline (same queryset and order; p50 ms): keyset vs Paginator OFFSET + COUNT(*)")
    for b in baseline:
        first = b["first_offset"]["p50_ms"] / b["first_keyset"]["p50_ms"]
        deep = b["deep_offset"]["p50_ms"] / b["deep_keyset"]["p50_ms"]
        print(f"  {b['set']}: page 1 {b['first_keyset']['p50_ms']:.1f} vs {b['first_offset']['p50_ms']:.1f} "
              f"(×{first:.1f}); after {b['depth']:,} rows {b['deep_keyset']['p50_ms']:.1f} vs "
              f"{b['deep_offset']['p50_ms']:.1f} (×{deep:.1f})")  # fmt: skip
    print()
    c = creation
    print(f"ticket creation, POST /api/tickets: {c['requests']} in {c['seconds']} s = {c['per_second']} requests/s "
          f"(p50 {c['p50_ms']} ms, p95 {c['p95_ms']} ms)")  # fmt: skip
    print()
    print("plans (EXPLAIN ANALYZE of each first-page query; best of 5):")
    for name, plan in plans.items():
        print(f"  {name}: {plan['top']} | {plan['tickets_ticket']} | planning {plan['planning_ms']:.2f} ms, "
              f"execution {plan['execution_ms']:.2f} ms")  # fmt: skip
    command = "DATABASE_URL=" + os.environ.get("DATABASE_URL", "") + " .venv/bin/python bench/inbox.py"
    extra = shlex.join(sys.argv[1:])
    payload = {
        "bench": "inbox",
        "command": command + (" " + extra if extra else ""),
        "database": database,
        "machine": info,
        "generation": generation,
        "data": profile,
        "target_p95_ms": TARGET_P95_MS,
        "results": [asdict(x) for x in results],
        "baseline": baseline,
        "creation": creation,
        "plans": plans,
    }
    print()
    print("BENCH_JSON " + json.dumps(payload, ensure_ascii=False, default=str))


if __name__ == "__main__":
    sys.exit(main())
