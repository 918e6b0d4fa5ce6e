"""Every fixture (every charset, broken MIME, TNEF, uuencode, auto-replies, bounces) goes through the whole pipeline:
stored byte for byte, and either on a ticket (reading as the parser read it), recorded as machine mail, or
quarantined with an error. Nothing is dropped and nothing crashes."""

from pathlib import Path

import pytest
from django.test import Client

from upstream.channels.email.models import InboundStatus
from upstream.channels.email.parsing import parse
from upstream.channels.email.tests.mail_world import deliver, make_mail_world
from upstream.core.testing import PASSWORD
from upstream.tickets.models import Ticket

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
ALL = sorted([*FIXTURES.glob("parse/*.eml"), *FIXTURES.glob("loops/*.eml")])


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_fixture_is_kept_and_accounted_for(path):
    world = make_mail_world(fallback_organisation=None)
    raw = path.read_bytes()
    record = deliver(raw, world.mailbox).inbound
    with record.raw.open("rb") as stored:
        assert stored.read() == raw
    assert record.status != InboundStatus.RECEIVED
    if record.status == InboundStatus.QUARANTINED:
        assert record.error
    if record.status == InboundStatus.TICKET:
        message = record.ticket_message
        parsed = parse(raw)
        if parsed.text.strip():
            assert message.body_text.startswith(parsed.text.strip()[:200])
        assert message.body_html


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("charset_gb2312_really_gbk", "镕"),
        ("charset_big5", "您好"),
        ("charset_iso2022jp_no_param", "お世話になっております"),
        ("charset_shift_jis", "お世話"),
        ("charset_euc_kr", "안녕하세요"),
        ("charset_koi8r", "Здравствуйте"),
    ],
)
def test_tickets_read_correctly_in_every_charset(name, expected):
    world = make_mail_world()
    record = deliver((FIXTURES / "parse" / f"{name}.eml").read_bytes(), world.mailbox).inbound
    assert record.status == InboundStatus.TICKET, record.error
    assert expected in record.ticket_message.body_text


def test_inline_images_show_inline_on_the_ticket_page():
    world = make_mail_world()
    record = deliver((FIXTURES / "parse" / "multipart_cid.eml").read_bytes(), world.mailbox).inbound
    ticket = record.ticket
    image = ticket.messages.get().attachments.get(content_id__gt="")
    client = Client()
    client.login(username=world.agent.username, password=PASSWORD)
    page = client.get(f"/tickets/{ticket.reference}/").content.decode()
    assert f'src="/attachments/{image.id}/?inline=1"' in page
    shown = client.get(f"/attachments/{image.id}/?inline=1")
    assert shown.status_code == 200 and "inline" in shown["Content-Disposition"]


def test_quoted_history_is_folded_but_kept():
    world = make_mail_world()
    record = deliver((FIXTURES / "parse" / "quoting_gmail.eml").read_bytes(), world.mailbox).inbound
    message = record.ticket_message
    assert '<details class="quoted">' in message.body_html
    new_part = message.body_html.split("<details", 1)[0]
    assert "wrote" not in new_part and "写道" not in new_part
    assert Ticket.objects.count() == 1
