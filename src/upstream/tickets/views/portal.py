"""The customer portal: a contact's tickets (or the organisation's, for an organisation admin), opening a ticket,
reading the public thread, replying and closing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from upstream.core import clock
from upstream.core.errors import Conflict, DomainError, InvalidInput
from upstream.core.pagination import paginate
from upstream.customers.models import Channel, Organisation, Product
from upstream.customers.queries import admin_organisation_ids, contact_of
from upstream.tickets import rules, services
from upstream.tickets.forms import add_domain_error, refresh_on_change
from upstream.tickets.models import Status, Ticket
from upstream.tickets.portal_forms import HighestPriority, PortalReplyForm, PortalTicketForm
from upstream.tickets.queries import LIST_ORDER, visible_messages, visible_tickets, with_list_relations
from upstream.tickets.views.common import capped_count, page_size, ticket_or_404, user_of

STATES = {
    "open": list(rules.ACTIVE_STATUSES),
    "closed": [Status.RESOLVED, Status.CLOSED],
    "all": [],
}


def _portal_detail_url(ticket: Ticket, anchor: str = "") -> str:
    return reverse("tickets:portal_detail", kwargs={"ref": ticket.reference}) + (f"#{anchor}" if anchor else "")


@login_required
@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if user.is_staff_member:
        return redirect("tickets:inbox_home")
    contact = contact_of(user)
    state = request.GET.get("state", "open")
    if state not in STATES:
        state = "open"
    tickets = visible_tickets(user)
    if STATES[state]:
        tickets = tickets.filter(status__in=STATES[state])
    status = 200
    page_error = ""
    try:
        page = paginate(with_list_relations(tickets), LIST_ORDER, cursor=request.GET.get("cursor"), size=page_size())
    except InvalidInput:
        page_error = _("That page link is no longer valid; here is the first page.")
        status = 400
        page = paginate(with_list_relations(tickets), LIST_ORDER, cursor=None, size=page_size())
    count, more = capped_count(tickets)
    organisation_count = contact.organisations.count() if contact else 0
    context = {
        "contact": contact,
        "state": state,
        "states": [("open", _("Open")), ("closed", _("Resolved & closed")), ("all", _("All"))],
        "page": page,
        "count": count,
        "count_more": more,
        "count_label": f"{count:,}+" if more else f"{count:,}",
        "nav": "portal",
        "page_error": page_error,
        "is_org_admin": bool(admin_organisation_ids(user)),
        "several_organisations": organisation_count > 1,
    }
    return render(request, "tickets/portal/list.html", context, status=status)


def _organisations(user: Any) -> list[Organisation]:
    contact = contact_of(user)
    if contact is None:
        return []
    return list(contact.organisations.order_by("name"))


def _highest_priority(today: date) -> HighestPriority:
    def highest(organisation: Organisation, product: Product | None) -> int:
        return services.highest_priority_for(organisation, product, today)

    return highest


@login_required
@require_http_methods(["GET", "POST"])
def portal_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if user.is_staff_member:
        return redirect("tickets:inbox_home")
    organisations = _organisations(user)
    contact = contact_of(user)
    if contact is None or not organisations:
        return render(request, "tickets/portal/no_organisation.html", status=403)
    highest = _highest_priority(clock.now().date())
    status = 200
    if request.method == "POST":
        form = PortalTicketForm(request.POST, request.FILES, organisations=organisations, highest_priority=highest)
        if form.is_valid():
            data = form.cleaned_data
            new = services.NewTicket(
                organisation=data["organisation"],
                requester=contact,
                subject=data["subject"],
                body=data["body"],
                category=data["category"],
                priority=data["priority"],
                channel=Channel.PORTAL,
                product=data.get("product"),
                product_version=data.get("version"),
                intake=services.Intake(
                    platform=data.get("platform") or "",
                    environment=data.get("environment") or "",
                    recent_changes=data.get("recent_changes") or "",
                    purchase_date=data.get("purchase_date"),
                    access_notes=data.get("access_notes") or "",
                ),
            )
            try:
                ticket = services.open_ticket(by=user, new=new, uploads=data["attachments"])
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("Ticket %(ticket)s has been submitted. We will answer here and by email.")
                    % {"ticket": ticket.reference},
                )
                return redirect(_portal_detail_url(ticket))
        else:
            status = form.error_status
    else:
        # Values in the address pre-fill the form; htmx uses this to refresh versions and priorities on a change.
        initial: dict[str, Any] = request.GET.dict()
        if request.headers.get("HX-Trigger-Name") == "category":
            initial.pop("priority", None)  # a new category suggests its own priority
        form = PortalTicketForm(initial=initial, organisations=organisations, highest_priority=highest)
    refresh_on_change(form, reverse("tickets:portal_new"), ("organisation", "product", "category"))
    context = {"form": form, "several_organisations": len(organisations) > 1, "nav": "portal_new"}
    return render(request, "tickets/portal/new.html", context, status=status)


def _portal_ticket(request: HttpRequest, ref: str) -> Ticket | HttpResponse:
    user = user_of(request)
    ticket = ticket_or_404(user, ref)
    if user.is_staff_member:
        return redirect("tickets:detail", ref=ticket.reference)
    return ticket


def render_portal_ticket(
    request: HttpRequest,
    ticket: Ticket,
    *,
    form: PortalReplyForm | None = None,
    close_error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    # A merged ticket's conversation moved to its target; say where, linking only to a ticket this user may see.
    merged_target = visible_tickets(user).filter(id=ticket.merged_into_id).first() if ticket.merged_into_id else None
    context = {
        "ticket": ticket,
        "merged_target": merged_target,
        "thread": visible_messages(user, ticket),
        "form": form or PortalReplyForm(),
        "close_error": close_error,
        "can_close": ticket.status != Status.CLOSED,
        "nav": "portal",
    }
    return render(request, "tickets/portal/detail.html", context, status=status)


@login_required
@require_GET
def portal_detail(request: HttpRequest, ref: str) -> HttpResponse:
    found = _portal_ticket(request, ref)
    if isinstance(found, HttpResponse):
        return found
    if ref != found.reference:
        return redirect(_portal_detail_url(found))
    return render_portal_ticket(request, found)


@login_required
@require_POST
def portal_reply(request: HttpRequest, ref: str) -> HttpResponse:
    found = _portal_ticket(request, ref)
    if isinstance(found, HttpResponse):
        return found
    form = PortalReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_portal_ticket(request, found, form=form, status=form.error_status)
    try:
        services.reply(
            by=user_of(request), ticket=found, body=form.cleaned_data["body"], uploads=form.cleaned_data["attachments"]
        )
    except Conflict as exc:
        form.add_error(None, _("This ticket is closed. Please open a new ticket to continue."))
        return render_portal_ticket(request, found, form=form, status=exc.status)
    except DomainError as exc:
        add_domain_error(form, exc)
        return render_portal_ticket(request, found, form=form, status=exc.status)
    messages.success(request, _("Your reply has been sent."))
    return redirect(_portal_detail_url(found, "thread-end"))


@login_required
@require_POST
def portal_close(request: HttpRequest, ref: str) -> HttpResponse:
    found = _portal_ticket(request, ref)
    if isinstance(found, HttpResponse):
        return found
    try:
        services.change_status(by=user_of(request), ticket=found, status=Status.CLOSED)
    except DomainError as exc:
        message = _("This ticket is already closed.") if isinstance(exc, Conflict) else exc.message
        return render_portal_ticket(request, found, close_error=message, status=exc.status)
    messages.success(request, _("Ticket %(ticket)s is closed. Thank you!") % {"ticket": found.reference})
    return redirect(_portal_detail_url(found))
