"""SLA recompute on PostgreSQL (issue 4): a calendar edit followed by recomputing every open ticket, the real path.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/upstream_slabench .venv/bin/python bench/sla_recompute.py

`bench/sla.py` times the pure engine; this times what the product does after a calendar save: the save itself
(`services.save_calendar`, which enqueues `sla.tasks.recompute_open_tickets` on commit) and then the function that
task runs, `runtime.recompute_open_tickets(now)`: read the active tickets in batches, load their histories, replay
them, write `TicketSla`, `Ticket.sla_due_at` and new `SlaEvent`s. End to end, against a database of its own.

Creates and migrates the database when needed (default `upstream_slabench`; a name must end in "bench"), loads the
demo reference data and the SLA demo calendars and policies, and generates the active tickets once (COPY, through
`tickets.demo.bulk`'s factory with every ticket still being worked on, created in the last few weeks; later runs reuse
them). Their first SLA computation (what ticket events would have done) runs once, untimed.

Timed, in one run:
  1. edit the Beijing calendar (a company day off in the coming week, toggled each run) and recompute all active
     tickets: seconds, tickets/s, SQL statements, peak RSS during the recompute;
  2. the baseline: edit it back and recompute a sample ticket by ticket (`recompute([id], now)`), extrapolated;
  3. recompute all active tickets once more (this brings every ticket to the second edit; a second figure).

Prints a table and one line of JSON (prefixed "BENCH_JSON "); exits non-zero if the recompute misses 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shlex
import sys
import time
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/upstream_slabench"
TARGET_SECONDS = 30.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000, help="active tickets the database should hold")
    parser.add_argument("--days", type=int, default=21, help="tickets are created over this many past days")
    parser.add_argument("--baseline-sample", type=int, default=2_000, help="tickets recomputed one by one")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the first recompute to FILE")
    parser.add_argument("--seed", type=int, default=4)
    return parser.parse_args()


# ---------------------------------------------------------------- setup


def ensure_database(url: str) -> str:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("bench/sla_recompute.py measures PostgreSQL: DATABASE_URL=postgres://…/upstream_slabench")
    name = parts.path.lstrip("/")
    if not name.endswith("bench"):
        sys.exit(f"refusing to write 100,000 tickets into {name!r}: use a database whose name ends in 'bench'")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", flush=True)
    return name


def setup_django() -> None:
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "upstream.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")
    os.environ["TASK_BACKEND"] = "database"  # the save enqueues the task; this process runs what the worker would
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def active_count() -> int:
    from upstream.tickets.models import ACTIVE, Ticket

    return int(Ticket.objects.filter(ACTIVE).count())


def generate_active(ref: Any, count: int, *, now: datetime, days: int, seed: int) -> dict[str, Any]:
    """`count` active tickets created over the last `days` days, with `bulk`'s rows (COPY on PostgreSQL): the opening
    message, for triaged ones the agent's reply and the change to open, for some a wait on the customer or on
    engineering, and for a third of the open ones a later customer message (a next-response cycle running)."""
    from django.db import transaction

    from upstream.tickets import rules, services
    from upstream.tickets.demo import bulk
    from upstream.tickets.models import Activity, Message, MessageKind, Status, Ticket

    class ActiveFactory(bulk.TicketFactory):
        def status_for(self, age: timedelta) -> str:
            # new, open, waiting on the customer, waiting internal: every ticket is still being worked on
            return self.rng.choices(rules.ACTIVE_STATUSES, (10, 45, 30, 15))[0]

    started = time.monotonic()
    writer = bulk.writer_for_database()
    tables = (
        bulk.Table(Ticket, bulk.TICKET_COLUMNS),
        bulk.Table(Message, bulk.MESSAGE_COLUMNS),
        bulk.Table(Activity, bulk.ACTIVITY_COLUMNS),
    )
    with transaction.atomic():
        numbers = services.next_numbers(count)
    factory = ActiveFactory(ref, now=now, seed=seed)
    begin, span = now - timedelta(days=days), timedelta(days=days) - timedelta(minutes=5)
    totals = [0, 0, 0]
    size = 10_000
    for offset in range(0, count, size):
        chunk = numbers[offset : offset + size]
        rows = factory.batch(chunk, begin + span * (offset / count), begin + span * ((offset + len(chunk)) / count))
        with transaction.atomic():
            writer.begin()
            ticket_ids = writer.insert(tables[0], rows.tickets, ids=True)
            message_rows, reply_at = rows.messages(ticket_ids)
            follow_ups = []
            for ticket_id, story in zip(ticket_ids, rows.stories, strict=True):
                if story.status == Status.OPEN and story.first is not None and factory.rng.random() < 0.35:
                    later = story.first + (now - story.first) * factory.rng.uniform(0.1, 0.9)
                    follow_ups.append(
                        (ticket_id, MessageKind.PUBLIC, story.channel, story.opener, story.contact,
                         "Any news on this?", "<p>Any news on this?</p>", later)
                    )  # fmt: skip
            message_ids = writer.insert(tables[1], message_rows, ids=True)
            writer.insert(tables[1], follow_ups, ids=False)
            activity_rows = rows.activities(factory, ticket_ids, message_ids, reply_at)
            writer.insert(tables[2], activity_rows, ids=False)
        totals[0] += len(ticket_ids)
        totals[1] += len(message_rows) + len(follow_ups)
        totals[2] += len(activity_rows)
        print(f"  {totals[0]:>9,}/{count:,} tickets ({time.monotonic() - started:.1f} s)", flush=True)
    writer.finish()
    return {
        "tickets": totals[0],
        "messages": totals[1],
        "activities": totals[2],
        "seconds": round(time.monotonic() - started, 1),
    }


def data_profile() -> dict[str, Any]:
    from django.db.models import Count

    from upstream.sla.models import SlaEvent, TicketSla
    from upstream.tickets.models import ACTIVE, Activity, Message, Ticket

    active = Ticket.objects.filter(ACTIVE)
    return {
        "tickets": Ticket.objects.count(),
        "active": active.count(),
        "by_status": dict(active.values_list("status").annotate(n=Count("id")).order_by()),
        "with_contract": active.filter(contract__isnull=False).count(),
        "messages": Message.objects.filter(ticket__in=active).count(),
        "activities": Activity.objects.filter(ticket__in=active).count(),
        "ticket_sla_rows": TicketSla.objects.count(),
        "sla_events": SlaEvent.objects.count(),
    }


# ---------------------------------------------------------------- measuring


class Statements:
    """Counts the SQL statements this process sends (Django's execute wrapper; no query log kept)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process, from /proc (peak = VmHWM)."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            values[line.split(":")[0]] = int(line.split()[1]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0), so the next peak is the recompute's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measured(call: Callable[[], Any]) -> dict[str, Any]:
    from django.db import connection

    statements = Statements()
    before, _ = rss_mb()
    peak_reset = reset_peak_rss()
    started = time.perf_counter()
    with connection.execute_wrapper(statements):
        value = call()
    seconds = time.perf_counter() - started
    after, peak = rss_mb()
    return {
        "value": value,
        "seconds": seconds,
        "statements": statements.count,
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(after, 1),
        "peak_rss_mb": round(peak, 1),
        "peak_is_own": peak_reset,
    }


def day_off(now: datetime) -> str:
    """A weekday in the coming week (Beijing), the company day off the edit toggles."""
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=2)
    while local.weekday() >= 5:
        local += timedelta(days=1)
    return local.isoformat()


def edit_calendar(name: str, day: str) -> tuple[str, int]:
    """Toggle `day` as a holiday of the calendar through the service (validation, change log, enqueued recompute);
    returns what was done and how many recompute tasks the save enqueued."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from upstream.sla import services
    from upstream.sla.models import BusinessCalendar

    calendar = BusinessCalendar.objects.get(name=name)
    holidays = set(calendar.holidays)
    action = f"removed day off {day}" if day in holidays else f"added day off {day}"
    holidays ^= {day}
    queued = DBTaskResult.objects.filter(task_path__endswith="recompute_open_tickets").count()
    with transaction.atomic():
        services.save_calendar(
            by=None, calendar=calendar, name=calendar.name, time_zone=calendar.time_zone, hours=calendar.hours,
            holidays=sorted(holidays), extra_workdays=calendar.extra_workdays, breaks=calendar.breaks,
            is_24x7=calendar.is_24x7, description=calendar.description,
        )  # fmt: skip
    enqueued = DBTaskResult.objects.filter(task_path__endswith="recompute_open_tickets").count() - queued
    return action, enqueued


def discard_enqueued() -> None:
    """This process ran the enqueued recompute itself; no worker should run it again later."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(task_path__endswith="recompute_open_tickets").delete()


# ---------------------------------------------------------------- main


def main() -> int:
    args = parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    database = ensure_database(url)
    os.environ["DATABASE_URL"] = url
    setup_django()

    from upstream.core import clock
    from upstream.sla import runtime
    from upstream.sla.demo import BEIJING, load_sla_demo
    from upstream.sla.models import TicketSla
    from upstream.tickets.demo.reference import ensure_reference
    from upstream.tickets.models import ACTIVE, Ticket

    now = clock.now()
    ref = ensure_reference(now)
    load_sla_demo(now=now, by=ref.admin)
    have = active_count()
    generation: dict[str, Any] = {"generated": 0}
    if have < args.tickets:
        print(f"generating {args.tickets - have:,} active tickets (once; later runs reuse them) …", flush=True)
        generation = generate_active(ref, args.tickets - have, now=now, days=args.days, seed=args.seed)
    missing = Ticket.objects.filter(ACTIVE, sla__isnull=True).values_list("id", flat=True)
    first: dict[str, Any] | None = None
    if missing.exists():
        print("first SLA computation of the new tickets (untimed for the target) …", flush=True)
        started = time.perf_counter()
        count = runtime.recompute(list(missing), clock.now())
        first = {"tickets": count, "seconds": round(time.perf_counter() - started, 2)}
    discard_enqueued()
    profile = data_profile()
    print(f"data: {profile}", flush=True)

    day = day_off(now)
    results: dict[str, Any] = {}

    # 1. The edit and the recompute it enqueues, end to end.
    def edit_and_recompute() -> tuple[str, int, int, float]:
        action, enqueued = edit_calendar(BEIJING, day)
        saved = time.perf_counter()
        done = runtime.recompute_open_tickets(clock.now())
        return action, enqueued, done, saved

    started = time.perf_counter()
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        run = measured(lambda: profiler.runcall(edit_and_recompute))
        profiler.dump_stats(args.profile)
    else:
        run = measured(edit_and_recompute)
    action, enqueued, done, saved = run.pop("value")
    run.update(edit=action, enqueued=enqueued, tickets=done, save_seconds=round(saved - started, 3))
    results["recompute"] = run
    discard_enqueued()
    print(f"recompute after the edit ({action}): {done:,} tickets in {run['seconds']:.2f} s", flush=True)

    # 2. Baseline: the same work ticket by ticket, on a sample, after editing back.
    action, enqueued = edit_calendar(BEIJING, day)
    ids = list(Ticket.objects.filter(ACTIVE).order_by("id").values_list("id", flat=True))
    sample = sorted(random.Random(args.seed).sample(ids, min(args.baseline_sample, len(ids))))
    moment = clock.now()

    def one_by_one() -> int:
        return sum(runtime.recompute([ticket_id], moment) for ticket_id in sample)

    base = measured(one_by_one)
    base_done = base.pop("value")
    base.update(
        edit=action, tickets=base_done, extrapolated_seconds=base["seconds"] / max(base_done, 1) * len(ids)
    )  # fmt: skip
    results["baseline"] = base
    print(f"baseline, one by one: {base_done:,} tickets in {base['seconds']:.2f} s", flush=True)

    # 3. The rest of the tickets follow the second edit: the batched path once more.
    again = measured(lambda: runtime.recompute_open_tickets(clock.now()))
    again["tickets"] = again.pop("value")
    results["recompute_again"] = again
    discard_enqueued()

    report(args, database, generation, first, profile, results)
    assert TicketSla.objects.filter(ticket__in=Ticket.objects.filter(ACTIVE)).count() == len(ids)
    return 0 if results["recompute"]["seconds"] < TARGET_SECONDS else 1


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
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": server,
    }


def report(
    args: argparse.Namespace,
    database: str,
    generation: dict[str, Any],
    first: dict[str, Any] | None,
    profile: dict[str, Any],
    results: dict[str, Any],
) -> None:
    info = machine()
    run, base, again = results["recompute"], results["baseline"], results["recompute_again"]
    print()
    print(f"machine: {info['cpu']}, {info['cores']} cores, load average "
          f"{'/'.join(map(str, info['load_average_1_5_15']))} at the end; PostgreSQL {info['postgresql']}; "
          f"Python {info['python']}, Django {info['django']}")  # fmt: skip
    print(f"data: {profile['active']:,} active tickets ({profile['with_contract']:,} under a contract), "
          f"{profile['messages']:,} messages, {profile['activities']:,} activity entries")  # fmt: skip
    if generation.get("generated", 1):
        print(f"generated this run: {generation}")
    if first:
        print(f"first SLA computation of new tickets: {first['tickets']:,} in {first['seconds']} s")
    print()
    header = f"{'path':<52} {'tickets':>8} {'seconds':>8} {'tickets/s':>10} {'SQL':>7} {'peak RSS MB':>11}"
    print(header)
    rows = [
        (f"edit + recompute_open_tickets ({run['edit']})", run),
        ("recompute_open_tickets again (after the edit back)", again),
    ]
    for name, r in rows:
        print(f"{name[:52]:<52} {r['tickets']:>8,} {r['seconds']:>8.2f} {r['tickets'] / r['seconds']:>10,.0f} "
              f"{r['statements']:>7,} {r['peak_rss_mb']:>11.1f}")  # fmt: skip
    name = "baseline: recompute([id]) one by one, sample"
    print(f"{name:<52} {base['tickets']:>8,} {base['seconds']:>8.2f} {base['tickets'] / base['seconds']:>10,.0f} "
          f"{base['statements']:>7,} {base['peak_rss_mb']:>11.1f}")  # fmt: skip
    print(f"  extrapolated to {profile['active']:,} tickets: {base['extrapolated_seconds']:.1f} s "
          f"({base['extrapolated_seconds'] / run['seconds']:.1f}× the batched path)")  # fmt: skip
    print()
    print(f"the save itself: {run['save_seconds'] * 1000:.0f} ms, enqueued {run['enqueued']} recompute task(s); "
          f"RSS {run['rss_before_mb']} MB before, {run['rss_after_mb']} MB after")  # fmt: skip
    verdict = "met" if run["seconds"] < TARGET_SECONDS else "MISSED"
    print(f"target: {run['tickets']:,} open tickets after a calendar edit in < {TARGET_SECONDS:.0f} s: "
          f"{run['seconds']:.2f} s, {verdict}")  # fmt: skip
    command = f"DATABASE_URL={os.environ['DATABASE_URL']} .venv/bin/python bench/sla_recompute.py"
    extra = shlex.join(sys.argv[1:])
    payload = {
        "bench": "sla_recompute",
        "command": command + (" " + extra if extra else ""),
        "database": database,
        "machine": info,
        "generation": generation,
        "first_computation": first,
        "data": profile,
        "target_seconds": TARGET_SECONDS,
        "results": results,
    }
    print()
    print("BENCH_JSON " + json.dumps(payload, ensure_ascii=False, default=str))


if __name__ == "__main__":
    sys.exit(main())
