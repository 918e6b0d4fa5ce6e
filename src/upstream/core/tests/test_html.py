"""Customer-supplied markup is sanitised; plain text becomes safe HTML."""

import pytest

from upstream.core.html import html_to_text, sanitise, text_to_html

pytestmark = pytest.mark.smoke


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=//evil></iframe>",
        "<style>body{display:none}</style>",
        '<div style="background:url(javascript:x)">x</div>',
    ],
)
def test_dangerous_markup_is_removed(markup):
    cleaned = sanitise(markup).lower()
    for bad in ("<script", "onerror", "javascript:", "<iframe", "<style", "style="):
        assert bad not in cleaned


def test_formatting_and_links_survive():
    cleaned = sanitise('<p><strong>Bold</strong> <a href="https://x.org">x</a></p>')
    assert "<strong>Bold</strong>" in cleaned
    assert 'href="https://x.org"' in cleaned and "noopener" in cleaned


def test_text_to_html_escapes_and_links():
    html = text_to_html("数据库 <b>down</b>\nsee https://status.example.com\n\nthanks")
    assert "&lt;b&gt;" in html
    assert '<a href="https://status.example.com"' in html
    assert html.count("<p>") == 2 and "<br>" in html


def test_html_to_text_is_readable():
    assert html_to_text("<p>Hello&nbsp;<b>世界</b></p><p>Line 2<br>Line 3</p>") == "Hello\xa0世界\nLine 2\nLine 3"
