"""Demo escalation steps, so warnings and breaches visibly do something in the demo (with `make run`'s worker and
clock): every policy warns the assignee; a breach notifies the assignee and the team lead; a P1 or P2 breach of
resolution also raises the tier. Idempotent: policies that already have steps are left alone."""

from __future__ import annotations

from upstream.sla.models import EscalationAction, EscalationStep, Metric, SlaPolicy, Trigger

_EVERY_POLICY = [
    (metric, Trigger.WARNING, EscalationAction.NOTIFY_ASSIGNEE)
    for metric in (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION)
] + [
    (metric, Trigger.BREACH, action)
    for metric in (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION)
    for action in (EscalationAction.NOTIFY_ASSIGNEE, EscalationAction.NOTIFY_TEAM_LEAD)
]
_URGENT = [(Metric.RESOLUTION, Trigger.BREACH, EscalationAction.RAISE_TIER)]


def load_escalation_demo() -> int:
    steps = []
    for policy in SlaPolicy.objects.filter(escalation_steps__isnull=True):
        rows = _EVERY_POLICY + (_URGENT if policy.priority <= 2 else [])
        steps += [
            EscalationStep(policy=policy, metric=metric, trigger=trigger, action=action, order=order)
            for order, (metric, trigger, action) in enumerate(rows)
        ]
    EscalationStep.objects.bulk_create(steps)
    return len(steps)
