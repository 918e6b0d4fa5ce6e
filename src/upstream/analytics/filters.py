"""Who sees which tickets' figures (`Scope`), and the dashboards' filters (`FilterForm` → `Filters`).

Access lives here, shared by the pages, the CSV downloads, the API and the weekly report:

| who | sees the figures of |
| --- | --- |
| admin | every ticket |
| team lead (`Team.lead`) | the tickets of the teams they lead, and the tickets assigned to them |
| agent | the tickets assigned to them |
| organisation admin (portal) | the tickets of the organisations they administer |
| anyone else | nothing: 404 |

A filter value outside the viewer's scope (another team, another agent) is a form error, like an unknown one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from upstream.accounts.models import Role, Team, User
from upstream.analytics.metrics import MAX_RANGE_DAYS, DateRange
from upstream.customers.models import Channel, Organisation, Product, SupportPlan
from upstream.customers.queries import admin_organisation_ids
from upstream.tickets.models import Category

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Scope:
    """The tickets a viewer may see figures of. Empty tuples with `everything` False mean nothing at all."""

    everything: bool = False
    team_ids: tuple[int, ...] = ()
    agent_id: int | None = None
    organisation_ids: tuple[int, ...] = ()
    is_staff: bool = True

    def q(self, prefix: str = "") -> Q:
        if self.everything:
            return Q()
        condition = Q(pk__in=[])
        if self.team_ids:
            condition |= Q(**{f"{prefix}team_id__in": self.team_ids})
        if self.agent_id is not None:
            condition |= Q(**{f"{prefix}assignee_id": self.agent_id})
        if self.organisation_ids:
            condition |= Q(**{f"{prefix}organisation_id__in": self.organisation_ids})
        return condition

    @property
    def shows_agents(self) -> bool:
        """Whether the agent table compares several agents (admins and leads)."""
        return self.is_staff and (self.everything or bool(self.team_ids))


def staff_scope(user: User) -> Scope:
    """Admins all, leads their teams and themselves, agents themselves. A customer: Http404."""
    if not user.is_authenticated or not user.is_staff_member:
        raise Http404(_("Reports are for support staff."))
    if user.is_admin:
        return Scope(everything=True)
    led = tuple(Team.objects.filter(lead=user).order_by("id").values_list("id", flat=True))
    return Scope(team_ids=led, agent_id=user.pk)


def organisation_scope(user: User, organisation_id: int | None = None) -> tuple[Scope, list[Organisation]]:
    """An organisation admin's view of one of the organisations they administer (the first by name by default).
    Anyone else, or an organisation they do not administer: Http404."""
    if not user.is_authenticated or user.is_staff_member:
        raise Http404(_("This report is for organisation admins."))
    organisations = list(Organisation.objects.filter(id__in=admin_organisation_ids(user)).order_by("name", "id"))
    if not organisations:
        raise Http404(_("This report is for organisation admins."))
    chosen = organisations[0] if organisation_id is None else next(
        (o for o in organisations if o.pk == organisation_id), None
    )  # fmt: skip
    if chosen is None:
        raise Http404(_("No such organisation."))
    return Scope(organisation_ids=(chosen.pk,), is_staff=False), organisations


@dataclass(frozen=True)
class Filters:
    range: DateRange
    team: int | None = None
    agent: int | None = None
    organisation: int | None = None
    plan: int | None = None
    product: int | None = None
    channel: str = ""
    category: str = ""
    labels: dict[str, str] = field(default_factory=dict, compare=False)

    def q(self, prefix: str = "") -> Q:
        """The dimension filters (not the date range) on TicketFact, or on a model pointing at it via `prefix`."""
        condition = Q()
        for name, column in (
            ("team", "team_id"),
            ("agent", "assignee_id"),
            ("organisation", "organisation_id"),
            ("plan", "plan_id"),
            ("product", "product_id"),
            ("channel", "channel"),
            ("category", "category"),
        ):
            value = getattr(self, name)
            if value not in (None, ""):
                condition &= Q(**{f"{prefix}{column}": value})
        return condition

    def query_string(self) -> str:
        """The same filters as URL parameters (for the CSV links)."""
        from urllib.parse import urlencode

        values = {"from": self.range.first.isoformat(), "to": self.range.last.isoformat()}
        for name in ("team", "agent", "organisation", "plan", "product", "channel", "category"):
            value = getattr(self, name)
            if value not in (None, ""):
                values[name] = str(value)
        return urlencode(values)


def user_zone(user: User) -> ZoneInfo:
    """The zone a user's dates are read in: their profile's, UTC when it is not a known zone."""
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def default_range(today: date, zone: ZoneInfo) -> DateRange:
    return DateRange(today - timedelta(days=DEFAULT_DAYS - 1), today, zone)


class _Choice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name if isinstance(obj, User) else str(obj)


class FilterForm(forms.Form):
    """The filters every dashboard, CSV and the API share. `from`/`to` are dates in the viewer's time zone."""

    team = _Choice(queryset=Team.objects.none(), required=False, label=gettext_lazy("Team"))
    agent = _Choice(queryset=User.objects.none(), required=False, label=gettext_lazy("Agent"))
    organisation = _Choice(queryset=Organisation.objects.none(), required=False, label=gettext_lazy("Organisation"))
    plan = _Choice(queryset=SupportPlan.objects.none(), required=False, label=gettext_lazy("Plan"))
    product = _Choice(queryset=Product.objects.none(), required=False, label=gettext_lazy("Product"))
    channel = forms.ChoiceField(required=False, label=gettext_lazy("Channel"))
    category = forms.ChoiceField(required=False, label=gettext_lazy("Category"))

    def __init__(self, data: Any, *, scope: Scope, zone: ZoneInfo, today: date) -> None:
        super().__init__(data)
        self.scope, self.zone, self.today = scope, zone, today
        # "from" is a Python keyword, so the two date fields are added by name.
        self.fields["from"] = forms.DateField(required=False, label=gettext_lazy("Start date"))
        self.fields["to"] = forms.DateField(required=False, label=gettext_lazy("End date"))
        self.order_fields(["from", "to"])
        fields: dict[str, Any] = self.fields
        fields["channel"].choices = [("", gettext_lazy("All channels")), *Channel.choices]
        fields["category"].choices = [("", gettext_lazy("All categories")), *Category.choices]
        if scope.everything:
            fields["team"].queryset = Team.objects.order_by("name")
            fields["agent"].queryset = User.objects.filter(role__in=(Role.AGENT, Role.ADMIN)).order_by("username")
        else:
            fields["team"].queryset = Team.objects.filter(id__in=scope.team_ids).order_by("name")
            agents = Q(id=scope.agent_id) | Q(teams__id__in=scope.team_ids) if scope.team_ids else Q(id=scope.agent_id)
            fields["agent"].queryset = User.objects.filter(agents).distinct().order_by("username")
        if scope.is_staff:
            fields["organisation"].queryset = Organisation.objects.order_by("name")
        else:
            del self.fields["organisation"], self.fields["team"], self.fields["agent"]
        fields["plan"].queryset = SupportPlan.objects.order_by("name")
        fields["product"].queryset = Product.objects.order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        default = default_range(self.today, self.zone)
        first, last = data.get("from") or default.first, data.get("to") or default.last
        if self.errors.get("from") or self.errors.get("to"):
            return data
        if data.get("from") and not data.get("to") and first > last:
            last = min(first + timedelta(days=DEFAULT_DAYS - 1), self.today)
        if last < first:
            self.add_error("to", _("The end date is before the start date."))
        elif (last - first).days + 1 > MAX_RANGE_DAYS:
            self.add_error("to", _("A report spans at most %(days)d days.") % {"days": MAX_RANGE_DAYS})
        else:
            data["range"] = DateRange(first, last, self.zone)
        return data

    def filters(self) -> Filters:
        """The validated filters (call after is_valid())."""
        data = self.cleaned_data
        labels = {name: str(data[name]) for name in ("team", "organisation", "plan", "product") if data.get(name)}
        if data.get("agent"):
            labels["agent"] = data["agent"].display_name
        return Filters(
            range=data["range"],
            team=data["team"].pk if data.get("team") else None,
            agent=data["agent"].pk if data.get("agent") else None,
            organisation=data["organisation"].pk if data.get("organisation") else None,
            plan=data["plan"].pk if data.get("plan") else None,
            product=data["product"].pk if data.get("product") else None,
            channel=data.get("channel") or "",
            category=data.get("category") or "",
            labels=labels,
        )

    def error_text(self) -> str:
        """Every error as one line, naming the field (for the API and the CSV downloads)."""
        parts = []
        for name, errors in self.errors.items():
            text = " ".join(str(e) for e in errors)
            parts.append(f"{name}: {text}" if name != "__all__" else text)
        return "; ".join(parts)

    def first_error_field(self) -> str | None:
        return next(iter(self.errors), None)
