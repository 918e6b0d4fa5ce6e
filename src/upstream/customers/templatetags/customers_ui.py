"""Contract and entitlement labels for templates, including the tickets app's (which load this library: tickets
may use customers, never the other way round, so these tags take a ticket without importing its model)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from upstream.customers import entitlements
from upstream.customers.models import ContractStatus, Entitlement

register = template.Library()

# The CSS class of each entitlement badge (presentation stays out of the models).
_BADGE = {
    Entitlement.ENTITLED: "entitled",
    Entitlement.NO_CONTRACT: "unentitled",
    Entitlement.PRODUCT_NOT_COVERED: "unentitled",
    Entitlement.CONTRACT_EXPIRED: "unentitled",
}


@register.filter
def contract_status(value: str) -> str:
    """A status value as its label ("grace" → "Grace period"); an unknown value as itself."""
    return str(ContractStatus(value).label) if value in ContractStatus.values else value


@register.simple_tag
def entitlement_badge(ticket: Any, *, always: bool = False) -> SafeString:
    """A chip for a ticket that arrived without entitlement (for the inbox); nothing for an entitled one unless
    `always`. Reads only the ticket's own column: no query."""
    value = ticket.entitlement
    if value == Entitlement.UNKNOWN or (value == Entitlement.ENTITLED and not always):
        return SafeString("")
    return format_html(
        '<span class="entitlement entitlement-{}" title="{}">{}</span>',
        _BADGE[Entitlement(value)],
        _("Entitlement at intake"),
        Entitlement(value).label,
    )


@register.inclusion_tag("customers/_entitlement_at_intake.html")
def entitlement_at_intake(ticket: Any) -> dict[str, Any]:
    """The ticket page's account of entitlement when the ticket arrived: which contract and plan, or why none.

    For a ticket without entitlement, the contract that explains it (the one not covering the product, or the last
    one that ended) is looked up as of the day the ticket was opened: one or two queries on the ticket page."""
    value = Entitlement(ticket.entitlement)
    nearest = None
    if value in (Entitlement.PRODUCT_NOT_COVERED, Entitlement.CONTRACT_EXPIRED):
        day = ticket.created_at.date()
        nearest = entitlements.assess(ticket.organisation_id, ticket.product, day).nearest
    return {
        "ticket": ticket,
        "value": value.value,
        "label": value.label,
        "badge": _BADGE.get(value, "unknown"),
        "contract": ticket.contract,
        "nearest": nearest,
    }
