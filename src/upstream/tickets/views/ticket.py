"""The agent ticket page: thread, reply and internal note, status, fields, contract at a glance, activity log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from upstream.core import clock
from upstream.core.errors import Conflict, DomainError, InvalidInput, NotFound
from upstream.customers.queries import current_contract, entitling_contract
from upstream.tickets import presentation, services
from upstream.tickets.downloads import attachment_response
from upstream.tickets.forms import (
    MergeForm,
    NoteForm,
    ReplyForm,
    StatusForm,
    TicketFieldsForm,
    add_domain_error,
    refresh_on_change,
    split_tags,
)
from upstream.tickets.models import Ticket
from upstream.tickets.queries import access_attachment, access_ticket, visible_messages
from upstream.tickets.views.common import staff_ticket, status_conflict_message, ticket_or_404, user_of


def _detail_url(ticket: Ticket, anchor: str = "") -> str:
    return reverse("tickets:detail", kwargs={"ref": ticket.reference}) + (f"#{anchor}" if anchor else "")


def _contract_panel(ticket: Ticket) -> dict[str, Any]:
    """The organisation's plan and contract at a glance, and whether anything entitles this request today."""
    today = clock.now().date()
    active = entitling_contract(ticket.organisation, None, today)
    covering = entitling_contract(ticket.organisation, ticket.product, today) if ticket.product else active
    shown = covering or active or current_contract(ticket.organisation, today)
    return {
        "contract": shown,
        "no_active_contract": active is None,
        "product_not_covered": active is not None and covering is None,
    }


def _tags(ticket: Ticket) -> list[str]:
    return [tag.name for tag in ticket.tags.all()]


def render_ticket(
    request: HttpRequest, ticket: Ticket, *, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    chosen_product = request.GET.get("product")
    fields_initial = TicketFieldsForm.initial_for(ticket, _tags(ticket))
    if chosen_product is not None:
        fields_initial["product"] = chosen_product  # htmx refresh of the version list after a product change
    fields_form = bound.get("fields") or TicketFieldsForm(initial=fields_initial)
    refresh_on_change(fields_form, _detail_url(ticket), ("product",))
    activities = ticket.activities.select_related("actor").order_by("-created_at", "-id")
    context = {
        "ticket": ticket,
        "thread": visible_messages(user_of(request), ticket),
        "activities": [presentation.describe(a) for a in activities],
        "reply_form": bound.get("reply") or ReplyForm(current_status=ticket.status),
        "note_form": bound.get("note") or NoteForm(),
        "status_form": bound.get("status") or StatusForm(current_status=ticket.status),
        "fields_form": fields_form,
        "merge_form": bound.get("merge") or MergeForm(),
        "merged_into": Ticket.objects.only("number").get(id=ticket.merged_into_id) if ticket.merged_into_id else None,
        "tags": _tags(ticket),
        "nav": "inbox",
        **_contract_panel(ticket),
    }
    return render(request, "tickets/ticket/detail.html", context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = ticket_or_404(user_of(request), ref)
    if not user_of(request).is_staff_member:
        return redirect("tickets:portal_detail", ref=ticket.reference)
    if ref != ticket.reference:
        return redirect(_detail_url(ticket))  # one canonical address per ticket (up-10001, 10001 → UP-10001)
    return render_ticket(request, ticket)


def _failed(request: HttpRequest, ticket: Ticket, name: str, form: forms.Form, status: int) -> HttpResponse:
    return render_ticket(request, ticket, bound={name: form}, status=status)


@login_required
@require_POST
def reply(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = staff_ticket(request, ref)
    form = ReplyForm(request.POST, request.FILES, current_status=ticket.status)
    if not form.is_valid():
        return _failed(request, ticket, "reply", form, form.error_status)
    data = form.cleaned_data
    try:
        services.reply(
            by=user_of(request),
            ticket=ticket,
            body=data["body"],
            uploads=data["attachments"],
            then_status=data.get("then_status") or None,
        )
    except Conflict as exc:
        target = data.get("then_status") or ticket.status
        if exc.field == "status":
            form.add_error(None, status_conflict_message(ticket.status, target))
        else:  # the only other conflict: the ticket was closed
            form.add_error(None, _("This ticket is closed; replies are no longer possible."))
        return _failed(request, ticket, "reply", form, exc.status)
    except DomainError as exc:
        add_domain_error(form, exc)
        return _failed(request, ticket, "reply", form, exc.status)
    messages.success(request, _("Reply sent to the customer."))
    return redirect(_detail_url(ticket, "thread-end"))


@login_required
@require_POST
def note(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = staff_ticket(request, ref)
    form = NoteForm(request.POST, request.FILES)
    if not form.is_valid():
        return _failed(request, ticket, "note", form, form.error_status)
    try:
        services.add_note(
            by=user_of(request), ticket=ticket, body=form.cleaned_data["body"], uploads=form.cleaned_data["attachments"]
        )
    except DomainError as exc:
        add_domain_error(form, exc)
        return _failed(request, ticket, "note", form, exc.status)
    messages.success(request, _("Internal note added."))
    return redirect(_detail_url(ticket, "thread-end"))


@login_required
@require_POST
def change_status(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = staff_ticket(request, ref)
    form = StatusForm(request.POST, current_status=ticket.status)
    if not form.is_valid():
        return _failed(request, ticket, "status", form, 422)
    target = form.cleaned_data["status"]
    try:
        services.change_status(by=user_of(request), ticket=ticket, status=target)
    except Conflict as exc:
        ticket.refresh_from_db(fields=["status"])  # someone may have changed it meanwhile
        form = StatusForm(request.POST, current_status=ticket.status)
        form.add_error("status", status_conflict_message(ticket.status, target))
        return _failed(request, ticket, "status", form, exc.status)
    except DomainError as exc:
        add_domain_error(form, exc)
        return _failed(request, ticket, "status", form, exc.status)
    messages.success(request, _("Status changed to %(status)s.") % {"status": presentation.status_label(target)})
    return redirect(_detail_url(ticket))


@login_required
@require_POST
def update_fields(request: HttpRequest, ref: str) -> HttpResponse:
    ticket = staff_ticket(request, ref)
    form = TicketFieldsForm(request.POST, initial=TicketFieldsForm.initial_for(ticket, _tags(ticket)))
    if not form.is_valid():
        return _failed(request, ticket, "fields", form, 422)
    data = form.cleaned_data
    clear = {name for name in ("assignee", "team", "product") if data.get(name) is None}
    if data.get("version") is None:
        clear.add("product_version")
    intake = {name: data[name] for name in TicketFieldsForm.INTAKE}
    if intake["purchase_date"] is None:
        clear.add("purchase_date")
    changes = services.TicketChanges(
        priority=data["priority"],
        category=data["category"],
        tier=data["tier"],
        assignee=data.get("assignee"),
        team=data.get("team"),
        product=data.get("product"),
        product_version=data.get("version"),
        tags=split_tags(data.get("tags") or ""),
        intake=intake,
        clear=clear,
    )
    try:
        services.update_ticket(by=user_of(request), ticket=ticket, changes=changes)
    except DomainError as exc:
        add_domain_error(form, exc)
        return _failed(request, ticket, "fields", form, exc.status)
    messages.success(request, _("Ticket updated."))
    return redirect(_detail_url(ticket))


def _merge_error(exc: DomainError, ticket: Ticket, target: Ticket | None, wanted: str) -> str:
    """The service's refusal in the agent's language."""
    if isinstance(exc, NotFound) or target is None:
        return _("There is no ticket %(ref)s that you can see.") % {"ref": wanted}
    if isinstance(exc, InvalidInput):
        return _("%(ref)s belongs to another organisation: only tickets of the same organisation can be merged.") % {
            "ref": target.reference
        }
    if isinstance(exc, Conflict):
        fresh = {t.id: t for t in Ticket.objects.select_related("merged_into").filter(id__in=[ticket.id, target.id])}
        source, into = fresh.get(ticket.id, ticket), fresh.get(target.id, target)
        if source.id == into.id:
            return _("A ticket cannot be merged into itself.")
        if source.merged_into is not None:
            return _("This ticket is already merged into %(ref)s.") % {"ref": source.merged_into.reference}
        if into.merged_into is not None:
            return _("%(ref)s was merged into %(into)s; merge into %(into)s instead.") % {
                "ref": into.reference,
                "into": into.merged_into.reference,
            }
        return _("%(ref)s is closed; merge into an open ticket.") % {"ref": into.reference}
    return exc.message


@login_required
@require_POST
def merge(request: HttpRequest, ref: str) -> HttpResponse:
    """Merge this ticket (a duplicate) into the one named in the form; the agent lands on the surviving ticket."""
    ticket = staff_ticket(request, ref)
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _failed(request, ticket, "merge", form, 422)
    user = user_of(request)
    wanted = form.cleaned_data["into"].strip()
    target = None
    try:
        target = access_ticket(user, wanted)
        services.merge_tickets(by=user, source=ticket, target=target)
    except DomainError as exc:
        form.add_error("into", _merge_error(exc, ticket, target, wanted))
        return _failed(request, ticket, "merge", form, exc.status)
    messages.success(request, _("%(source)s merged into this ticket.") % {"source": ticket.reference})
    return redirect(_detail_url(target))


@login_required
@require_GET
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    try:
        found = access_attachment(user_of(request), attachment_id)
    except NotFound:
        raise Http404(_("No such attachment.")) from None
    # `?inline=1` shows safe types (images, PDF) in the page: inline images of HTML emails (`cid:`) use it.
    return attachment_response(found, inline=request.GET.get("inline") == "1")
