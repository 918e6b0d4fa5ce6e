from datetime import timedelta

from django.apps import AppConfig

ON_TICKET_EVENT = "upstream.analytics.handlers.on_ticket_event"
ON_TICKET_EVENTS = "upstream.analytics.handlers.on_ticket_events"
TICKET_EVENTS = ("ticket.created", "ticket.updated", "ticket.message_added")
CATCH_UP = "upstream.analytics.tasks.catch_up"
WEEKLY_REPORTS = "upstream.analytics.tasks.weekly_reports"


class AnalyticsConfig(AppConfig):
    name = "upstream.analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        # Upstream modules own these registries; analytics adds itself (no import runs back up).
        from upstream import events
        from upstream.core.periodic import PERIODIC_JOBS, PeriodicJob

        for name in TICKET_EVENTS:
            handlers = events.SUBSCRIBERS.setdefault(name, [])
            if ON_TICKET_EVENT not in handlers:
                handlers.append(ON_TICKET_EVENT)  # after the SLA recompute: the fact reads its result
        events.BATCHED.setdefault(ON_TICKET_EVENT, ON_TICKET_EVENTS)
        for task, every in ((CATCH_UP, timedelta(minutes=10)), (WEEKLY_REPORTS, timedelta(hours=1))):
            if not any(job.task == task for job in PERIODIC_JOBS):
                PERIODIC_JOBS.append(PeriodicJob(task, every))
