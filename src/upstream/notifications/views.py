"""The notifications page, the bell's badge (loaded by htmx so pages pay no query for it), mark read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from upstream.core.errors import InvalidInput
from upstream.core.pagination import paginate
from upstream.notifications import services
from upstream.notifications.models import Notification
from upstream.tickets.views.common import safe_next, user_of

PAGE = 50
ORDER = ("-created_at", "-id")


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    mine = Notification.objects.filter(user=user).select_related("ticket")
    try:
        page = paginate(mine, ORDER, cursor=request.GET.get("cursor") or None, size=PAGE)
    except InvalidInput:  # a stale or edited cursor: show the first page rather than an error
        page = paginate(mine, ORDER, cursor=None, size=PAGE)
    unread = sum(1 for n in page.items if n.read_at is None)
    return render(request, "notifications/list.html", {"page": page, "unread_on_page": unread, "nav": "notifications"})


@login_required
@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    count = services.unread_count(user_of(request))
    return render(request, "notifications/_badge.html", {"count": count})


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    services.mark_read(user_of(request), notification_id)
    return redirect(safe_next(request, "notifications:list"))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(user_of(request))
    return redirect("notifications:list")
