"""The committed .eml fixtures are exactly what make_fixtures.py writes, and parse_file accepts paths or files."""

from pathlib import Path

from upstream.channels.email.parsing import parse, parse_file
from upstream.channels.email.tests.fixtures.parse import make_fixtures

FIXTURES = Path(__file__).parent / "fixtures" / "parse"


def test_committed_fixtures_match_the_generator():
    expected = make_fixtures.all_fixtures()
    on_disk = {p.name: p.read_bytes() for p in FIXTURES.glob("*.eml")}
    assert on_disk == expected


def test_parse_file_accepts_a_binary_file_object_and_agrees_with_parse():
    path = FIXTURES / "headers_rfc2047.eml"
    with path.open("rb") as handle:
        from_file = parse_file(handle)
    from_bytes = parse(path.read_bytes())
    assert (from_file.subject, from_file.text, len(from_file.attachments)) == (
        from_bytes.subject,
        from_bytes.text,
        len(from_bytes.attachments),
    )


def test_parse_file_with_a_missing_path_reports_instead_of_raising(tmp_path):
    parsed = parse_file(tmp_path / "nope.eml")
    assert parsed.message is None
    assert parsed.errors and "Could not read" in parsed.errors[0]
