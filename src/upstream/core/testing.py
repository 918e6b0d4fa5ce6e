"""Factories shared by every app's tests: small functions that build valid objects through the real services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from upstream.accounts.models import Role, Team, User
from upstream.accounts.services import create_api_token
from upstream.customers.models import (
    Contact,
    Contract,
    ContractStatus,
    Membership,
    Organisation,
    OrganisationDomain,
    PlanKind,
    PlanTier,
    Priority,
    Product,
    ProductVersion,
    SupportPlan,
)
from upstream.tickets import services
from upstream.tickets.models import Attachment, Category, Ticket

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"


def _n() -> int:
    return next(_seq)


def make_user(role: str = Role.AGENT, *, username: str | None = None, teams: list[Team] = (), **extra: Any) -> User:  # type: ignore[assignment]
    name = username or f"{role}{_n()}"
    user = User.objects.create_user(
        username=name,
        password=PASSWORD,
        email=f"{name}@vendor.test",
        role=role,
        full_name=extra.pop("full_name", name.title()),
        **extra,
    )
    for team in teams:
        team.members.add(user)
    return user


def make_admin(**extra: Any) -> User:
    return make_user(Role.ADMIN, **extra)


def make_agent(*teams: Team, **extra: Any) -> User:
    return make_user(Role.AGENT, teams=list(teams), **extra)


def make_team(name: str | None = None, lead: User | None = None) -> Team:
    return Team.objects.create(name=name or f"Team {_n()}", lead=lead)


def make_org(name: str | None = None, *, domain: str | None = None, team: Team | None = None) -> Organisation:
    org = Organisation.objects.create(name=name or f"Org {_n()}", time_zone="Asia/Shanghai", default_team=team)
    if domain:
        OrganisationDomain.objects.create(organisation=org, domain=domain)
    return org


def make_contact(
    *orgs: Organisation,
    admin: bool = False,
    login: bool = True,
    email: str | None = None,
    name: str | None = None,
) -> Contact:
    n = _n()
    email = email or f"contact{n}@customer.test"
    name = name or f"Contact {n}"
    user = make_user(Role.CUSTOMER, username=f"contact{n}", full_name=name) if login else None
    contact = Contact.objects.create(name=name, email=email, user=user)
    for org in orgs:
        Membership.objects.create(contact=contact, organisation=org, is_admin=admin)
    return contact


def make_product(name: str | None = None, versions: tuple[str, ...] = ("1.0", "2.0")) -> Product:
    product = Product.objects.create(name=name or f"Product {_n()}")
    for index, version in enumerate(versions):
        ProductVersion.objects.create(
            product=product, name=version, released_on=date(2024, 1, 1) + timedelta(days=90 * index)
        )
    return product


def make_plan(name: str | None = None, highest_priority: int = Priority.P2, **extra: Any) -> SupportPlan:
    return SupportPlan.objects.create(
        name=name or f"Plan {_n()}",
        kind=extra.pop("kind", PlanKind.SUBSCRIPTION),
        tier=extra.pop("tier", PlanTier.STANDARD),
        channels=extra.pop("channels", ["email", "portal"]),
        highest_priority=highest_priority,
        **extra,
    )


def make_contract(
    org: Organisation,
    plan: SupportPlan | None = None,
    *,
    products: tuple[Product, ...] = (),
    status: str = ContractStatus.ACTIVE,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Contract:
    today = date.today()
    contract = Contract.objects.create(
        organisation=org,
        plan=plan or make_plan(),
        reference=f"C-{_n():05d}",
        starts_on=starts_on or today - timedelta(days=30),
        ends_on=ends_on or today + timedelta(days=335),
        status=status,
        consulting_hours=Decimal("10"),
    )
    contract.products.set(products)
    return contract


def make_ticket(
    requester: Contact,
    org: Organisation | None = None,
    *,
    by: User | None = None,
    subject: str | None = None,
    body: str = "Something is wrong.",
    **fields: Any,
) -> Ticket:
    organisation = org or requester.organisations.first()
    assert organisation is not None, "the requester belongs to no organisation"
    actor = by or requester.user or make_admin()
    new = services.NewTicket(
        organisation=organisation,
        requester=requester,
        subject=subject or f"Ticket {_n()}",
        body=body,
        category=fields.pop("category", Category.DEFECT),
        **fields,
    )
    return services.open_ticket(by=actor, new=new)


def upload(name: str = "log.txt", content: bytes = b"hello", content_type: str = "text/plain") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def api_client(user: User) -> Client:
    """A test client whose every request authenticates with a new API token of `user`."""
    _token, raw = create_api_token(by=user, name=f"test token {_n()}")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@dataclass
class TwoOrganisations:
    """Organisation A (team Platform: alice, her colleague, an org admin) and B (team Database: bob, whose ticket
    carries an attachment): the world in which tenant isolation is proved."""

    platform: Team
    database: Team
    org_a: Organisation
    org_b: Organisation
    alice: Contact
    colleague: Contact
    a_admin: Contact
    bob: Contact
    ticket_a: Ticket
    ticket_colleague: Ticket
    ticket_b: Ticket

    @property
    def attachment_b(self) -> Attachment:
        return Attachment.objects.get(message__ticket=self.ticket_b)


def make_two_organisations() -> TwoOrganisations:
    platform, database = make_team("Platform"), make_team("Database")
    org_a, org_b = make_org("Org A", team=platform), make_org("Org B", team=database)
    alice, colleague = make_contact(org_a), make_contact(org_a)
    a_admin, bob = make_contact(org_a, admin=True), make_contact(org_b)
    ticket_b = services.open_ticket(
        by=bob.user,
        new=services.NewTicket(organisation=org_b, requester=bob, subject="Bravo secret outage", body="x"),
        uploads=[upload("b.txt", b"org b data")],
    )
    return TwoOrganisations(
        platform=platform, database=database, org_a=org_a, org_b=org_b, alice=alice, colleague=colleague,
        a_admin=a_admin, bob=bob, ticket_a=make_ticket(alice, org_a, subject="Alpha cluster down"),
        ticket_colleague=make_ticket(colleague, org_a, subject="Alpha colleague question"), ticket_b=ticket_b,
    )  # fmt: skip
