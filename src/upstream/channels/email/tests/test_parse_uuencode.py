"""uuencoded blocks inside text bodies become attachments and leave the text."""

import binascii
from pathlib import Path

from upstream.channels.email.parsing import parse, parse_file
from upstream.channels.email.uudecode import extract_uuencoded

FIXTURES = Path(__file__).parent / "fixtures" / "parse"


def test_uuencoded_block_becomes_an_attachment():
    parsed = parse_file(FIXTURES / "uuencode.eml")
    (log,) = parsed.attachments
    assert log.filename == "server.log"
    assert log.data == b"Hello from a uuencoded file.\n" * 3
    assert "begin 644" not in parsed.text
    assert parsed.text.startswith("Hi, the log is attached.")
    assert parsed.text.endswith("Thanks, Bob")


def test_two_blocks_and_a_damaged_line():
    good = binascii.b2a_uu(b"abc").decode().rstrip("\n")
    text = f"a\nbegin 600 one.bin\n{good}\n`\nend\nb\nbegin 644 two.bin\n{good}\n\x7f\x7f\x7f\nend\nc\n"
    remaining, files = extract_uuencoded(text)
    assert [f.name for f in files] == ["one.bin", "two.bin"]
    assert files[0].data == b"abc" and not files[0].damaged
    assert remaining == "a\nb\nc\n"


def test_begin_without_end_is_left_alone():
    parsed = parse(b"Content-Type: text/plain\r\n\r\nbegin 644 x.bin\r\nM86)C\r\nno end here\r\n")
    assert parsed.attachments == []
    assert "begin 644 x.bin" in parsed.text
