"""winmail.dat: the files and body inside are extracted; unreadable TNEF is kept as it is."""

from pathlib import Path

from upstream.channels.email.parsing import parse_file
from upstream.channels.email.tests.fixtures.parse.make_fixtures import PNG_1X1, tnef_blob
from upstream.channels.email.tnef import unpack_tnef

FIXTURES = Path(__file__).parent / "fixtures" / "parse"


def test_tnef_blob_unpacks_with_tnefparse():
    content = unpack_tnef(tnef_blob())
    assert content.files == [("quote.txt", b"Quote: 42 EUR\r\n"), ("logo.png", PNG_1X1)]
    assert content.text.strip() == "Please find the quote attached."


def test_winmail_dat_is_replaced_by_its_contents():
    parsed = parse_file(FIXTURES / "tnef.eml")
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("quote.txt", "text/plain"),
        ("logo.png", "image/png"),
    ]
    assert parsed.text == "Please find the quote attached."
    assert parsed.errors == []


def test_unreadable_tnef_is_kept_as_winmail_dat_and_reported():
    parsed = parse_file(FIXTURES / "tnef_broken.eml")
    (kept,) = parsed.attachments
    assert kept.filename == "winmail.dat"
    assert kept.data == b"not tnef at all"
    assert any("not readable TNEF" in e for e in parsed.errors)
