"""Admin pages of the email channel: mailboxes, and every inbound message with the quarantine (retry, download)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from upstream.channels.email import fetching, ingest
from upstream.channels.email.forms import MailboxForm
from upstream.channels.email.models import InboundEmail, InboundStatus, Mailbox
from upstream.tickets.views.common import staff_only, user_of

PAGE = 50


def _require_admin(request: HttpRequest) -> None:
    if not user_of(request).is_admin:
        raise PermissionDenied(_("Only admins manage email settings."))


@staff_only
@require_GET
def mailboxes(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    rows = Mailbox.objects.select_related("team").order_by("address")
    quarantined = InboundEmail.objects.filter(status=InboundStatus.QUARANTINED).count()
    return render(
        request, "email_channel/mailboxes.html",
        {"mailboxes": rows, "quarantined": quarantined, "nav": "email", "section": "mailboxes"},
    )  # fmt: skip


@staff_only
@require_http_methods(["GET", "POST"])
def mailbox_edit(request: HttpRequest, mailbox_id: int | None = None) -> HttpResponse:
    _require_admin(request)
    mailbox = get_object_or_404(Mailbox, id=mailbox_id) if mailbox_id else None
    form = MailboxForm(request.POST or None, instance=mailbox)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, _("Mailbox %(address)s saved.") % {"address": saved.address})
        return redirect("email_channel:mailboxes")
    status = 422 if request.method == "POST" else 200
    return render(
        request, "email_channel/mailbox_edit.html",
        {"form": form, "mailbox": mailbox, "nav": "email", "section": "mailboxes"}, status=status,
    )  # fmt: skip


@staff_only
@require_POST
def mailbox_fetch(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    _require_admin(request)
    mailbox = get_object_or_404(Mailbox, id=mailbox_id)
    if not mailbox.fetches:
        messages.error(request, _("This mailbox has no IMAP server or is inactive."))
    else:
        summary = fetching.fetch_mailbox(mailbox)
        messages.info(request, f"{mailbox.address}: {summary}")
    return redirect("email_channel:mailboxes")


@staff_only
@require_GET
def inbound(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    status = request.GET.get("status", InboundStatus.QUARANTINED)
    rows = InboundEmail.objects.select_related("mailbox", "ticket").order_by("-received_at", "-id")
    if status != "all":
        if status not in InboundStatus.values:
            status = InboundStatus.QUARANTINED
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    return render(
        request, "email_channel/inbound.html",
        {"page": page, "status": status, "statuses": InboundStatus.choices, "nav": "email", "section": "inbound"},
    )  # fmt: skip


@staff_only
@require_GET
def inbound_raw(request: HttpRequest, inbound_id: int) -> FileResponse:
    _require_admin(request)
    record = get_object_or_404(InboundEmail, id=inbound_id)
    response = FileResponse(
        record.raw.open("rb"), as_attachment=True, filename=f"inbound-{record.id}.eml", content_type="message/rfc822"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_only
@require_POST
def inbound_retry(request: HttpRequest, inbound_id: int) -> HttpResponse:
    _require_admin(request)
    record = get_object_or_404(InboundEmail, id=inbound_id)
    if record.status not in (InboundStatus.QUARANTINED, InboundStatus.REFUSED):
        messages.error(request, _("Only quarantined or refused messages can be retried."))
        return redirect("email_channel:inbound")
    try:
        record = ingest.retry(record)
    except ingest.TemporaryFailure as exc:
        messages.error(request, _("Could not retry now: %(error)s") % {"error": exc})
        return redirect("email_channel:inbound")
    if record.status == InboundStatus.QUARANTINED:
        messages.error(request, _("Still quarantined: %(error)s") % {"error": record.error})
    else:
        messages.success(request, _("Processed: %(status)s.") % {"status": record.get_status_display()})
    return redirect(reverse("email_channel:inbound") + "?status=all")
