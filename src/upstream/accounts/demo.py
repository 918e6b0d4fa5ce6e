"""The demo sign-ins: one list, used by `upstream generate --demo` to create them and `upstream demo_logins` to print
them. Demo data only; never load it into a production database."""

from __future__ import annotations

from dataclasses import dataclass

from upstream.accounts.models import Language, Role

DEMO_PASSWORD = "demo"
ADMIN_PASSWORD = "admin"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    full_name: str
    email: str
    time_zone: str
    language: str
    sees: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        "admin", ADMIN_PASSWORD, Role.ADMIN, "Chen Jing 陈静", "admin@upstream.example", "Asia/Shanghai",
        Language.BROWSER, "everything: every queue and ticket, the Django admin at /admin/",
    ),
    DemoLogin(
        "li.wei", DEMO_PASSWORD, Role.AGENT, "李伟 Li Wei", "li.wei@upstream.example", "Asia/Shanghai",
        Language.CHINESE, "agent, team 平台支持 Platform (Kubernetes, Keycloak); Chinese UI",
    ),
    DemoLogin(
        "anna", DEMO_PASSWORD, Role.AGENT, "Anna Schmidt", "anna@upstream.example", "Europe/Berlin",
        Language.ENGLISH, "agent, team Database (PostgreSQL); English UI",
    ),
    DemoLogin(
        "wang.fang", DEMO_PASSWORD, Role.AGENT, "王芳 Wang Fang", "wang.fang@upstream.example", "Asia/Shanghai",
        Language.CHINESE, "agent, teams Database and 业务应用 Business Apps (Odoo)",
    ),
    DemoLogin(
        "james", DEMO_PASSWORD, Role.AGENT, "James O'Connor", "james@upstream.example", "America/New_York",
        Language.ENGLISH, "agent, teams 平台支持 Platform and 业务应用 Business Apps",
    ),
    DemoLogin(
        "zhang.min", DEMO_PASSWORD, Role.CUSTOMER, "张敏", "zhang.min@yunqi-tech.cn", "Asia/Shanghai",
        Language.CHINESE, "customer portal: organisation admin of 上海云启科技有限公司, sees all its tickets",
    ),
    DemoLogin(
        "tom", DEMO_PASSWORD, Role.CUSTOMER, "Tom Baker", "tom@brightlinehealth.com", "America/New_York",
        Language.ENGLISH, "customer portal: contact at Brightline Health, Inc., sees his own tickets",
    ),
)  # fmt: skip
