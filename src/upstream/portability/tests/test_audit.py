"""The audit log: `record()` names the actor, the action and the target; admins read it, others cannot."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from upstream.accounts import audit
from upstream.accounts.models import AuditEvent
from upstream.core.testing import make_admin, make_agent, make_org

pytestmark = pytest.mark.django_db


def test_record_names_actor_action_and_target():
    admin, org = make_admin(), make_org("Audited")
    event = audit.record(admin, "export.requested", org, "Export of Audited requested", when=dt.date(2026, 1, 2),
                         amount=Decimal("1.50"))  # fmt: skip
    event.refresh_from_db()
    assert (event.actor, event.action, event.target_type, event.target_id) == (
        admin,
        "export.requested",
        "customers.organisation",
        str(org.pk),
    )
    assert event.details == {"when": "2026-01-02", "amount": "1.50"}
    free = audit.record(None, "export.written", ("portability.archive", "a.tar.gz"), "x" * 400)
    assert free.actor is None and free.target_id == "a.tar.gz" and len(free.summary) == 300


def test_admins_page_through_the_log(django_assert_max_num_queries):
    admin = make_admin()
    for n in range(105):
        audit.record(admin, "contact.erased" if n % 2 else "export.requested", None, f"event {n}")
    client = Client()
    client.force_login(admin)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("portability:audit"))
    assert first.status_code == 200
    assert b"event 104" in first.content and b"event 4<" not in first.content
    oldest_shown = AuditEvent.objects.order_by("-id")[99].pk
    second = client.get(reverse("portability:audit"), {"before": oldest_shown})
    assert b"event 4<" in second.content
    erased = client.get(reverse("portability:audit"), {"action": "contact.erased"})
    assert b"event 103" in erased.content and b"event 104" not in erased.content


def test_the_log_is_not_for_agents_and_not_editable_in_django_admin():
    agent = make_agent()
    client = Client()
    client.force_login(agent)
    assert client.get(reverse("portability:audit")).status_code == 404
    admin = make_admin(is_staff=True, is_superuser=True)
    event = audit.record(admin, "instance.imported", None, "imported")
    client.force_login(admin)
    assert client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 200
    assert client.post(reverse("admin:accounts_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
