from datetime import timedelta

from django.apps import AppConfig

CATCH_UP = "upstream.kb.search.tasks.catch_up"
EMBED_BACKFILL = "upstream.kb.search.tasks.embed_backfill"
ON_TICKET_EVENT = "upstream.kb.search.ticket_source.on_ticket_event"
TICKET_EVENTS = ("ticket.created", "ticket.updated", "ticket.message_added")


class SearchConfig(AppConfig):
    name = "upstream.kb.search"
    label = "kb_search"
    verbose_name = "Search"

    def ready(self) -> None:
        # Upstream modules own these registries; downstream apps add themselves (no import runs back up).
        from upstream import events
        from upstream.core.periodic import PERIODIC_JOBS, PeriodicJob
        from upstream.kb.search import sources
        from upstream.kb.search.ticket_source import NOTE, TICKET, TicketSource
        from upstream.tickets.models import MessageKind

        sources.register_source(TICKET, TicketSource(TICKET, MessageKind.PUBLIC))
        sources.register_source(NOTE, TicketSource(NOTE, MessageKind.INTERNAL))
        sources.TICKET_KINDS.update({TICKET, NOTE})
        sources.STAFF_ONLY_KINDS.add(NOTE)
        # In the saving transaction, so the pending row commits with the change (schedule_reindex never raises).
        for name in TICKET_EVENTS:
            handlers = events.IN_TRANSACTION.setdefault(name, [])
            if ON_TICKET_EVENT not in handlers:
                handlers.append(ON_TICKET_EVENT)
        for job_task in (CATCH_UP, EMBED_BACKFILL):
            if not any(job.task == job_task for job in PERIODIC_JOBS):
                PERIODIC_JOBS.append(PeriodicJob(job_task, timedelta(minutes=1)))
