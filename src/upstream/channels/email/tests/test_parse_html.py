"""HTML is sanitised; text is derived from HTML when there is no plain part."""

from pathlib import Path

from upstream.channels.email.parsing import parse, parse_file

FIXTURES = Path(__file__).parent / "fixtures" / "parse"


def test_html_only_message_gets_derived_text_and_sanitised_html():
    parsed = parse_file(FIXTURES / "html_only.eml")
    assert "<script>" not in parsed.html and "steal" not in parsed.html
    assert "javascript:" not in parsed.html
    assert '<a href="https://example.com"' in parsed.html
    assert parsed.text == "Hello there\nsecond line\n\nbad good"


def test_text_only_message_has_empty_html():
    parsed = parse(b"Content-Type: text/plain; charset=utf-8\r\n\r\nJust text\r\n")
    assert parsed.text == "Just text"
    assert parsed.html == ""


def test_cid_images_survive_sanitising_but_data_urls_do_not():
    raw = (
        b"Content-Type: text/html\r\n\r\n"
        b'<p><img src="cid:a@b"><img src="data:image/png;base64,AAAA"><img src="https://x.test/t.gif"></p>'
    )
    html = parse(raw).html
    assert '<img src="cid:a@b">' in html
    assert "data:" not in html
    assert '<img src="https://x.test/t.gif">' in html
