"""Attachment names are made safe: no directories, control characters or '..'; capped; never empty."""

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from upstream.channels.email.parsing import MAX_FILENAME, parse_file, safe_filename

FIXTURES = Path(__file__).parent / "fixtures" / "parse"


def test_hostile_names_in_a_message():
    names = [a.filename for a in parse_file(FIXTURES / "attachment_names.eml").attachments]
    assert names[:4] == ["passwd", "evil.exe", "bad_name_.txt", "attachment.bin"]
    assert len(names[4]) == MAX_FILENAME and names[4].endswith(".docx")
    assert names[5] == "attachment.bin"  # "..." has nothing left
    assert names[6] == "attachment.png"  # no name at all: guessed from the type


def test_safe_filename_examples():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("..\\..\\boot.ini") == "boot.ini"
    assert safe_filename("a..b.txt") == "a.b.txt"
    assert safe_filename("", "image/jpeg") == "attachment.jpg"
    assert safe_filename(".bashrc") == "bashrc"
    assert safe_filename("CON.txt") == "_CON.txt"
    assert safe_filename("报价单.pdf") == "报价单.pdf"
    assert safe_filename('we<ird>:"na|me?*.txt') == "we_ird___na_me__.txt"


@given(st.text(max_size=400), st.sampled_from(["application/octet-stream", "image/png", "x/unknown"]))
def test_safe_filename_invariants(name, content_type):
    result = safe_filename(name, content_type)
    assert result
    assert len(result) <= MAX_FILENAME
    assert "/" not in result and "\\" not in result and ".." not in result
    assert not any(ord(c) < 32 or ord(c) == 127 for c in result)
    assert not result.startswith(".")
