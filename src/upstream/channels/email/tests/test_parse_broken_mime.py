"""Bad input never raises and never loses what could be read; problems land in errors."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from upstream.channels.email.parsing import MAX_HEADER_CHARS, MAX_IDS, parse, parse_file

FIXTURES = Path(__file__).parent / "fixtures" / "parse"


@pytest.mark.parametrize("fixture", ["broken_missing_boundary.eml", "broken_wrong_boundary.eml"])
def test_multipart_with_unusable_boundary_recovers_the_parts(fixture):
    parsed = parse_file(FIXTURES / fixture)
    assert parsed.text == "Text inside a part."
    assert any("no usable boundary" in e for e in parsed.errors)


def test_multipart_without_any_boundary_line_is_read_as_text():
    parsed = parse(b"Content-Type: multipart/mixed\r\n\r\nonly words here\r\n")
    assert parsed.text == "only words here"
    assert any("kept as text" in e for e in parsed.errors)


def test_unterminated_multipart_keeps_text_and_attachment():
    parsed = parse_file(FIXTURES / "broken_unterminated.eml")
    assert parsed.text == "Text before the cut."
    assert parsed.attachments[0].data.startswith(b"\x89PNG")
    assert any("CloseBoundaryNotFound" in e for e in parsed.errors)


def test_truncated_message_keeps_what_was_read():
    parsed = parse_file(FIXTURES / "broken_truncated.eml")
    assert parsed.text == "Hello"
    assert parsed.attachments[0].data.startswith(b"%PDF-1.4")
    assert parsed.errors


def test_base64_garbage_is_skipped_and_reported():
    parsed = parse_file(FIXTURES / "broken_base64_garbage.eml")
    assert parsed.text == "Hello world"
    assert parsed.attachments[0].data == bytes(range(8))
    assert sum("invalid characters" in e for e in parsed.errors) == 2


def test_invalid_quoted_printable_is_kept_literally():
    parsed = parse_file(FIXTURES / "broken_bad_qp.eml")
    assert parsed.text == "Price =ZZ 10 € and soft break"
    assert any("quoted-printable" in e for e in parsed.errors)


def test_missing_headers_are_reported():
    parsed = parse_file(FIXTURES / "broken_missing_headers.eml")
    assert (parsed.from_, parsed.subject, parsed.message_id, parsed.date) == (None, "", "", None)
    assert parsed.text == "No From, Subject, Date or Message-ID."
    assert {"From", "Message-ID", "Date"} <= {e.split()[5] for e in parsed.errors if "no usable" in e}


def test_bad_date_is_reported():
    parsed = parse_file(FIXTURES / "broken_bad_date.eml")
    assert parsed.date is None
    assert any("Date header 'yesterday-ish'" in e for e in parsed.errors)


def test_zero_bytes():
    parsed = parse(b"")
    assert parsed.text == "" and parsed.attachments == []
    assert parsed.errors == ["The message is empty (zero bytes)"]
    assert parsed.message is not None


def test_binary_garbage_without_headers():
    parsed = parse_file(FIXTURES / "broken_headers_only_garbage.eml")
    assert "\x00" not in parsed.text
    assert "body" in parsed.text


def test_gigantic_subject_is_capped_and_reported():
    raw = b"Subject: " + b"A" * 2_000_000 + b"\r\nFrom: a@b.c\r\n\r\nbody"
    parsed = parse(raw)
    assert len(parsed.subject) == MAX_HEADER_CHARS
    assert any("subject header" in e for e in parsed.errors)
    assert parsed.text == "body"


def test_hundred_thousand_references_are_capped_keeping_root_and_latest():
    ids = b" ".join(b"<id%d@x.test>" % i for i in range(100_000))
    parsed = parse(b"References: " + ids + b"\r\n\r\nbody")
    assert len(parsed.references) == MAX_IDS
    assert parsed.references[0] == "id0@x.test"
    assert parsed.references[-1] == "id99999@x.test"
    assert any("references header had 100000 entries" in e for e in parsed.errors)


def test_unknown_transfer_encoding_keeps_raw_bytes():
    parsed = parse(b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: x-weird\r\n\r\n%PDF")
    assert parsed.attachments[0].data == b"%PDF"
    assert any("x-weird" in e for e in parsed.errors)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(raw):
    parsed = parse(raw)
    assert isinstance(parsed.errors, list)
    assert "\x00" not in parsed.text and "\x00" not in parsed.subject


FIXTURE_BYTES = [p.read_bytes() for p in sorted(FIXTURES.glob("*.eml"))]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.sampled_from(FIXTURE_BYTES),
    st.lists(st.tuples(st.integers(min_value=0), st.binary(max_size=8)), max_size=6),
    st.integers(min_value=0),
)
def test_mutated_fixtures_never_raise(original, edits, cut):
    data = bytearray(original)
    for position, replacement in edits:
        at = position % (len(data) + 1)
        data[at : at + len(replacement)] = replacement
    data = data[: len(data) - cut % (len(data) // 2 + 1)]  # truncate up to half
    parsed = parse(bytes(data))
    for attachment in parsed.attachments:
        assert attachment.filename and "/" not in attachment.filename
        assert attachment.size == len(attachment.data)
