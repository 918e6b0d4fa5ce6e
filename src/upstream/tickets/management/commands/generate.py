"""`upstream generate`: demo data (`--demo`) and bulk tickets for benchmarks (`--tickets N`)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from upstream.analytics.demo import load_analytics_demo
from upstream.channels.email.demo import load_email_demo
from upstream.core import clock
from upstream.customers.demo import load_contracts_demo
from upstream.hours.demo import load_hours_demo
from upstream.kb.demo import load_kb_demo
from upstream.sla.demo import load_sla_demo
from upstream.sla.demo_escalations import load_escalation_demo
from upstream.sla.runtime import recompute
from upstream.success.demo import load_success_demo
from upstream.surveys.demo import load_surveys_demo
from upstream.tickets.demo.bulk import generate_tickets
from upstream.tickets.demo.conversations import DEMO_TICKETS, load_demo
from upstream.tickets.demo.reference import ensure_reference
from upstream.tickets.models import Ticket


class Command(BaseCommand):
    help = (
        "Load the demo data set (--demo: organisations, plans, contracts, teams, logins and about 200 tickets with "
        "conversations in Chinese and English) and/or add N generated tickets for benchmarks (--tickets N)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="load the demo data set into an empty database")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the database already has tickets")
        parser.add_argument("--tickets", type=int, default=0, metavar="N", help="add N generated tickets")
        parser.add_argument("--batch", type=int, default=10_000, help="tickets per batch with --tickets")
        parser.add_argument(
            "--messages-per-ticket",
            type=float,
            default=0.0,
            metavar="M",
            help="average messages per answered ticket with --tickets (0: the opening and first reply only; 5 gives "
            "about five million messages for a million tickets)",
        )
        parser.add_argument(
            "--no-surveys",
            action="store_true",
            help="with --tickets: no CSAT and NPS surveys for the generated tickets",
        )
        parser.add_argument("--demo-tickets", type=int, default=DEMO_TICKETS, help=f"default {DEMO_TICKETS}")

    def handle(self, *args: Any, **options: Any) -> None:
        demo, count, batch = options["demo"], options["tickets"], options["batch"]
        if not demo and not count:
            raise CommandError("say what to generate: --demo, --tickets N, or both")
        if count < 0 or batch < 1:
            raise CommandError("--tickets must be positive and --batch at least 1")
        existing = Ticket.objects.count()
        if options["if_empty"] and existing:
            self.stdout.write(f"The database already has {existing:,} tickets; nothing generated (--if-empty).")
            return
        if demo and existing:
            raise CommandError(
                f"the database already has {existing:,} tickets; the demo set is loaded into an empty database "
                "(add --if-empty to skip quietly)"
            )
        now = clock.now()
        reference = ensure_reference(now)
        if demo:
            started = time.monotonic()
            self.stdout.write("Loading the demo data set …")
            # SLA calendars and policies first, so the demo tickets are measured against them as they are played.
            load_sla_demo(now=now, by=reference.admin)
            load_escalation_demo()
            loaded = load_demo(reference, now=now, count=options["demo_tickets"], out=self.stdout)
            load_email_demo(now=clock.now())
            load_kb_demo(by=reference.admin)
            load_contracts_demo(now=clock.now())
            load_surveys_demo(now=clock.now())
            load_hours_demo(now=clock.now())
            load_success_demo(now=clock.now())
            # The tickets were played at past instants; their SLA state is computed once more at the real now.
            recompute(Ticket.objects.values_list("id", flat=True), clock.now())
            load_analytics_demo()  # the dashboards' facts, read after the SLA state and the survey answers
            self.stdout.write(
                self.style.SUCCESS(f"Demo data loaded: {loaded} tickets in {time.monotonic() - started:.1f} s.")
            )
        if count:
            self.stdout.write(f"Generating {count:,} tickets in batches of {batch:,} …")
            if options["messages_per_ticket"] < 0:
                raise CommandError("--messages-per-ticket must not be negative")
            from upstream.surveys.models import CsatSurvey, NpsSurvey

            result = generate_tickets(
                reference,
                count,
                now=now,
                batch_size=batch,
                messages_per_ticket=options["messages_per_ticket"],
                surveys=None if options["no_surveys"] else (CsatSurvey, NpsSurvey),
                out=self.stdout,
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Generated {result.tickets:,} tickets (numbers {result.first_number}–{result.last_number}), "
                    f"{result.messages:,} messages and {result.activities:,} activity entries in "
                    f"{result.seconds:,.1f} s ({result.tickets / max(result.seconds, 1e-9):,.0f} tickets/s)."
                )
            )
