"""Notification background work: delivering the email outbox."""

from __future__ import annotations

from django_tasks import task

from upstream.notifications import outbox


@task()
def deliver_outbox() -> dict[str, int]:
    """Send every due email. Enqueued when a transaction that queued mail commits, and every minute by
    `upstream clock` (registered in `NotificationsConfig.ready`) for retries and anything whose enqueue was lost."""
    total = outbox.DeliveryReport()
    while True:
        report = outbox.deliver_due()
        for name in ("sent", "retrying", "failed", "suppressed", "skipped"):
            getattr(total, name).extend(getattr(report, name))
        total.claimed += report.claimed
        if report.claimed < outbox.BATCH or not report.sent:
            break  # drained, or the server is not taking mail (the rest waits for its backoff)
    return {
        "claimed": total.claimed,
        "sent": len(total.sent),
        "retrying": len(total.retrying),
        "failed": len(total.failed),
        "suppressed": len(total.suppressed),
    }
