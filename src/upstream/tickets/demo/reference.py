"""The demo vendor's reference data: products, plans, teams, staff, customers and their contracts.

Everything is looked up by natural key and created only when missing, so running it twice changes nothing and a
benchmark run can add tickets to an existing demo database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction

from upstream.accounts.demo import DEMO_LOGINS, DemoLogin
from upstream.accounts.models import Language, Role, Team, User
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

PLATFORM, DATABASE, APPS = "platform", "database", "apps"
TEAMS = {
    PLATFORM: ("平台支持 Platform", "Kubernetes and Keycloak: clusters, ingress, identity and SSO."),
    DATABASE: ("Database", "PostgreSQL: replication, performance, backups, upgrades, managed databases."),
    APPS: ("业务应用 Business Apps", "Odoo: accounting, inventory, e-commerce, upgrades and customisation."),
}
TEAM_MEMBERS = {
    "li.wei": (PLATFORM,),
    "anna": (DATABASE,),
    "wang.fang": (DATABASE, APPS),
    "james": (PLATFORM, APPS),
}
TEAM_LEADS = {PLATFORM: "li.wei", DATABASE: "anna", APPS: "wang.fang"}

# name -> (team, description, [(version, released, supported until)])
PRODUCTS: dict[str, tuple[str, str, list[tuple[str, date, date | None]]]] = {
    "PostgreSQL": (DATABASE, "The relational database.", [
        ("13", date(2020, 9, 24), date(2025, 11, 13)),
        ("14", date(2021, 9, 30), date(2026, 11, 12)),
        ("15", date(2022, 10, 13), date(2027, 11, 11)),
        ("16", date(2023, 9, 14), date(2028, 11, 9)),
        ("17", date(2024, 9, 26), date(2029, 11, 8)),
    ]),
    "Kubernetes": (PLATFORM, "Container orchestration (kubeadm, RKE2 and CloudNativePG-based installs).", [
        ("1.29", date(2023, 12, 13), date(2025, 2, 28)),
        ("1.30", date(2024, 4, 17), date(2025, 6, 28)),
        ("1.31", date(2024, 8, 13), date(2025, 10, 28)),
        ("1.32", date(2024, 12, 11), date(2026, 2, 28)),
        ("1.33", date(2025, 4, 23), date(2026, 6, 28)),
    ]),
    "Keycloak": (PLATFORM, "Identity and access management, SSO (OpenID Connect, SAML, LDAP).", [
        ("24.0", date(2024, 3, 4), None),
        ("25.0", date(2024, 6, 10), None),
        ("26.0", date(2024, 10, 4), None),
        ("26.1", date(2025, 1, 15), None),
    ]),
    "Odoo": (APPS, "ERP: accounting, sales, inventory, e-commerce (Community and Enterprise).", [
        ("16.0", date(2022, 10, 12), date(2025, 10, 31)),
        ("17.0", date(2023, 11, 8), date(2026, 10, 31)),
        ("18.0", date(2024, 10, 2), date(2027, 10, 31)),
    ]),
}  # fmt: skip
PRODUCT_TEAM = {name: spec[0] for name, spec in PRODUCTS.items()}

ALL_CHANNELS = ["email", "portal", "chat", "phone", "api", "monitoring"]
# name -> (kind, tier, channels, highest priority a customer may choose, description)
PLANS: dict[str, tuple[str, str, list[str], int, str]] = {
    "企业订阅 Enterprise Subscription": (
        PlanKind.SUBSCRIPTION, PlanTier.ENTERPRISE, ALL_CHANNELS, Priority.P1,
        "24×7 for P1, named engineers, quarterly health checks.",
    ),
    "Standard Subscription 标准订阅": (
        PlanKind.SUBSCRIPTION, PlanTier.STANDARD, ["email", "portal", "chat"], Priority.P2,
        "Business hours in the customer's time zone, P2 and below.",
    ),
    "Basic Subscription 基础订阅": (
        PlanKind.SUBSCRIPTION, PlanTier.BASIC, ["portal", "email"], Priority.P3,
        "Portal and email, next business day.",
    ),
    "Managed PostgreSQL 托管数据库": (
        PlanKind.MANAGED_HOSTING, PlanTier.PREMIUM, ["email", "portal", "phone", "monitoring"], Priority.P1,
        "We run the customer's PostgreSQL clusters: monitoring, backups, upgrades, on-call.",
    ),
    "Consulting 40h 咨询服务": (
        PlanKind.CONSULTING, PlanTier.STANDARD, ["email", "portal"], Priority.P3,
        "A block of 40 prepaid consulting hours, valid for a year.",
    ),
    "Custom Development 定制开发": (
        PlanKind.CUSTOM_DEVELOPMENT, PlanTier.PREMIUM, ["email", "portal", "chat"], Priority.P2,
        "Module development and upstream contributions, with warranty support.",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class ContactSpec:
    name: str
    email: str
    login: str | None = None  # a demo login's username; "portal" = a portal account without a known password
    admin: bool = False
    phone: str = ""


@dataclass(frozen=True)
class ContractSpec:
    reference: str
    plan: str
    status: str
    starts_days: int  # relative to today; negative = in the past
    ends_days: int
    products: tuple[str, ...] = ()
    hours: int = 0


@dataclass(frozen=True)
class OrgSpec:
    name: str
    language: str  # "zh" or "en": the language its people write in
    time_zone: str
    domains: tuple[str, ...]
    team: str | None
    contacts: tuple[ContactSpec, ...]
    contracts: tuple[ContractSpec, ...] = ()
    products: tuple[str, ...] = ()  # what its tickets are about (defaults to the contracts' products)
    weight: int = 1  # share of the demo tickets
    customer_since_days: int = 400


ORGANISATIONS: tuple[OrgSpec, ...] = (
    OrgSpec(
        "上海云启科技有限公司", "zh", "Asia/Shanghai", ("yunqi-tech.cn",), PLATFORM,
        (
            ContactSpec("张敏", "zhang.min@yunqi-tech.cn", login="zhang.min", admin=True, phone="+86 21 5555 0101"),
            ContactSpec("陈刚", "chen.gang@yunqi-tech.cn", login="portal", phone="+86 21 5555 0102"),
            ContactSpec("刘洋", "liu.yang@yunqi-tech.cn", phone="+86 138 0000 0103"),
        ),
        (ContractSpec("UPC-2024-017", "企业订阅 Enterprise Subscription", ContractStatus.ACTIVE, -420, 310,
                      ("Kubernetes", "Keycloak", "PostgreSQL"), 20),),
        weight=5, customer_since_days=800,
    ),
    OrgSpec(
        "杭州青禾电子商务有限公司", "zh", "Asia/Shanghai", ("qinghe-shop.cn",), APPS,
        (
            ContactSpec("王磊", "wang.lei@qinghe-shop.cn", login="portal"),
            ContactSpec("赵静", "zhao.jing@qinghe-shop.cn", phone="+86 571 5555 0201"),
        ),
        (
            ContractSpec("UPC-2025-004", "Custom Development 定制开发", ContractStatus.ACTIVE, -150, 215, ("Odoo",)),
            ContractSpec("UPC-2025-011", "Standard Subscription 标准订阅", ContractStatus.TRIAL, -20, 40, ("Odoo",)),
        ),
        weight=3, customer_since_days=200,
    ),
    OrgSpec(
        "Brightline Health, Inc.", "en", "America/New_York", ("brightlinehealth.com",), DATABASE,
        (
            ContactSpec("Tom Baker", "tom@brightlinehealth.com", login="tom", phone="+1 617 555 0134"),
            ContactSpec("Sarah Lee", "sarah.lee@brightlinehealth.com", admin=True, phone="+1 617 555 0135"),
            ContactSpec("Priya Nair", "priya@nair-consulting.com"),
        ),
        (ContractSpec("UPC-2023-042", "Managed PostgreSQL 托管数据库", ContractStatus.ACTIVE, -610, 120,
                      ("PostgreSQL",)),),
        products=("PostgreSQL", "Kubernetes"),  # Kubernetes questions are not covered by the contract
        weight=4, customer_since_days=650,
    ),
    OrgSpec(
        "Nordwind Logistik GmbH", "en", "Europe/Berlin", ("nordwind-logistik.de",), PLATFORM,
        (
            ContactSpec("Jonas Becker", "jonas.becker@nordwind-logistik.de", login="portal", admin=True),
            ContactSpec("Priya Nair", "priya@nair-consulting.com"),
        ),
        (
            ContractSpec("UPC-2022-008", "Basic Subscription 基础订阅", ContractStatus.EXPIRED, -1100, -366,
                         ("Keycloak",)),
            ContractSpec("UPC-2024-003", "Standard Subscription 标准订阅", ContractStatus.GRACE, -365, 12,
                         ("Keycloak", "PostgreSQL")),
        ),
        weight=3, customer_since_days=1100,
    ),
    OrgSpec(
        "Atelier Lumière SARL", "en", "Europe/Paris", ("atelier-lumiere.fr",), APPS,
        (ContactSpec("Camille Martin", "camille.martin@atelier-lumiere.fr", login="portal", admin=True),),
        (ContractSpec("UPC-2024-021", "Consulting 40h 咨询服务", ContractStatus.EXPIRED, -400, -35, ("Odoo",), 40),),
        weight=2, customer_since_days=400,
    ),
    OrgSpec(
        "深圳星河智能制造有限公司", "zh", "Asia/Shanghai", ("xinghe-im.cn",), None,
        (ContactSpec("黄志强", "huang.zhiqiang@xinghe-im.cn", login="portal", admin=True),),
        products=("PostgreSQL", "Kubernetes", "Odoo"),
        weight=1, customer_since_days=60,
    ),
    OrgSpec(
        "Harbourview Capital Pte. Ltd.", "en", "Asia/Singapore", ("harbourview.sg",), DATABASE,
        (ContactSpec("Daniel Tan", "daniel.tan@harbourview.sg", login="portal", admin=True),),
        (ContractSpec("UPC-2025-002", "Basic Subscription 基础订阅", ContractStatus.ACTIVE, -90, 275,
                      ("PostgreSQL", "Kubernetes")),),
        weight=2, customer_since_days=90,
    ),
)  # fmt: skip


@dataclass
class OrgData:
    spec: OrgSpec
    organisation: Organisation
    contacts: list[Contact]
    contracts: list[Contract]
    products: list[str]
    covered: dict[int, tuple[str, ...]] = field(default_factory=dict)  # contract id -> product names


@dataclass
class Reference:
    """The demo vendor's reference data, as model instances."""

    admin: User
    agents: list[User]
    teams: dict[str, Team]
    products: dict[str, Product]
    versions: dict[str, list[ProductVersion]]
    orgs: list[OrgData] = field(default_factory=list)

    def members(self, team_key: str) -> list[User]:
        return [a for a in self.agents if team_key in TEAM_MEMBERS.get(a.username, ())]

    def contract_on(self, org: OrgData, product: str | None, day: date) -> Contract | None:
        """The contract that entitled a request on `day` (by dates; its current status may have moved on)."""
        for contract in sorted(org.contracts, key=lambda c: c.ends_on, reverse=True):
            if contract.status == ContractStatus.TERMINATED or not contract.starts_on <= day <= contract.ends_on:
                continue
            covered = org.covered.get(contract.id, ())
            if product is None or not covered or product in covered:
                return contract
        return None


def _user(login: DemoLogin, joined: datetime) -> User:
    user = User.objects.filter(username=login.username).first()
    if user is not None:
        return user
    user = User(
        username=login.username,
        email=login.email,
        role=login.role,
        full_name=login.full_name,
        time_zone=login.time_zone,
        language=login.language,
        is_staff=login.role == Role.ADMIN,
        is_superuser=login.role == Role.ADMIN,
        date_joined=joined,
    )
    user.set_password(login.password)
    user.save()
    return user


def _portal_user(contact: ContactSpec, time_zone: str, language: str, joined: datetime) -> User:
    """A portal account whose password nobody knows (the contact would reset it); demo tickets speak through it."""
    username = contact.email.split("@")[0]
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username, email=contact.email, role=Role.CUSTOMER, full_name=contact.name,
            time_zone=time_zone, language=language, date_joined=joined,
        )  # fmt: skip
        user.set_unusable_password()
        user.save()
    return user


def _products(today: date) -> tuple[dict[str, Product], dict[str, list[ProductVersion]]]:
    products, versions = {}, {}
    for name, (_team, description, releases) in PRODUCTS.items():
        product, _ = Product.objects.get_or_create(name=name, defaults={"description": description})
        products[name] = product
        versions[name] = [
            ProductVersion.objects.get_or_create(
                product=product, name=version, defaults={"released_on": released, "supported_until": until}
            )[0]
            for version, released, until in releases
        ]
    return products, versions


def _plans() -> dict[str, SupportPlan]:
    plans = {}
    for name, (kind, tier, channels, highest, description) in PLANS.items():
        plans[name] = SupportPlan.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind, "tier": tier, "channels": channels, "highest_priority": highest,
                "description": description,
            },
        )[0]  # fmt: skip
    return plans


def _staff(now: datetime) -> tuple[User, list[User], dict[str, Team]]:
    logins = {d.username: d for d in DEMO_LOGINS}
    staff = {
        d.username: _user(d, now - timedelta(days=900 - 40 * i))
        for i, d in enumerate(DEMO_LOGINS)
        if d.role != Role.CUSTOMER
    }
    teams = {}
    for key, (name, description) in TEAMS.items():
        team, created = Team.objects.get_or_create(name=name, defaults={"description": description})
        if created:
            team.lead = staff[TEAM_LEADS[key]]
            team.save(update_fields=["lead"])
            team.members.add(*[staff[u] for u, keys in TEAM_MEMBERS.items() if key in keys])
        teams[key] = team
    agents = [staff[u] for u in logins if logins[u].role == Role.AGENT]
    return staff["admin"], agents, teams


def _organisation(spec: OrgSpec, teams: dict[str, Team], plans: dict[str, SupportPlan], now: datetime) -> OrgData:
    today = now.date()
    language = Language.CHINESE if spec.language == "zh" else Language.ENGLISH
    since = now - timedelta(days=spec.customer_since_days)
    org, created = Organisation.objects.get_or_create(
        name=spec.name,
        defaults={"time_zone": spec.time_zone, "default_team": teams[spec.team] if spec.team else None},
    )
    if created:
        Organisation.objects.filter(id=org.id).update(created_at=since, updated_at=since)
    for domain in spec.domains:
        OrganisationDomain.objects.get_or_create(domain=domain, defaults={"organisation": org})
    logins = {d.username: d for d in DEMO_LOGINS}
    contacts = []
    for c in spec.contacts:
        contact = Contact.objects.filter(email=c.email).first()
        if contact is None:
            user = None
            if c.login == "portal":
                user = _portal_user(c, spec.time_zone, language, since)
            elif c.login:
                user = _user(logins[c.login], since)
            contact = Contact.objects.create(name=c.name, email=c.email, phone=c.phone, user=user)
            Contact.objects.filter(id=contact.id).update(created_at=since, updated_at=since)
        Membership.objects.get_or_create(contact=contact, organisation=org, defaults={"is_admin": c.admin})
        contacts.append(contact)
    contracts, covered = [], {}
    for k in spec.contracts:
        contract, created = Contract.objects.get_or_create(
            reference=k.reference,
            defaults={
                "organisation": org,
                "plan": plans[k.plan],
                "status": k.status,
                "starts_on": today + timedelta(days=k.starts_days),
                "ends_on": today + timedelta(days=k.ends_days),
                "consulting_hours": Decimal(k.hours),
            },
        )
        if created:
            contract.products.set(Product.objects.filter(name__in=k.products))
        contracts.append(contract)
        covered[contract.id] = tuple(contract.products.values_list("name", flat=True))
    products = list(spec.products) or sorted({p for k in spec.contracts for p in k.products})
    return OrgData(spec, org, contacts, contracts, products, covered)


@transaction.atomic
def ensure_reference(now: datetime) -> Reference:
    """Create whatever part of the demo reference data is missing and return all of it."""
    admin, agents, teams = _staff(now)
    products, versions = _products(now.date())
    plans = _plans()
    reference = Reference(admin=admin, agents=agents, teams=teams, products=products, versions=versions)
    reference.orgs = [_organisation(spec, teams, plans, now) for spec in ORGANISATIONS]
    return reference
