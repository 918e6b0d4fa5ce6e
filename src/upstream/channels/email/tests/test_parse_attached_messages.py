"""message/rfc822 parts are kept whole as .eml attachments named after their subject."""

from pathlib import Path

from upstream.channels.email.parsing import parse, parse_file

FIXTURES = Path(__file__).parent / "fixtures" / "parse"


def test_attached_message_is_an_eml_named_after_its_subject():
    parsed = parse_file(FIXTURES / "attached_message.eml")
    assert parsed.text == "Forwarding the report."
    (attached,) = parsed.attachments
    assert attached.filename == "Q3 report 季度.eml"
    assert attached.content_type == "message/rfc822"
    inner = parse(attached.data)
    assert inner.message_id == "inner@example.com"
    assert inner.text == "Inner body."
    assert inner.from_ is not None and inner.from_.email == "carol@example.com"


def test_attached_message_without_subject_gets_a_default_name():
    raw = b"Content-Type: message/rfc822\r\n\r\nFrom: a@b.c\r\n\r\nhello\r\n"
    (attached,) = parse(raw).attachments
    assert attached.filename == "message.eml"
    assert b"hello" in attached.data
