"""The bulk generator's history (conversations, reopens, CSAT and NPS answers) through a rebuild: the figures equal
direct SQL on the generated sample too, the way bench/analytics.py checks them on a million tickets."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count

from upstream.analytics import maintenance
from upstream.analytics.metrics import DateRange
from upstream.analytics.tests.direct_sql import headline
from upstream.core import clock
from upstream.core.testing import api_client
from upstream.surveys.models import CsatSurvey, NpsSurvey
from upstream.tickets.demo.bulk import generate_tickets
from upstream.tickets.demo.reference import ensure_reference
from upstream.tickets.models import Activity, Message, Ticket
from upstream.tickets.tests.test_generate import check_all


def test_generated_history_matches_direct_sql(db: Any) -> None:
    now = clock.now()  # the real clock: the history ends before it, as check_all requires
    start = now - timedelta(minutes=1)
    reference = ensure_reference(start)
    result = generate_tickets(
        reference, 600, now=start, batch_size=200, messages_per_ticket=5, surveys=(CsatSurvey, NpsSurvey)
    )
    assert result.tickets == 600
    assert 4.0 <= Message.objects.count() / 600 <= 6.0  # about five messages a ticket
    reopens = Activity.objects.filter(field="status", before="resolved", after="open").count()
    assert reopens > 0
    assert CsatSurvey.objects.filter(score__isnull=False).exists() and NpsSurvey.objects.exists()
    # The conversations keep every invariant of the services' history (times, status chain, one entry per reply).
    check_all(list(Ticket.objects.all()))

    assert maintenance.rebuild().tickets == 600
    admin = reference.admin
    admin.time_zone = "Asia/Shanghai"
    admin.save(update_fields=["time_zone"])
    zone = ZoneInfo("Asia/Shanghai")
    today = now.astimezone(zone).date()
    span = DateRange(today - timedelta(days=364), today, zone)
    busiest = Ticket.objects.values("organisation_id").annotate(n=Count("id")).order_by("-n").first()
    assert busiest is not None
    for dimensions in ({}, {"organisation": busiest["organisation_id"]}, {"channel": "email", "category": "defect"}):
        query = {"from": span.first.isoformat(), "to": span.last.isoformat(), **dimensions}
        body = json.loads(api_client(admin).get("/api/analytics/summary", query).content)
        expected = headline(span.start, span.end, **dimensions)
        assert {key: body[key] for key in expected} == expected, dimensions
        assert body["tickets_created"] > 0
