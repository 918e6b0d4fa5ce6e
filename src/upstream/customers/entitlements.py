"""Is a request entitled to support, and if not, why and where does it go?

A request is entitled when one of its organisation's contracts entitles support on the day (trial, active or in its
grace period, read through `schedule`) and covers the product asked about (a contract listing no products covers
all). Otherwise it is one of: the entitling contract does not cover the product; the organisation had contracts but
none entitles any more (expired or terminated); it never had one. A request without entitlement gets the fallback
SLA (the ticket records no contract) and goes to the presales/community team when one is configured
(`EntitlementSettings.unentitled_team`), instead of the organisation's or the mailbox's team.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch

from upstream.accounts.models import Team
from upstream.customers.models import Contract, Entitlement, EntitlementSettings, Organisation, Product


@dataclass(frozen=True)
class Assessment:
    entitlement: Entitlement
    contract: Contract | None  # the contract that entitles the request (only when entitled)
    nearest: Contract | None  # why not: the entitling contract that does not cover the product, or the last one


def contracts_for(organisation: Organisation | int, on: date, *, with_products: bool = True) -> list[Contract]:
    """The organisation's contracts that had started by `on`, the one ending last first (one or two queries)."""
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    found = (
        Contract.objects.filter(organisation_id=organisation_id, starts_on__lte=on)
        .select_related("plan")
        .order_by("-ends_on", "-id")
    )
    if with_products:
        found = found.prefetch_related(Prefetch("products", queryset=Product.objects.only("id", "name")))
    return list(found)


def covers(contract: Contract, product_id: int | None) -> bool:
    if product_id is None:
        return True
    covered = {p.pk for p in contract.products.all()}
    return not covered or product_id in covered


def assess_among(contracts: Sequence[Contract], product_id: int | None, on: date) -> Assessment:
    """The assessment from contracts already loaded by `contracts_for` (no queries)."""
    entitling = [c for c in contracts if c.is_entitling_on(on)]
    for contract in entitling:
        if covers(contract, product_id):
            return Assessment(Entitlement.ENTITLED, contract, None)
    if entitling:
        return Assessment(Entitlement.PRODUCT_NOT_COVERED, None, entitling[0])
    if contracts:
        return Assessment(Entitlement.CONTRACT_EXPIRED, None, contracts[0])
    return Assessment(Entitlement.NO_CONTRACT, None, None)


def assess(organisation: Organisation | int, product: Product | None, on: date) -> Assessment:
    contracts = contracts_for(organisation, on, with_products=product is not None)
    return assess_among(contracts, product.pk if product is not None else None, on)


@dataclass(frozen=True)
class Intake:
    """What `tickets.services.open_ticket` records on a new ticket."""

    entitlement: Entitlement
    contract: Contract | None
    team: Team | None


def unentitled_team() -> Team | None:
    settings = EntitlementSettings.objects.select_related("unentitled_team").filter(id=1).first()
    return settings.unentitled_team if settings is not None else None


def contracts_by_organisation(organisation_ids: Iterable[int], on: date) -> dict[int, list[Contract]]:
    """`contracts_for(…, with_products=False)` for several organisations in one query (an email batch)."""
    wanted = sorted(set(organisation_ids))
    found: dict[int, list[Contract]] = {organisation_id: [] for organisation_id in wanted}
    if wanted:
        rows = (
            Contract.objects.filter(organisation_id__in=wanted, starts_on__lte=on)
            .select_related("plan")
            .order_by("-ends_on", "-id")
        )
        for contract in rows:
            found[contract.organisation_id].append(contract)
    return found


@dataclass(frozen=True)
class KnownFacts:
    """What a caller opening many tickets in one transaction (an email batch) already read for an organisation:
    its contracts on `on`, as `contracts_for(organisation, on, with_products=False)` returns them, and how to find
    the presales team (read once for the batch). Used only for a request without a product, on that day."""

    on: date
    contracts: Sequence[Contract]
    unentitled_team: Callable[[], Team | None] = unentitled_team


def at_intake(
    organisation: Organisation, product: Product | None, on: date, *, team: Team | None, known: KnownFacts | None = None
) -> Intake:
    """Entitlement, contract and queue of a new request; `team` is the one asked for (e.g. a mailbox's team).

    An entitled request goes to `team`, else the organisation's default team; one without entitlement goes to the
    presales/community team when one is configured (one more query, paid only by those requests). `known` spares
    both reads when the caller has them (same outcome)."""
    if known is not None and product is None and known.on == on:
        assessment, presales = assess_among(known.contracts, None, on), known.unentitled_team
    else:
        assessment, presales = assess(organisation, product, on), unentitled_team
    routed = team or organisation.default_team
    if assessment.entitlement != Entitlement.ENTITLED:
        routed = presales() or routed
    return Intake(assessment.entitlement, assessment.contract, routed)
