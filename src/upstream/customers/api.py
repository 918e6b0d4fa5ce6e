"""Organisations, contacts, contracts and products over the REST API, and the caller's own profile (/api/me).

Customers see their own organisations, themselves (organisation admins: their organisations' contacts) and their
organisations' contracts; staff see everything and create organisations and contacts.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import AfterValidator, Field, StringConstraints

from upstream.accounts.api import actor
from upstream.accounts.models import Team, User
from upstream.core.api import Cursor, Id, Limit, Name, PageParams, Ref, ShortText, StrictInput, no_nul, page_of
from upstream.core.errors import InvalidInput, NotFound
from upstream.customers import lifecycle, services
from upstream.customers.models import (
    Contact,
    Contract,
    ContractStatus,
    ExitReason,
    Membership,
    Organisation,
    Product,
    ProductVersion,
    SupportPlan,
)
from upstream.customers.queries import (
    access_contact,
    access_contract,
    access_organisation,
    contact_of,
    visible_contacts,
    visible_contracts,
    visible_organisations,
    visible_products,
)

organisations = Router()
contacts = Router()
contracts = Router()
products = Router()
me = Router()

BY_NAME = ("name", "id")
NEWEST_FIRST = ("-id",)


def _ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


class NamedQuery(Schema):
    q: ShortText = Field(default="", description="words of the name")
    cursor: Cursor | None = None
    limit: Limit | None = None


def _words(queryset: QuerySet[Any], text: str, *fields: str) -> QuerySet[Any]:
    for word in text.split()[:8]:
        match = Q()
        for field in fields:
            match |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(match)
    return queryset


# --- organisations ------------------------------------------------------------------------------------------------


class OrganisationOut(Schema):
    id: int
    name: str
    time_zone: str
    domains: list[str]
    default_team: Ref | None = Field(description="the team new tickets go to (shown to staff only)")
    created_at: datetime


class OrganisationPage(Schema):
    items: list[OrganisationOut]
    next_cursor: str | None


def organisation_out(organisation: Organisation, user: User) -> dict[str, Any]:
    return {
        "id": organisation.id,
        "name": organisation.name,
        "time_zone": organisation.time_zone,
        "domains": [d.domain for d in organisation.domains.all()],
        "default_team": _ref(organisation.default_team) if user.is_staff_member else None,
        "created_at": organisation.created_at,
    }


def _organisations(user: User) -> QuerySet[Organisation]:
    return visible_organisations(user).select_related("default_team").prefetch_related("domains")


@organisations.get("", response=OrganisationPage, summary="List organisations")
def list_organisations(request: HttpRequest, filters: Query[NamedQuery]) -> dict[str, Any]:
    user = actor(request)
    found = _words(_organisations(user), filters.q, "name")
    params = PageParams(cursor=filters.cursor, limit=filters.limit)
    return page_of(found, BY_NAME, params, lambda o: organisation_out(o, user))


@organisations.get("/{organisation_id}", response=OrganisationOut, summary="Get an organisation")
def get_organisation(request: HttpRequest, organisation_id: Id) -> dict[str, Any]:
    user = actor(request)
    access_organisation(user, organisation_id)
    return organisation_out(_organisations(user).get(id=organisation_id), user)


class OrganisationIn(StrictInput):
    name: Name
    time_zone: Annotated[str, StringConstraints(max_length=64), AfterValidator(no_nul)] = "UTC"
    domains: list[Annotated[str, StringConstraints(max_length=253), AfterValidator(no_nul)]] = Field(
        default=[], max_length=50
    )
    default_team: Id | None = None


@organisations.post("", response={201: OrganisationOut}, summary="Create an organisation (staff)")
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> dict[str, Any]:
    """409 if the name (ignoring case) or one of the domains is taken."""
    user = actor(request)
    team = None
    if payload.default_team is not None:
        team = Team.objects.filter(id=payload.default_team).first()
        if team is None:
            raise InvalidInput(f"unknown team {payload.default_team}", field="default_team")
    organisation = services.create_organisation(
        by=user, name=payload.name, time_zone=payload.time_zone, domains=payload.domains, default_team=team
    )
    return organisation_out(_organisations(user).get(id=organisation.id), user)


# --- contacts -----------------------------------------------------------------------------------------------------


class MembershipOut(Schema):
    organisation: Ref
    is_admin: bool = Field(description="an organisation admin sees all of the organisation's tickets")


class ContactOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    has_login: bool = Field(description="whether the contact can sign in to the portal")
    organisations: list[MembershipOut]
    created_at: datetime


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class ContactQuery(NamedQuery):
    q: ShortText = Field(default="", description="words of the name or email")
    organisation: Id | None = None


def contact_out(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "has_login": contact.user_id is not None,
        "organisations": [
            {"organisation": _ref(m.organisation), "is_admin": m.is_admin} for m in contact.memberships.all()
        ],
        "created_at": contact.created_at,
    }


def _contacts(user: User) -> QuerySet[Contact]:
    # A customer sees only the memberships in organisations they belong to, not a colleague's other customers.
    memberships = Membership.objects.filter(organisation__in=visible_organisations(user)).select_related("organisation")
    return visible_contacts(user).prefetch_related(
        Prefetch("memberships", queryset=memberships.order_by("organisation__name", "id"))
    )


@contacts.get("", response=ContactPage, summary="List contacts")
def list_contacts(request: HttpRequest, filters: Query[ContactQuery]) -> dict[str, Any]:
    user = actor(request)
    found = _words(_contacts(user), filters.q, "name", "email")
    if filters.organisation is not None:
        found = found.filter(memberships__organisation_id=filters.organisation)
    params = PageParams(cursor=filters.cursor, limit=filters.limit)
    return page_of(found, BY_NAME, params, contact_out)


@contacts.get("/{contact_id}", response=ContactOut, summary="Get a contact")
def get_contact(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    user = actor(request)
    access_contact(user, contact_id)
    return contact_out(_contacts(user).get(id=contact_id))


class MembershipIn(StrictInput):
    organisation: Id
    is_admin: bool = False


class ContactIn(StrictInput):
    name: Name
    email: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254), AfterValidator(no_nul)
    ]
    phone: Annotated[str, StringConstraints(max_length=50), AfterValidator(no_nul)] = ""
    organisations: list[MembershipIn] = Field(default=[], max_length=50)


@contacts.post("", response={201: ContactOut}, summary="Create a contact (staff)")
def create_contact(request: HttpRequest, payload: ContactIn) -> dict[str, Any]:
    """409 if a contact with the same email (ignoring case) exists."""
    user = actor(request)
    memberships = []
    for item in payload.organisations:
        try:
            organisation = access_organisation(user, item.organisation)
        except NotFound:
            raise InvalidInput(f"unknown organisation {item.organisation}", field="organisations") from None
        memberships.append(services.NewMembership(organisation=organisation, is_admin=item.is_admin))
    contact = services.create_contact(
        by=user, name=payload.name, email=payload.email, phone=payload.phone, memberships=memberships
    )
    return contact_out(_contacts(user).get(id=contact.id))


# --- contracts ----------------------------------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    name: str
    kind: str
    tier: str
    channels: list[str]
    highest_priority: int = Field(description="the most urgent priority a customer may choose (1 = P1)")


class ContractOut(Schema):
    id: int
    reference: str
    organisation: Ref
    plan: PlanOut
    products: list[Ref] = Field(description="covered products; empty means all products")
    status: str
    starts_on: date
    ends_on: date
    consulting_hours: Decimal = Field(description="prepaid consulting hours")
    entitling_today: bool = Field(description="whether it entitles support today (a term in its grace period does)")
    grace_days: int = Field(description="days of support after the term ends while the renewal is negotiated")
    renewed_from: int | None = Field(description="the contract whose next term this is")
    exit_reason: ExitReason | None = Field(description="why the customer left, once ended (shown to staff only)")
    exit_comment: str = Field(description="shown to staff only")
    ended_on: date | None = Field(description="the day it stops for good (terminated, or the end of a last term)")
    ended_at: datetime | None = Field(description="when the end was recorded")


class ContractPage(Schema):
    items: list[ContractOut]
    next_cursor: str | None


class ContractQuery(Schema):
    organisation: Id | None = None
    status: list[ContractStatus] = Field(default=[], description="repeat to match any of several")
    cursor: Cursor | None = None
    limit: Limit | None = None


def contract_out(contract: Contract, user: User) -> dict[str, Any]:
    """The exit reason and comment are the vendor's notes: shown to staff only."""
    plan = contract.plan
    return {
        "id": contract.id,
        "reference": contract.reference,
        "organisation": _ref(contract.organisation),
        "plan": {
            "id": plan.id,
            "name": plan.name,
            "kind": plan.kind,
            "tier": plan.tier,
            "channels": list(plan.channels or []),
            "highest_priority": plan.highest_priority,
        },
        "products": [_ref(p) for p in contract.products.all()],
        "status": contract.status,
        "starts_on": contract.starts_on,
        "ends_on": contract.ends_on,
        "consulting_hours": contract.consulting_hours,
        "entitling_today": contract.is_entitling_on(lifecycle.today()),
        "grace_days": plan.grace_days,
        "renewed_from": contract.renewed_from_id,
        "exit_reason": (contract.exit_reason or None) if user.is_staff_member else None,
        "exit_comment": contract.exit_comment if user.is_staff_member else "",
        "ended_on": contract.ended_on,
        "ended_at": contract.ended_at,
    }


def _contracts(user: User) -> QuerySet[Contract]:
    return visible_contracts(user).prefetch_related(Prefetch("products", queryset=Product.objects.order_by("name")))


@contracts.get("", response=ContractPage, summary="List contracts")
def list_contracts(request: HttpRequest, filters: Query[ContractQuery]) -> dict[str, Any]:
    """Newest first."""
    user = actor(request)
    found = _contracts(user)
    if filters.organisation is not None:
        found = found.filter(organisation_id=filters.organisation)
    if filters.status:
        found = found.filter(status__in=[s.value for s in filters.status])
    params = PageParams(cursor=filters.cursor, limit=filters.limit)
    return page_of(found, NEWEST_FIRST, params, lambda c: contract_out(c, user))


@contracts.get("/{contract_id}", response=ContractOut, summary="Get a contract")
def get_contract(request: HttpRequest, contract_id: Id) -> dict[str, Any]:
    user = actor(request)
    access_contract(user, contract_id)
    return contract_out(_contracts(user).get(id=contract_id), user)


class RenewIn(StrictInput):
    ends_on: date = Field(description="the last day of the next term")
    starts_on: date | None = Field(default=None, description="default: the day after the current term ends")
    plan: Id | None = Field(default=None, description="default: the current plan")
    consulting_hours: Decimal | None = Field(
        default=None, ge=0, max_digits=8, decimal_places=2, description="default: the current term's"
    )
    reference: ShortText = Field(default="", description="default: the current reference with -R2, -R3 …")


@contracts.post("/{contract_id}/renew", response={201: ContractOut}, summary="Renew a contract")
def renew_contract(request: HttpRequest, contract_id: Id, payload: RenewIn) -> dict[str, Any]:
    """Creates the next term (a new contract with `renewed_from` set, the same products). Admins and the
    organisation's account manager only (403); 409 if the contract was renewed or ended already."""
    user = actor(request)
    contract = access_contract(user, contract_id)
    plan = None
    if payload.plan is not None:
        plan = SupportPlan.objects.filter(id=payload.plan).first()
        if plan is None:
            raise InvalidInput(f"unknown plan {payload.plan}", field="plan")
    renewed = lifecycle.renew(
        by=user,
        contract=contract,
        ends_on=payload.ends_on,
        starts_on=payload.starts_on,
        plan=plan,
        consulting_hours=payload.consulting_hours,
        reference=payload.reference,
    )
    return contract_out(_contracts(user).get(id=renewed.id), user)


class EndIn(StrictInput):
    reason: ExitReason = Field(description="why the customer is leaving")
    comment: Annotated[str, StringConstraints(max_length=lifecycle.MAX_COMMENT_CHARS), AfterValidator(no_nul)] = Field(
        default="", description="required when the reason is `other`"
    )
    when: Literal["now", "term_end"] = Field(
        default="term_end",
        description="`now` terminates it today; `term_end` lets the term run out and expires it without grace",
    )


@contracts.post("/{contract_id}/end", response=ContractOut, summary="End a contract with an exit reason")
def end_contract(request: HttpRequest, contract_id: Id, payload: EndIn) -> dict[str, Any]:
    """Admins and the organisation's account manager only (403). 422 without a reason from the taxonomy, or for
    `other` without a comment; 409 if it was ended already or has been renewed (end the next term instead)."""
    user = actor(request)
    contract = access_contract(user, contract_id)
    ended = lifecycle.end_contract(
        by=user,
        contract=contract,
        reason=payload.reason.value,
        comment=payload.comment,
        at_term_end=payload.when == "term_end",
    )
    return contract_out(_contracts(user).get(id=ended.id), user)


# --- products -----------------------------------------------------------------------------------------------------


class VersionOut(Schema):
    id: int
    name: str
    released_on: date | None
    supported_until: date | None


class ProductOut(Schema):
    id: int
    name: str
    description: str
    versions: list[VersionOut] = Field(description="newest first")


class ProductPage(Schema):
    items: list[ProductOut]
    next_cursor: str | None


def product_out(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "versions": [
            {"id": v.id, "name": v.name, "released_on": v.released_on, "supported_until": v.supported_until}
            for v in product.versions.all()
        ],
    }


def _products(user: User) -> QuerySet[Product]:
    versions = ProductVersion.objects.order_by("-released_on", "-name")
    return visible_products(user).prefetch_related(Prefetch("versions", queryset=versions))


@products.get("", response=ProductPage, summary="List products")
def list_products(request: HttpRequest, filters: Query[NamedQuery]) -> dict[str, Any]:
    user = actor(request)
    found = _words(_products(user), filters.q, "name")
    params = PageParams(cursor=filters.cursor, limit=filters.limit)
    return page_of(found, BY_NAME, params, product_out)


@products.get("/{product_id}", response=ProductOut, summary="Get a product")
def get_product(request: HttpRequest, product_id: Id) -> dict[str, Any]:
    product = _products(actor(request)).filter(id=product_id).first()
    if product is None:
        raise NotFound("no such product")
    return product_out(product)


# --- me -----------------------------------------------------------------------------------------------------------


class MeOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: str
    is_admin: bool
    is_staff_member: bool
    time_zone: str
    language: str
    teams: list[Ref]
    contact: Ref | None = Field(description="the contact this login belongs to (customers)")
    organisations: list[MembershipOut]


@me.get("", response=MeOut, summary="Who am I")
def get_me(request: HttpRequest) -> dict[str, Any]:
    """The authenticated user, their role, teams (staff) and organisations (customers)."""
    user = actor(request)
    contact = contact_of(user)
    memberships = (
        Membership.objects.filter(contact=contact).select_related("organisation").order_by("organisation__name")
        if contact is not None
        else Membership.objects.none()
    )
    return {
        "id": user.id,
        "username": user.username,
        "name": user.display_name,
        "email": user.email,
        "role": user.role,
        "is_admin": user.is_admin,
        "is_staff_member": user.is_staff_member,
        "time_zone": user.time_zone,
        "language": user.language,
        "teams": [_ref(t) for t in user.teams.order_by("name")],
        "contact": _ref(contact),
        "organisations": [{"organisation": _ref(m.organisation), "is_admin": m.is_admin} for m in memberships],
    }
