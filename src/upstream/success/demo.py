"""Demo data for customer success: account managers, logged calls, meetings and notes, 60 days of health history,
and the playbook tasks they lead to. Deterministic (a seeded random generator)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from upstream.accounts.models import Role, User
from upstream.customers.models import Membership, Organisation
from upstream.success import services
from upstream.success.models import HealthSnapshot, Interaction, InteractionKind

HISTORY_DAYS = 60
KIND_MIX = [InteractionKind.CALL, InteractionKind.CALL, InteractionKind.MEETING, InteractionKind.NOTE]
MANAGERS = ("james", "anna")

CALLS = [
    "电话沟通升级到 3.x 的计划，客户希望先在测试环境验证。",
    "客户反馈最近两次故障处理较慢，已解释原因并承诺跟进。",
    "Walked through the renewal quote; they need approval from finance.",
    "Asked about adding a second cluster to the managed hosting contract.",
    "确认下季度的培训安排，客户希望增加离线部署内容。",
]
MEETINGS = [
    "季度业务回顾（QBR）：工单量下降，客户对响应时间满意。",
    "Quarterly review: discussed the roadmap and the upstream fix for their replication issue.",
]
NOTES = [
    "New CTO since last month; budget review in Q3.",
    "客户内部在评估竞品，需要重点关注续约。",
]


def _interactions(rng: random.Random, now: datetime, organisations: list[Organisation]) -> int:
    rows = []
    for index, organisation in enumerate(organisations):
        manager = organisation.account_manager
        if manager is None:
            continue
        contacts = [m.contact for m in Membership.objects.filter(organisation=organisation).select_related("contact")]
        # Some customers have been left alone for a while, so the "no interaction" playbook has work to do.
        quiet_for = 45 if index % 4 == 3 else 0
        for _n in range(rng.randint(2, 6)):
            kind = rng.choice(KIND_MIX)
            text = rng.choice({"call": CALLS, "meeting": MEETINGS, "note": NOTES}[kind])
            at = now - timedelta(days=quiet_for + rng.randint(1, 80), hours=rng.randint(0, 8))
            rows.append(
                Interaction(
                    organisation=organisation,
                    kind=kind,
                    author=manager,
                    contact=rng.choice(contacts) if contacts and kind != InteractionKind.NOTE else None,
                    happened_at=at,
                    duration_minutes=rng.choice([10, 15, 25, 30, 45])
                    if kind == InteractionKind.CALL
                    else (60 if kind == InteractionKind.MEETING else None),
                    summary=text,
                )
            )
    Interaction.objects.bulk_create(rows)
    return len(rows)


def _history(rng: random.Random, now: datetime) -> int:
    """Backfill a plausible daily history ending at today's real score (demo only: production history accumulates
    one real snapshot a day)."""
    today = timezone.localdate(now)
    rows = []
    for snapshot in HealthSnapshot.objects.filter(computed_on=today):
        score = float(snapshot.score)
        drift = rng.choice([-0.6, -0.3, 0.2, 0.4])  # some customers improving, some sliding
        for back in range(1, HISTORY_DAYS):
            score = max(0.0, min(100.0, score - drift + rng.uniform(-2.5, 2.5)))
            rows.append(
                HealthSnapshot(
                    organisation_id=snapshot.organisation_id,
                    computed_on=today - timedelta(days=back),
                    score=round(score),
                    factors=snapshot.factors,
                    computed_at=now - timedelta(days=back),
                )
            )
    HealthSnapshot.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def load_success_demo(*, now: datetime) -> None:
    rng = random.Random(20251124)
    managers = [u for u in User.objects.filter(username__in=MANAGERS, role__in=[Role.AGENT, Role.ADMIN])]
    organisations = list(Organisation.objects.order_by("name"))
    if managers:
        for index, organisation in enumerate(organisations):
            # Leave one customer without an account manager, so the overview's "no account manager" filter shows it.
            if organisation.account_manager_id is None and index != len(organisations) - 1:
                organisation.account_manager = managers[index % len(managers)]
                organisation.save(update_fields=["account_manager"])
    _interactions(rng, now, organisations)
    services.compute_health(now)
    _history(rng, now)
    services.compute_health(now)  # again, so today's snapshots know their previous score
    services.run_playbooks(now)
