"""Every concrete model of the upstream apps, declared with how an export treats it.

A model is one of:
- `Owned(path)`: rows belong to one organisation; `path` is the lookup from the model to the organisation's id
  ("ticket__organisation"). Exported in both scopes; an organisation's export keeps the rows whose path matches.
- `Shared(reason)`: the vendor's configuration (plans, products, calendars, teams, tags, singletons): every row in
  every scope, because the organisation's data refers to it and it holds nothing about other customers.
- `Referenced(seed)`: people and content that other customers' data may also point to (users, contacts, KB
  articles). The instance export has every row; an organisation's export has the rows its exported data refers to,
  plus the rows matching `seed` (e.g. every contact with a membership in the organisation).
- `InstanceOnly(reason)`: only in a whole-instance export (credentials, the audit log, per-address mail state).
- `Excluded(reason)`: never exported (derived data rebuilt by a command, the exports themselves).

`tests/test_registry.py` fails when a concrete model of an upstream app is not declared here, so a new model cannot
silently fall out of the export. The declaration order is the archive's order: dependencies first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import models


@dataclass(frozen=True)
class Owned:
    path: str


@dataclass(frozen=True)
class Shared:
    reason: str


@dataclass(frozen=True)
class Referenced:
    seed: str | None = None


@dataclass(frozen=True)
class InstanceOnly:
    reason: str


@dataclass(frozen=True)
class Excluded:
    reason: str


Treatment = Owned | Shared | Referenced | InstanceOnly | Excluded

_CONFIG = "vendor configuration the organisation's data refers to"
_SINGLETON = "a settings singleton"

REGISTRY: dict[str, Treatment] = {
    # accounts
    "accounts.user": Referenced(seed="contact__memberships__organisation"),
    "accounts.team": Shared(_CONFIG),
    "accounts.apitoken": InstanceOnly("credentials of the vendor's and customers' logins (hashes only)"),
    "accounts.auditevent": InstanceOnly("the instance's compliance log names actions across organisations"),
    # customers
    "customers.organisation": Owned("pk"),
    "customers.organisationdomain": Owned("organisation"),
    "customers.contact": Referenced(seed="memberships__organisation"),
    "customers.membership": Owned("organisation"),
    "customers.product": Shared(_CONFIG),
    "customers.productversion": Shared(_CONFIG),
    "customers.supportplan": Shared(_CONFIG),
    "customers.contract": Owned("organisation"),
    "customers.contractevent": Owned("contract__organisation"),
    "customers.entitlementsettings": Shared(_SINGLETON),
    # tickets
    "tickets.tag": Shared(_CONFIG),
    "tickets.ticketcounter": Shared("the ticket number counter, so imported numbers are never handed out again"),
    "tickets.ticket": Owned("organisation"),
    "tickets.message": Owned("ticket__organisation"),
    "tickets.attachment": Owned("message__ticket__organisation"),
    "tickets.activity": Owned("ticket__organisation"),
    # sla
    "sla.businesscalendar": Shared(_CONFIG),
    "sla.slapolicy": Shared(_CONFIG),
    "sla.escalationstep": Shared(_CONFIG),
    "sla.slaconfigchange": InstanceOnly("the change log of the vendor's SLA configuration"),
    "sla.ticketsla": Owned("ticket__organisation"),
    "sla.slaevent": Owned("ticket__organisation"),
    # notifications
    "notifications.notification": Owned("ticket__organisation"),
    "notifications.outboundemail": Owned("ticket__organisation"),
    "notifications.emailaddressstate": InstanceOnly("deliverability of addresses across all organisations"),
    # email channel
    "email_channel.mailbox": InstanceOnly("holds mail server passwords and OAuth secrets"),
    "email_channel.inboundemail": Owned("ticket__organisation"),
    "email_channel.threadid": Owned("ticket__organisation"),
    "email_channel.follower": Owned("ticket__organisation"),
    "email_channel.autoreply": InstanceOnly("rate-limit state of automatic replies, per sender address"),
    # knowledge base
    "kb.category": Shared(_CONFIG),
    "kb.article": Referenced(),
    "kb.articlerevision": InstanceOnly("editing history of the vendor's articles"),
    "kb.articlefeedback": Owned("user__contact__memberships__organisation"),
    "kb_search.document": Excluded("search index, rebuilt by `upstream search reindex`"),
    "kb_search.posting": Excluded("search index, rebuilt by `upstream search reindex`"),
    "kb_search.stats": Excluded("search index statistics, rebuilt by `upstream search reindex`"),
    "kb_search.pending": Excluded("the search index's work queue"),
    "kb_search.searchlog": InstanceOnly("search queries of every user"),
    "kb_assist.answerbotsettings": Shared(_SINGLETON),
    "kb_assist.botoffer": Owned("ticket__organisation"),
    "kb_assist.deflection": Owned("user__contact__memberships__organisation"),
    # surveys
    "surveys.surveysettings": Shared(_SINGLETON),
    "surveys.csatsurvey": Owned("organisation"),
    "surveys.npssurvey": Owned("organisation"),
    "surveys.returnvisitquestion": Shared(_CONFIG),
    "surveys.returnvisit": Owned("organisation"),
    "surveys.returnvisitanswer": Owned("visit__organisation"),
    # hours
    "hours.timeentry": Owned("ticket__organisation"),
    "hours.hoursalert": Owned("contract__organisation"),
    "hours.statement": Owned("contract__organisation"),
    # success
    "success.interaction": Owned("organisation"),
    "success.healthsettings": Shared(_SINGLETON),
    "success.healthsnapshot": Owned("organisation"),
    "success.playbook": Shared(_CONFIG),
    "success.successtask": Owned("organisation"),
    # analytics
    "analytics.ticketfact": Excluded("derived from tickets, SLA and surveys; rebuilt by the analytics catch-up"),
    "analytics.daycolumns": Excluded("packed per-day columns derived from the fact table; rebuilt with it"),
    "analytics.maintenancestate": Excluded("how far the analytics catch-up has read; an import starts it afresh"),
    "analytics.weeklyreport": InstanceOnly("weekly reports sent to team leads (keeps them from being sent twice)"),
    # portability
    "portability.exportjob": Excluded("earlier exports: archives are not exported into archives"),
}

# Rows a fresh instance may already hold (data migrations, singletons created on first use). They do not make an
# instance "non-empty", and an import replaces them with the archive's rows.
REPLACEABLE: frozenset[str] = frozenset(
    {
        "tickets.ticketcounter",
        "customers.entitlementsettings",
        "kb_assist.answerbotsettings",
        "surveys.surveysettings",
        "surveys.returnvisitquestion",
        "success.healthsettings",
        "success.playbook",
    }
)

# Logs that a fresh instance may already have begun (the audit log records even an export of an empty instance).
# They do not make an instance "non-empty"; an import appends the archive's rows with new ids, keeping what is there.
APPENDED: frozenset[str] = frozenset({"accounts.auditevent"})

# Relations to models outside the upstream apps (Django's permission tables): not exported, with the reason.
SKIPPED_FIELDS: dict[str, dict[str, str]] = {
    "accounts.user": {
        "groups": "Django permission groups are not used by Upstream's roles",
        "user_permissions": "Django per-user permissions are not used by Upstream's roles",
    },
}

# Values an organisation's archive never carries, whatever the row: its admin must not receive password hashes of the
# vendor's staff or of other contacts. "!" is Django's mark of an unusable password: imported users set a new one.
BLANKED_IN_ORGANISATION: dict[str, dict[str, object]] = {
    "accounts.user": {"password": "!"},
}

UPSTREAM_PACKAGE = "upstream."


def upstream_models() -> list[type[models.Model]]:
    """Every concrete, non-proxy model defined by an upstream app (auto-created M2M tables travel with their field)."""
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith(UPSTREAM_PACKAGE) and not model._meta.proxy and model._meta.managed
    ]


def undeclared() -> list[str]:
    return sorted(m._meta.label_lower for m in upstream_models() if m._meta.label_lower not in REGISTRY)


def treatment(label: str) -> Treatment:
    return REGISTRY[label]


def exported(*, instance: bool) -> Iterator[tuple[str, type[models.Model], Treatment]]:
    """The entities an export of this scope writes, in archive (dependency) order."""
    for label, how in REGISTRY.items():
        if isinstance(how, Excluded) or (isinstance(how, InstanceOnly) and not instance):
            continue
        yield label, apps.get_model(label), how


def importable() -> dict[str, type[models.Model]]:
    """Entities an archive may contain: everything not excluded."""
    return {label: apps.get_model(label) for label, how in REGISTRY.items() if not isinstance(how, Excluded)}
