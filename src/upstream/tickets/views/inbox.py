"""The agent inbox: queues sorted by priority then age, filters, keyset pages, bulk assign and close."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from upstream.core.errors import InvalidInput
from upstream.core.pagination import paginate
from upstream.tickets import rules, services
from upstream.tickets.forms import BulkForm, InboxFilterForm
from upstream.tickets.queries import (
    QUEUE_ORDER,
    QUEUE_SLUGS,
    QUEUES,
    TicketFilters,
    apply_filters,
    queue_tickets,
    with_list_relations,
)
from upstream.tickets.views.common import capped_count, is_htmx, page_size, staff_only, user_of

DEFAULT_QUEUE = "open"
_FILTER_KEYS = ("q", "status", "priority", "category", "channel", "team", "assignee", "organisation", "product")


@staff_only
@require_GET
def inbox_home(request: HttpRequest) -> HttpResponse:
    return redirect("tickets:inbox", queue=DEFAULT_QUEUE)


@staff_only
@require_GET
def inbox(request: HttpRequest, queue: str) -> HttpResponse:
    if queue not in QUEUE_SLUGS:
        raise Http404(_("No such queue."))
    return render_inbox(request, queue, request.GET)


def _filters(form: InboxFilterForm) -> TicketFilters:
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}

    def pk(name: str) -> int | None:
        value = data.get(name)
        return value.pk if value is not None else None

    return TicketFilters(
        status=[data["status"]] if data.get("status") else [],
        priority=[data["priority"]] if data.get("priority") else [],
        category=[data["category"]] if data.get("category") else [],
        channel=[data["channel"]] if data.get("channel") else [],
        team=pk("team"),
        assignee=pk("assignee"),
        organisation=pk("organisation"),
        product=pk("product"),
        q=data.get("q") or "",
    )


def _query_without_cursor(params: QueryDict) -> str:
    kept = QueryDict(mutable=True)
    for key in _FILTER_KEYS:
        value = params.get(key)
        if value:
            kept[key] = value
    return kept.urlencode()


def render_inbox(
    request: HttpRequest, queue: str, params: QueryDict, *, bulk_form: BulkForm | None = None, status: int = 200
) -> HttpResponse:
    user = user_of(request)
    form = InboxFilterForm(params)
    if not form.is_valid():
        status = max(status, 400)  # the valid filters still apply; the page says which one was refused
    tickets = apply_filters(queue_tickets(user, queue), _filters(form))
    cursor = params.get("cursor") or None
    page_error = ""
    try:
        page = paginate(with_list_relations(tickets), QUEUE_ORDER, cursor=cursor, size=page_size())
    except InvalidInput:
        page_error = _("That page link is no longer valid; here is the first page.")
        status = max(status, 400)
        cursor = None
        page = paginate(with_list_relations(tickets), QUEUE_ORDER, cursor=None, size=page_size())
    count, more = capped_count(tickets)
    agents = services.agents()
    query = _query_without_cursor(params)
    context: dict[str, Any] = {
        "queues": QUEUES,
        "queue": queue,
        "queue_label": next(q.label for q in QUEUES if q.slug == queue),
        "nav": "inbox",
        "form": form,
        "page": page,
        "count": count,
        "count_more": more,
        "count_label": f"{count:,}+" if more else f"{count:,}",
        "cursor": cursor,
        "query": query,
        "page_error": page_error,
        "bulk_form": bulk_form or BulkForm(agents=agents),
        "agents": agents,
    }
    template = "tickets/inbox/_results.html" if is_htmx(request) else "tickets/inbox/inbox.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


@staff_only
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    queue = request.POST.get("queue", DEFAULT_QUEUE)
    if queue not in QUEUE_SLUGS:
        queue = DEFAULT_QUEUE
    params = QueryDict(request.POST.get("query", ""))
    back = reverse("tickets:inbox", kwargs={"queue": queue}) + ("?" + _query_without_cursor(params) if params else "")
    form = BulkForm(request.POST, agents=services.agents())
    if not form.is_valid():
        return render_inbox(request, queue, params, bulk_form=form, status=400)
    numbers = form.cleaned_data["tickets"]
    if form.cleaned_data["action"] == BulkForm.CLOSE:
        result = services.bulk_close(by=user, numbers=numbers)
        if result.done:
            messages.success(
                request,
                ngettext("Closed %(count)d ticket.", "Closed %(count)d tickets.", len(result.done))
                % {"count": len(result.done)},
            )
    else:
        assignee = form.chosen_assignee(user)
        result = services.bulk_assign(by=user, numbers=numbers, assignee=assignee)
        if result.done:
            count = len(result.done)
            if assignee is None:
                text = ngettext("Unassigned %(count)d ticket.", "Unassigned %(count)d tickets.", count)
            else:
                text = ngettext(
                    "Assigned %(count)d ticket to %(name)s.", "Assigned %(count)d tickets to %(name)s.", count
                )
            messages.success(request, text % {"count": count, "name": assignee.display_name if assignee else ""})
    for number, reason in result.failed.items():
        messages.warning(
            request,
            _("%(ticket)s was not changed: %(reason)s")
            % {"ticket": rules.format_number(settings.TICKET_PREFIX, number), "reason": reason},
        )
    return redirect(back)
