"""What cannot be processed is kept: quarantined with the error, listed for admins with retry and download."""

import io

import pytest
from django.test import Client

from upstream.channels.email import ingest
from upstream.channels.email.models import InboundEmail, InboundStatus
from upstream.channels.email.tests.mail_world import build, deliver, make_mail_world
from upstream.core.testing import PASSWORD, make_admin
from upstream.tickets.models import Ticket

pytestmark = pytest.mark.django_db

NO_SENDER = b"To: support@vendor.test\r\nSubject: who am I\r\nMessage-ID: <nofrom@x>\r\n\r\nHello\r\n"


def _admin_client():
    admin = make_admin()
    client = Client()
    client.login(username=admin.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("raw", [b"", b"\x00\x01\x02 not an email at all", NO_SENDER, b"From: \r\n\r\n"])
def test_unprocessable_messages_are_quarantined_with_their_bytes(raw):
    world = make_mail_world()
    result = deliver(raw, world.mailbox)
    record = result.inbound
    assert record.status == InboundStatus.QUARANTINED
    assert record.error
    with record.raw.open("rb") as stored:
        assert stored.read() == raw
    assert not Ticket.objects.exists()


def test_one_bad_message_does_not_block_the_next():
    world = make_mail_world()
    deliver(NO_SENDER, world.mailbox)
    deliver(build(), world.mailbox)
    assert Ticket.objects.count() == 1


def test_retry_processes_a_quarantined_message_once_the_cause_is_fixed():
    world = make_mail_world()
    record = deliver(NO_SENDER, world.mailbox).inbound
    with record.raw.open("rb") as stored:
        fixed = b"From: Li Na <li.na@acme.test>\r\n" + stored.read()
    record.raw.save(record.raw.name.rsplit("/", 1)[-1], io.BytesIO(fixed), save=True)
    retried = ingest.retry(record)
    assert retried.status == InboundStatus.TICKET and retried.attempts == 2
    assert Ticket.objects.get().requester == world.contact


def test_admins_see_the_quarantine_download_the_raw_bytes_and_retry():
    world = make_mail_world()
    record = deliver(NO_SENDER, world.mailbox).inbound
    client = _admin_client()
    page = client.get("/email/inbound/")
    assert page.status_code == 200
    assert "who am I" in page.content.decode() and "no usable sender" in page.content.decode()
    raw = client.get(f"/email/inbound/{record.id}/raw/")
    assert raw.status_code == 200 and b"".join(raw.streaming_content) == NO_SENDER
    assert raw["Content-Type"] == "message/rfc822" and raw["X-Content-Type-Options"] == "nosniff"
    retried = client.post(f"/email/inbound/{record.id}/retry/", follow=True)
    assert retried.status_code == 200
    assert InboundEmail.objects.get(id=record.id).attempts == 2


def test_agents_and_customers_cannot_see_inbound_mail(client):
    world = make_mail_world()
    record = deliver(NO_SENDER, world.mailbox).inbound
    client.login(username=world.agent.username, password=PASSWORD)
    assert client.get("/email/inbound/").status_code == 403
    assert client.get(f"/email/inbound/{record.id}/raw/").status_code == 403
    assert client.post(f"/email/inbound/{record.id}/retry/").status_code == 403
    client.login(username=world.contact.user.username, password=PASSWORD)
    assert client.get("/email/inbound/").status_code == 302  # customers are sent to the portal
