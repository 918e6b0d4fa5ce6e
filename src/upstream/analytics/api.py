"""`GET /api/analytics/summary`: the dashboards' headline figures as JSON (definitions in docs/analytics.md).

Query parameters are the dashboards' filters: `from`, `to` (dates, `YYYY-MM-DD`, whole days in the user's time zone;
default the last 30 days), `team`, `agent`, `organisation`, `plan`, `product` (ids), `channel`, `category` (values).
Staff see the figures of their scope (admins everything, leads their teams, agents their own tickets); an
organisation admin sees their organisation's (`organisation` chooses among several). A bad value is a 422 naming
the parameter; a value outside the caller's scope is a 422 too (it is not a valid choice for them).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from upstream.accounts.api import actor
from upstream.analytics import queries
from upstream.analytics.filters import FilterForm, organisation_scope, staff_scope, user_zone
from upstream.core import clock
from upstream.core.errors import InvalidInput, NotFound

router = Router()


@router.get("/summary", summary="Headline support figures for a date range and filters")
def summary(request: HttpRequest) -> dict[str, Any]:
    user = actor(request)
    data = request.GET.copy()
    if user.is_staff_member:
        scope = staff_scope(user)
    else:
        raw = data.pop("organisation", [""])[0]
        if raw and not raw.isdigit():
            raise InvalidInput("organisation: not an id", field="organisation")
        try:
            scope, _organisations = organisation_scope(user, int(raw) if raw else None)
        except Exception as exc:  # Http404 from the scope: the same answer as any other unknown object
            raise NotFound("analytics are for staff and organisation admins") from exc
    zone = user_zone(user)
    form = FilterForm(data, scope=scope, zone=zone, today=clock.now().astimezone(zone).date())
    if not form.is_valid():
        raise InvalidInput(form.error_text(), field=form.first_error_field())
    filters = form.filters()
    with queries.reading():
        figures = queries.summary(scope, filters)
    return {
        "from": filters.range.first.isoformat(),
        "to": filters.range.last.isoformat(),
        "time_zone": zone.key,
        "filters": {
            name: getattr(filters, name)
            for name in ("team", "agent", "organisation", "plan", "product", "channel", "category")
            if getattr(filters, name) not in (None, "")
        },
        **figures.as_json(),
    }
