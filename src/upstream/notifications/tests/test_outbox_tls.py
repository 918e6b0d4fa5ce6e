"""STARTTLS and implicit TLS (SMTPS), each with AUTH, against the loopback server with a self-signed certificate
that the test trusts (Django verifies the server's certificate). A wrong password or an untrusted certificate is a
transient failure: the email waits and nothing is lost."""

import pytest

from upstream.notifications import outbox
from upstream.notifications.models import OutboundEmail, OutboundStatus

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_tls_with_auth(smtp_sink_factory, tls):
    sink = smtp_sink_factory(tls=tls, auth=True)
    email = outbox.queue_email(to=["a@customer.test"], subject="Über TLS", text="secret")
    assert outbox.deliver_due().sent == [email.id]
    [got] = sink.wait_for(1)
    assert got.login == sink.USER and got.tls and got.message["Subject"] == "Über TLS"


def test_plain_auth_without_tls(smtp_sink_factory):
    sink = smtp_sink_factory(auth=True)
    outbox.queue_email(to=["a@customer.test"], subject="s", text="t")
    assert len(outbox.deliver_due().sent) == 1
    [got] = sink.wait_for(1)
    assert got.login == sink.USER and not got.tls


def test_a_wrong_password_keeps_the_email_waiting(smtp_sink_factory, settings):
    sink = smtp_sink_factory(tls="starttls", auth=True)
    settings.EMAIL_HOST_PASSWORD = "wrong"
    email = outbox.queue_email(to=["a@customer.test"], subject="s", text="t")
    assert outbox.deliver_due().retrying == [email.id]
    row = OutboundEmail.objects.get(id=email.id)
    assert row.status == OutboundStatus.PENDING and "authentication failed: 535" in row.last_error
    assert sink.received == []


def test_an_untrusted_certificate_is_refused(smtp_sink_factory, monkeypatch):
    sink = smtp_sink_factory(tls="ssl", auth=True)
    monkeypatch.delenv("SSL_CERT_FILE")  # back to the system's CAs, which never signed our certificate
    email = outbox.queue_email(to=["a@customer.test"], subject="s", text="t")
    assert outbox.deliver_due().retrying == [email.id]
    assert "CERTIFICATE_VERIFY_FAILED" in OutboundEmail.objects.get(id=email.id).last_error
    assert sink.received == []
