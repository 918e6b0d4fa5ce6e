"""Small helpers shared by the ticket views: the signed-in user, access to a ticket, staff-only pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from upstream.accounts.models import User
from upstream.core.errors import NotFound
from upstream.tickets import presentation, rules
from upstream.tickets.models import Status, Ticket
from upstream.tickets.queries import access_ticket

# Lists show "1,000+" rather than counting a queue of a million rows.
COUNT_CAP = 1000

View = Callable[..., HttpResponseBase]


def user_of(request: HttpRequest) -> User:
    return cast(User, request.user)


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def staff_only(view: View) -> View:
    """Agents and admins only. A customer who lands here is sent to the portal; the page is not for them."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not user_of(request).is_staff_member:
            if request.method == "GET":
                return redirect("tickets:portal")
            raise PermissionDenied(_("This action is for support staff."))
        return view(request, *args, **kwargs)

    return wrapper


def ticket_or_404(user: User, ref: str) -> Ticket:
    try:
        return access_ticket(user, ref)
    except NotFound:
        raise Http404(_("No such ticket.")) from None


def staff_ticket(request: HttpRequest, ref: str) -> Ticket:
    """A ticket for an agent action: 404 when the user cannot see it, 403 when they see it but are a customer."""
    user = user_of(request)
    ticket = ticket_or_404(user, ref)
    if not user.is_staff_member:
        raise PermissionDenied(_("This action is for support staff."))
    return ticket


def capped_count(tickets: Any) -> tuple[int, bool]:
    """How many rows, counting no further than COUNT_CAP (a LIMITed subquery, never a full-table COUNT)."""
    count = tickets.order_by().values("id")[: COUNT_CAP + 1].count()
    return min(count, COUNT_CAP), count > COUNT_CAP


def status_conflict_message(current: str, target: str) -> str:
    allowed = [presentation.status_label(s) for s in Status.values if s in rules.allowed_next(current)]
    if not allowed:
        return _("The status cannot change from %(current)s: the ticket is closed.") % {
            "current": presentation.status_label(current)
        }
    return _("The status cannot change from %(current)s to %(target)s. Allowed next: %(allowed)s.") % {
        "current": presentation.status_label(current),
        "target": presentation.status_label(target),
        "allowed": pgettext("list separator", ", ").join(allowed),
    }


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def page_size() -> int:
    return int(settings.PAGE_SIZE)
