"""A hard bounce marks an address undeliverable; the outbox drops it from the envelope and records why, and an email
left with nobody to send to is SUPPRESSED. Soft bounces are only counted."""

import pytest

from upstream.notifications import outbox
from upstream.notifications.models import EmailAddressState, OutboundEmail, OutboundStatus

pytestmark = pytest.mark.django_db


def test_hard_and_soft_bounces():
    state = outbox.mark_undeliverable("Soft@Customer.test", reason="452 mailbox full", hard=False)
    assert state.email == "soft@customer.test" and state.soft_bounces == 1 and not state.undeliverable
    assert not outbox.is_undeliverable("soft@customer.test")
    state = outbox.mark_undeliverable("Li Lei <Soft@customer.test>", reason="550 5.1.1 user unknown", hard=True)
    assert state.undeliverable and state.hard_bounces == 1 and state.soft_bounces == 1
    assert state.reason == "550 5.1.1 user unknown" and state.last_bounce_at is not None
    assert outbox.is_undeliverable("SOFT@customer.test") and EmailAddressState.objects.count() == 1
    outbox.mark_undeliverable("soft@customer.test", reason="later soft", hard=False)
    assert EmailAddressState.objects.get().reason == "550 5.1.1 user unknown"  # the hard reason stays
    outbox.mark_deliverable("soft@customer.test")
    assert not outbox.is_undeliverable("soft@customer.test")


def test_every_recipient_undeliverable_is_suppressed_with_the_reason(smtp_sink):
    outbox.mark_undeliverable("gone@customer.test", reason="550 5.1.1 no such user", hard=True)
    email = outbox.queue_email(to=["Gone <GONE@customer.test>"], subject="s", text="t")
    assert outbox.deliver_due().suppressed == [email.id]
    row = OutboundEmail.objects.get(id=email.id)
    assert row.status == OutboundStatus.SUPPRESSED and smtp_sink.received == []
    assert row.suppressed == [{"email": "gone@customer.test", "reason": "550 5.1.1 no such user"}]


def test_an_undeliverable_cc_is_dropped_and_the_rest_is_sent(smtp_sink):
    outbox.mark_undeliverable("gone@customer.test", reason="bounced", hard=True)
    email = outbox.queue_email(to=["a@customer.test"], cc=["gone@customer.test"], subject="s", text="t")
    assert outbox.deliver_due().sent == [email.id]
    [got] = smtp_sink.wait_for(1)
    assert got.rcpt_tos == ["a@customer.test"] and got.message["Cc"] is None
    row = OutboundEmail.objects.get(id=email.id)
    assert row.status == OutboundStatus.SENT and row.suppressed == [
        {"email": "gone@customer.test", "reason": "bounced"}
    ]
