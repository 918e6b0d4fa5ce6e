"""A stored health snapshot in words: each factor's value, its points and its weight, in the reader's language.

The snapshot stores numbers only (`health.Score.as_json`); the words are made when shown, so a change of language
or wording never needs a recomputation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from upstream.success.health import Excluded, Factor

LABELS = {
    Factor.TICKET_TREND: gettext_lazy("Ticket volume trend"),
    Factor.OPEN_URGENT: gettext_lazy("Open P1/P2 tickets"),
    Factor.SLA_BREACHES: gettext_lazy("SLA breaches (90 days)"),
    Factor.CSAT: gettext_lazy("CSAT"),
    Factor.NPS: gettext_lazy("NPS"),
    Factor.LAST_INTERACTION: gettext_lazy("Days since the last interaction"),
    Factor.RENEWAL: gettext_lazy("Days to renewal"),
    Factor.HOURS_USED: gettext_lazy("Consulting hours used"),
}


@dataclass(frozen=True)
class FactorLine:
    key: str
    label: str
    value: str  # the measured value, in words
    points: float | None
    share_percent: int  # the factor's share of the score after renormalisation
    weight: int
    note: str  # why excluded, or empty


def _value(factor: Factor, d: dict[str, Any]) -> str:
    if factor is Factor.TICKET_TREND:
        return _("%(recent)s in the last 30 days; %(average)s a month over the 90 days before") % {
            "recent": d.get("recent", 0),
            "average": d.get("monthly_average", 0),
        }
    if factor is Factor.OPEN_URGENT:
        return _("%(p1)s P1, %(p2)s P2 open") % {"p1": d.get("p1", 0), "p2": d.get("p2", 0)}
    if factor is Factor.SLA_BREACHES:
        n = d.get("breaches", 0)
        return ngettext("%(n)s breach", "%(n)s breaches", n) % {"n": n}
    if factor is Factor.CSAT:
        if d.get("average") is None:
            return _("no answered survey in the last 365 days")
        n = d.get("answers", 0)
        return ngettext("%(avg)s of 5 from %(n)s answer", "%(avg)s of 5 from %(n)s answers", n) % {
            "avg": d["average"],
            "n": n,
        }
    if factor is Factor.NPS:
        if d.get("nps") is None:
            return _("no answered survey in the last 365 days")
        n = d.get("answers", 0)
        return ngettext("%(nps)s from %(n)s answer", "%(nps)s from %(n)s answers", n) % {"nps": d["nps"], "n": n}
    if factor is Factor.LAST_INTERACTION:
        days = d.get("days")
        if days is None:
            return _("no interaction recorded")
        return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}
    if factor is Factor.RENEWAL:
        days = d.get("days")
        if days is None:
            return _("no current contract")
        return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}
    percent = d.get("percent")
    if percent is None:
        return _("no prepaid consulting hours")
    return _("%(percent)s %% of the prepaid hours") % {"percent": percent}


def _note(excluded: str | None) -> str:
    if excluded == Excluded.NO_DATA:
        return _("No data: left out, the other weights count for more.")
    if excluded == Excluded.ZERO_WEIGHT:
        return _("Weight 0: left out.")
    return ""


def lines(factors: dict[str, Any]) -> list[FactorLine]:
    result = []
    for item in factors.get("factors", []):
        try:
            factor = Factor(item["factor"])
        except (KeyError, ValueError):
            continue  # a factor of an older version of the rules
        result.append(
            FactorLine(
                key=factor.value,
                label=str(LABELS[factor]),
                value=_value(factor, item.get("detail") or {}),
                points=item.get("points"),
                share_percent=round(100 * float(item.get("share") or 0)),
                weight=int(item.get("weight") or 0),
                note=_note(item.get("excluded")),
            )
        )
    return result


def summary(factors: dict[str, Any]) -> str:
    """One sentence on renormalisation, shown under the factor table when it applies."""
    if not factors.get("renormalised"):
        return ""
    return _(
        "Factors without data are left out; the score is the weighted mean of the others, their weights scaled to "
        "add up to 100 %."
    )


def sparkline(points: list[tuple[Any, int]], width: int = 240, height: int = 48) -> str:
    """The polyline points of an SVG sparkline of scores 0–100 (left: oldest)."""
    if not points:
        return ""
    if len(points) == 1:
        y = height - points[0][1] * height / 100
        return f"0,{y:.1f} {width},{y:.1f}"
    step = width / (len(points) - 1)
    return " ".join(f"{i * step:.1f},{height - score * height / 100:.1f}" for i, (_d, score) in enumerate(points))
