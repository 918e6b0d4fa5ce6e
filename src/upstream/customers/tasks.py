"""Customer background work: the contract status schedule."""

from __future__ import annotations

from django_tasks import task

from upstream.customers import lifecycle


@task()
def advance_contract_statuses() -> int:
    """Enqueued hourly by `upstream clock` (registered in `CustomersConfig.ready`): a contract's status changes the
    day its term (or grace period) ends, within an hour of the vendor's midnight. Returns how many moved."""
    return len(lifecycle.advance_statuses())
