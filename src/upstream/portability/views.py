"""Export pages: request an archive (organisation admins for their organisation, admins for any or the whole
instance), see its progress, download it while it lasts; the admins' audit log."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from upstream.accounts.models import User
from upstream.core.errors import DomainError
from upstream.customers.models import Contact, Organisation
from upstream.portability import queries, services
from upstream.portability.personal import erase_contact, export_contact
from upstream.portability.settings import export_root, link_lifetime

INSTANCE = "instance"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _may_export(user: User) -> bool:
    return user.is_admin or services.administered_organisations(user).exists()


@login_required
@require_http_methods(["GET", "POST"])
def exports(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not _may_export(user):
        raise Http404(_("Exports are for organisation admins and administrators."))
    organisations = list(services.administered_organisations(user).order_by("name")[:500])
    status = 200
    if request.method == "POST":
        try:
            scope = request.POST.get("scope", "")
            organisation = None
            if scope != INSTANCE:
                organisation = Organisation.objects.filter(pk=int(scope) if scope.isdigit() else -1).first()
                if organisation is None:
                    raise DomainError(_("Choose an organisation to export."))
            services.request_export(by=user, organisation=organisation)
        except DomainError as exc:
            messages.error(request, exc.message)
            status = 422 if exc.status == 400 else exc.status
        else:
            messages.success(request, _("The export is being prepared. This page shows when it is ready."))
            return redirect("portability:exports")
    return _page(request, user, organisations, status)


def _page(request: HttpRequest, user: User, organisations: list[Organisation], status: int = 200) -> HttpResponse:
    jobs = list(queries.visible_jobs(user)[: queries.RECENT_JOBS])
    context = {
        "organisations": organisations,
        "jobs": jobs,
        "may_export_instance": user.is_admin,
        "building": any(job.status in ("queued", "running") for job in jobs),
        "nav": "exports" if user.is_staff_member else "portal_exports",
        "is_org_admin": not user.is_staff_member,
        "lifetime_hours": int(link_lifetime().total_seconds() // 3600),
        "contact_email": request.POST.get("email", "") if request.method == "POST" else "",
    }
    return render(request, "portability/exports.html", context, status=status)


@login_required
@require_POST
def contact_data(request: HttpRequest) -> HttpResponse:
    """Admins: download everything about one contact, or erase them (with an explicit confirmation)."""
    user = _user(request)
    if not user.is_admin:
        raise Http404(_("Personal data requests are for administrators."))
    email = request.POST.get("email", "").strip()
    contact = Contact.objects.select_related("user").filter(email__iexact=email).first() if email else None
    organisations = list(services.administered_organisations(user).order_by("name")[:500])
    if contact is None:
        messages.error(request, _("No contact has the email address %(email)s.") % {"email": email or "—"})
        return _page(request, user, organisations, status=422)
    if request.POST.get("action") == "erase":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the confirmation: erasing a contact cannot be undone."))
            return _page(request, user, organisations, status=422)
        erase_contact(by=user, contact=contact)
        messages.success(
            request, _("Contact #%(id)s was erased; their tickets and statistics remain.") % {"id": contact.pk}
        )
        return redirect("portability:exports")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"contact-{contact.pk}.tar.gz"
        export_contact(contact, path, by=user)
        data = path.read_bytes()  # a single person's data: small
    response = HttpResponse(data, content_type="application/gzip")
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.tar.gz"'
    return response


@login_required
@require_GET
def download(request: HttpRequest, job_id: int) -> FileResponse:
    user = _user(request)
    try:
        job = services.access_job(user, job_id)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    path = export_root() / job.file_name
    if not services.downloadable(job) or not job.file_name or not path.is_file():
        raise Http404(_("This export is not available (it expired or is not ready)."))
    services.record_download(by=user, job=job)
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.file_name, content_type="application/gzip")


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.is_admin:
        raise Http404(_("The audit log is for administrators."))
    action = request.GET.get("action", "")
    before = request.GET.get("before", "")
    events = queries.audit_page(action=action, before_id=int(before) if before.isdigit() else None)
    next_before = events[-1].pk if len(events) == queries.AUDIT_PAGE else None
    context = {
        "events": events,
        "actions": queries.audit_actions(),
        "action": action,
        "next_before": next_before,
        "nav": "audit",
    }
    return render(request, "portability/audit.html", context)
