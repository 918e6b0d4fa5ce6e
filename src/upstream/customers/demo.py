"""Demo data for contracts: a presales/community queue, account managers, a renewal, and a few customers who left
(with their exit reasons), so the contract pages and the churn report have something to show after `generate --demo`.

Runs after the demo tickets were played, through the lifecycle services (the end dates of past exits are then moved
back to when they happened, which no service does on purpose). Idempotent: a second run changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from upstream.accounts.models import Role, Team, User
from upstream.customers import lifecycle
from upstream.customers.models import (
    Contract,
    ContractStatus,
    EntitlementSettings,
    Organisation,
    SupportPlan,
)

PRESALES_TEAM = "售前与社区 Presales & Community"
PRESALES_MEMBERS = ("james", "wang.fang")
ACCOUNT_MANAGERS = ("li.wei", "anna", "wang.fang")

# (organisation, reference, plan, starts days ago, ends days ago, ended days ago, reason, comment)
PAST_EXITS = (
    ("Harbourview Capital Pte. Ltd.", "UPC-2024-055", "Consulting 40h 咨询服务", 500, 140, 200, "price",
     "Budget cut for the year; may come back for the migration project."),
    ("杭州青禾电子商务有限公司", "UPC-2024-071", "Managed PostgreSQL 托管数据库", 420, 60, 60, "missing_features",
     "需要多区域只读副本，我们的托管方案暂不支持。"),
    ("Brightline Health, Inc.", "UPC-2023-013", "Basic Subscription 基础订阅", 700, 250, 250, "competitor",
     "Moved their Kubernetes support to the cloud provider's own offering."),
)  # fmt: skip


def load_contracts_demo(*, now: datetime) -> None:
    admin = User.objects.filter(role=Role.ADMIN).order_by("id").first()
    if admin is None:
        return
    _presales_queue()
    _account_managers()
    for org_name, reference, plan_name, starts, ends, ended, reason, comment in PAST_EXITS:
        _past_exit(admin, now, org_name, reference, plan_name, (starts, ends, ended), reason, comment)
    lapsed = Contract.objects.filter(reference="UPC-2024-021", exit_reason="").first()
    if lapsed is not None:  # Atelier Lumière's consulting block ran out and the project was done
        lifecycle.end_contract(
            by=admin, contract=lapsed, reason="project_ended", comment="Odoo rollout finished.", at_term_end=True
        )
    current = Contract.objects.filter(reference="UPC-2023-042").first()
    if current is not None and not current.renewals.exists():  # Brightline renewed its managed database early
        lifecycle.renew(by=admin, contract=current, ends_on=current.ends_on + timedelta(days=365))
    lifecycle.advance_statuses(on=lifecycle.today())


def _presales_queue() -> None:
    team, _created = Team.objects.get_or_create(
        name=PRESALES_TEAM,
        defaults={"description": "Requests without an entitling contract: community questions and presales."},
    )
    team.members.add(*User.objects.filter(username__in=PRESALES_MEMBERS))
    EntitlementSettings.objects.update_or_create(id=1, defaults={"unentitled_team": team})


def _account_managers() -> None:
    managers = list(User.objects.filter(username__in=ACCOUNT_MANAGERS).order_by("username"))
    if not managers:
        return
    for index, organisation in enumerate(Organisation.objects.filter(account_manager__isnull=True).order_by("name")):
        organisation.account_manager = managers[index % len(managers)]
        organisation.save(update_fields=["account_manager"])


def _past_exit(
    admin: User,
    now: datetime,
    org_name: str,
    reference: str,
    plan_name: str,
    days_ago: tuple[int, int, int],
    reason: str,
    comment: str,
) -> None:
    organisation = Organisation.objects.filter(name=org_name).first()
    plan = SupportPlan.objects.filter(name=plan_name).first()
    if organisation is None or plan is None or Contract.objects.filter(reference=reference).exists():
        return
    starts, ends, ended = days_ago
    today = now.date()
    contract = Contract.objects.create(
        organisation=organisation,
        plan=plan,
        reference=reference,
        starts_on=today - timedelta(days=starts),
        ends_on=today - timedelta(days=ends),
        status=ContractStatus.ACTIVE,
    )
    lifecycle.end_contract(by=admin, contract=contract, reason=reason, comment=comment, at_term_end=ends == ended)
    # The exit happened in the past: date it so (the service records "now").
    when = now - timedelta(days=ended)
    status = ContractStatus.EXPIRED if ends == ended else ContractStatus.TERMINATED
    Contract.objects.filter(id=contract.id).update(
        status=status, ended_on=when.date(), ended_at=when, created_at=now - timedelta(days=starts + 20)
    )
    contract.events.update(created_at=when)
