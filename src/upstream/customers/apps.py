from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ADVANCE_CONTRACT_STATUSES = "upstream.customers.tasks.advance_contract_statuses"


class CustomersConfig(AppConfig):
    name = "upstream.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from upstream.core.periodic import PERIODIC_JOBS, PeriodicJob

        # Hourly rather than daily: the job is idempotent and cheap, and a term's end takes effect soon after
        # midnight whenever the clock process started.
        if not any(job.task == ADVANCE_CONTRACT_STATUSES for job in PERIODIC_JOBS):
            PERIODIC_JOBS.append(PeriodicJob(ADVANCE_CONTRACT_STATUSES, timedelta(hours=1)))
