"""Forms of the SLA pages. Calendars are edited as text a person can type ("09:00–12:00, 13:30–18:00" per weekday,
one date per line); the form turns that into the engine's plain description and lets the pure engine judge it, so an
error names the weekday or list it is in."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from upstream.accounts.forms import time_zone_choices
from upstream.sla import calendar as engine
from upstream.sla.durations import format_minutes, parse_minutes
from upstream.sla.models import BusinessCalendar, SlaPolicy, ZoneSource

WEEKDAY_LABELS = {
    "mon": gettext_lazy("Monday"),
    "tue": gettext_lazy("Tuesday"),
    "wed": gettext_lazy("Wednesday"),
    "thu": gettext_lazy("Thursday"),
    "fri": gettext_lazy("Friday"),
    "sat": gettext_lazy("Saturday"),
    "sun": gettext_lazy("Sunday"),
}
_DASH = re.compile(r"\s*(?:-|–|—|~|～|至)\s*")
_SEPARATOR = re.compile(r"[,，;；\s]+")
_DATED_LINE = re.compile(r"^\s*([^\s:：]+)\s*[:：]?\s*(.*)$")


class TextFormatError(ValueError):
    pass


def parse_intervals(text: str) -> list[list[str]]:
    """ "09:00–12:00, 13:30–18:00" → [["09:00", "12:00"], ["13:30", "18:00"]]; times are checked by the engine."""
    compact = _DASH.sub("-", text.strip())
    intervals = []
    for piece in _SEPARATOR.split(compact):
        if not piece:
            continue
        parts = piece.split("-")
        if len(parts) != 2 or not all(parts):
            raise TextFormatError(piece)
        intervals.append(parts)
    return intervals


def format_intervals(intervals: Any) -> str:
    return ", ".join(f"{start}–{end}" for start, end in intervals or ())


def parse_dated_intervals(text: str) -> dict[str, list[list[str]]]:
    """One date per line followed by its intervals: "2025-01-26 09:00–12:00, 13:30–18:00"."""
    result: dict[str, list[list[str]]] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _DATED_LINE.match(line)
        if match is None:
            raise TextFormatError(line.strip())
        result[match.group(1)] = parse_intervals(match.group(2))
    return result


def format_dated_intervals(dated: Any) -> str:
    return "\n".join(f"{day} {format_intervals(intervals)}" for day, intervals in sorted((dated or {}).items()))


def parse_dates(text: str) -> list[str]:
    return [piece for piece in _SEPARATOR.split(text.strip()) if piece]


def engine_error_message(exc: engine.CalendarError) -> str:
    """A translated sentence for the kind of problem, followed by the engine's precise detail."""
    detail = exc.message
    if "overlap" in detail:
        lead = _("Intervals overlap")
    elif "is not after start" in detail:
        lead = _("An interval ends before it starts")
    elif "time" in detail and ("malformed" in detail or "range" in detail or "24:00" in detail):
        lead = _("Not a valid time; use HH:MM (24:00 only as an end)")
    elif "unknown time zone" in detail or exc.field == "tz":
        lead = _("Unknown time zone")
    elif "malformed date" in detail:
        lead = _("Not a valid date; use YYYY-MM-DD")
    elif "at least one working interval" in detail:
        lead = _("A date needs at least one working interval")
    elif "no working time" in detail:
        return _("The week has no working time: enter hours for at least one day, or choose 24×7.")
    else:
        lead = _("Not valid")
    if exc.field.startswith(("extra_workdays.", "breaks.")):
        detail = f"{exc.field.split('.', 1)[1]}: {detail}"  # which date's line
    return f"{lead} ({detail})"


def form_field(engine_field: str) -> str | None:
    """The form field an engine error belongs to: "hours.mon[1]" → mon, "tz" → time_zone, "holidays[0]" → holidays."""
    head, _dot, rest = engine_field.partition(".")
    head = head.split("[", 1)[0]
    if head == "tz":
        return "time_zone"
    if head == "hours":
        day = rest.split("[", 1)[0]
        return day if day in engine.WEEKDAYS else None
    return head if head in {"holidays", "extra_workdays", "breaks"} else None


_INTERVALS_HELP = gettext_lazy("e.g. 09:00–12:00, 13:30–18:00; empty means closed")


class CalendarForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("calendar", "Name"), max_length=100)
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"), choices=time_zone_choices)
    is_24x7 = forms.BooleanField(
        label=gettext_lazy("Around the clock (24×7)"),
        required=False,
        help_text=gettext_lazy("every hour of every day is working time; hours and holidays are ignored"),
    )
    mon = forms.CharField(label=WEEKDAY_LABELS["mon"], required=False)
    tue = forms.CharField(label=WEEKDAY_LABELS["tue"], required=False)
    wed = forms.CharField(label=WEEKDAY_LABELS["wed"], required=False)
    thu = forms.CharField(label=WEEKDAY_LABELS["thu"], required=False)
    fri = forms.CharField(label=WEEKDAY_LABELS["fri"], required=False)
    sat = forms.CharField(label=WEEKDAY_LABELS["sat"], required=False)
    sun = forms.CharField(label=WEEKDAY_LABELS["sun"], required=False)
    holidays = forms.CharField(
        label=gettext_lazy("Holidays"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 9}),
        help_text=gettext_lazy("one date per line (YYYY-MM-DD); no working time on these dates"),
    )
    extra_workdays = forms.CharField(
        label=gettext_lazy("Extra working days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "a date and its hours per line, e.g. 2025-01-26 09:00–12:00, 13:30–18:00 (a make-up workday, 调休); "
            "these hours replace the weekday's, even on a holiday"
        ),
    )
    breaks = forms.CharField(
        label=gettext_lazy("Breaks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("a date and the closed intervals per line, e.g. 2025-06-11 12:00–14:00"),
    )
    description = forms.CharField(
        label=pgettext_lazy("calendar", "Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, read_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engine: engine.BusinessCalendar | None = None
        for name in engine.WEEKDAYS:
            self.fields[name].help_text = _INTERVALS_HELP
            self.fields[name].widget.attrs["placeholder"] = pgettext("working time", "closed")
        self.fields["holidays"].widget.attrs["placeholder"] = "2025-01-28\n2025-01-29"
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    @staticmethod
    def initial_from(calendar: BusinessCalendar) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": calendar.name,
            "time_zone": calendar.time_zone,
            "is_24x7": calendar.is_24x7,
            "holidays": "\n".join(calendar.holidays),
            "extra_workdays": format_dated_intervals(calendar.extra_workdays),
            "breaks": format_dated_intervals(calendar.breaks),
            "description": calendar.description,
        }
        initial.update({day: format_intervals(calendar.hours.get(day)) for day in engine.WEEKDAYS})
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hours: dict[str, list[list[str]]] = {}
        for day in engine.WEEKDAYS:
            try:
                intervals = parse_intervals(data.get(day, ""))
            except TextFormatError as exc:
                self.add_error(day, _("Write intervals as 09:00–12:00, 13:30–18:00 (not “%(text)s”).") % {"text": exc})
                continue
            if intervals:
                hours[day] = intervals
        dated: dict[str, dict[str, list[list[str]]]] = {}
        for name in ("extra_workdays", "breaks"):
            try:
                dated[name] = parse_dated_intervals(data.get(name, ""))
            except TextFormatError as exc:
                self.add_error(name, _("Write one date and its intervals per line (not “%(text)s”).") % {"text": exc})
        data["hours"] = hours
        data["holiday_dates"] = parse_dates(data.get("holidays", ""))
        data["extra_workdays_map"] = dated.get("extra_workdays", {})
        data["breaks_map"] = dated.get("breaks", {})
        # The preview needs only the calendar fields, so a missing name does not keep it from being drawn.
        if any(name not in ("name", "description") for name in self.errors) or "time_zone" not in data:
            return data
        try:
            if data.get("is_24x7"):
                self.engine = engine.BusinessCalendar.around_the_clock(engine.load_zone(data["time_zone"]).key)
            else:
                self.engine = engine.BusinessCalendar.from_description(
                    {
                        "tz": data["time_zone"],
                        "hours": hours,
                        "holidays": data["holiday_dates"],
                        "extra_workdays": data["extra_workdays_map"],
                        "breaks": data["breaks_map"],
                    }
                )
        except engine.CalendarError as exc:
            self.add_error(form_field(exc.field), engine_error_message(exc))
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "time_zone": data["time_zone"],
            "hours": data["hours"],
            "holidays": data["holiday_dates"],
            "extra_workdays": data["extra_workdays_map"],
            "breaks": data["breaks_map"],
            "is_24x7": data["is_24x7"],
            "description": data["description"],
        }


class PreviewStartForm(forms.Form):
    preview_from = forms.DateField(label=gettext_lazy("Preview from"), required=False)

    def start(self) -> date | None:
        """The chosen first day, or None for today in the calendar's zone."""
        if self.is_valid() and self.cleaned_data["preview_from"]:
            chosen: date = self.cleaned_data["preview_from"]
            return chosen
        return None


class HolidayImportForm(forms.Form):
    country = forms.CharField(
        label=gettext_lazy("Country"),
        max_length=3,
        help_text=gettext_lazy("ISO code, e.g. CN, DE, US"),
        widget=forms.TextInput(attrs={"size": 4, "autocomplete": "off"}),
    )
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1950, max_value=2100)


class DurationField(forms.CharField):
    """A target as "4h", "30m" or "1h 30m"; empty means no target. Cleans to minutes or None."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", gettext_lazy("e.g. 1h, 30m or 1h 30m; empty means no target"))
        super().__init__(max_length=32, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return format_minutes(value) if isinstance(value, int) else value

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        try:
            minutes = parse_minutes(text)
        except ValueError:
            raise forms.ValidationError(_("Write a duration with its unit, e.g. 4h, 30m or 1h 30m.")) from None
        if minutes is not None and minutes <= 0:
            raise forms.ValidationError(_("A target must be more than zero minutes; leave it empty for no target."))
        return minutes


class CalendarChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            queryset=BusinessCalendar.objects.order_by("name"),
            required=False,
            empty_label=str(gettext_lazy("24×7 (around the clock)")),
            **kwargs,
        )


class PolicyForm(forms.Form):
    first_response_minutes = DurationField(label=gettext_lazy("First response"))
    first_response_calendar = CalendarChoiceField(label=gettext_lazy("First response calendar"))
    next_response_minutes = DurationField(label=gettext_lazy("Next response"))
    next_response_calendar = CalendarChoiceField(label=gettext_lazy("Next response calendar"))
    resolution_minutes = DurationField(label=gettext_lazy("Resolution"))
    resolution_calendar = CalendarChoiceField(label=gettext_lazy("Resolution calendar"))
    zone_source = forms.ChoiceField(
        label=gettext_lazy("Working hours in"),
        choices=ZoneSource.choices,
        help_text=gettext_lazy("the customer's zone applies the calendar's hours at the customer's local times"),
    )
    warn_at_percent = forms.IntegerField(
        label=gettext_lazy("Warning threshold (percent of target)"), min_value=1, max_value=99
    )
    reopen_restarts_resolution = forms.BooleanField(
        label=gettext_lazy("Reopening restarts the resolution clock"), required=False
    )

    def __init__(self, *args: Any, read_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    @staticmethod
    def initial_from(policy: SlaPolicy | None) -> dict[str, Any]:
        if policy is None:
            return {"zone_source": ZoneSource.VENDOR, "warn_at_percent": 75, "reopen_restarts_resolution": True}
        return {
            name: getattr(policy, name)
            for name in (
                "first_response_minutes",
                "first_response_calendar",
                "next_response_minutes",
                "next_response_calendar",
                "resolution_minutes",
                "resolution_calendar",
                "zone_source",
                "warn_at_percent",
                "reopen_restarts_resolution",
            )
        }
