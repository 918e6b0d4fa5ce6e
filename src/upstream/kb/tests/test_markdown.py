"""Article bodies are Markdown rendered without raw HTML and then sanitised: no script, handler or javascript: URL
survives, whatever is typed; ordinary formatting does."""

import re

import pytest

from upstream.kb.markdown import plain_text, render

pytestmark = pytest.mark.smoke

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src='https://evil.test'></iframe>",
    "<style>body{display:none}</style>",
    "![x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    '<div style="position:fixed">overlay</div>',
]


TAG = re.compile(r"<[a-z][^>]*>")


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_markup_never_becomes_live_html(body):
    tags = TAG.findall(render(body).lower())
    for tag in tags:
        assert tag.split()[0].strip("<>") in {"p", "a", "img", "code", "pre", "em", "strong"}, tag
        assert not re.search(r"\son\w+=", tag) and "javascript:" not in tag and "style=" not in tag, tag


def test_raw_html_is_shown_as_text():
    html = render("Use <b>bold</b> and <script>x()</script>")
    assert "&lt;script&gt;" in html and "&lt;b&gt;" in html


def test_markdown_formatting_survives():
    html = render(
        "# Title\n\n**bold** and `code`\n\n```sql\nSELECT 1;\n```\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n"
        "[docs](https://www.postgresql.org/docs/) ~~old~~"
    )
    for tag in ("<h1>", "<strong>bold</strong>", "<code>code</code>", "<pre>", "<table>", "<td>1</td>", "<s>old</s>"):
        assert tag in html
    assert 'href="https://www.postgresql.org/docs/"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_chinese_text_is_kept():
    assert "主从复制延迟" in render("## 主从复制延迟\n\n请检查 `pg_stat_replication`。")


def test_plain_text_for_the_index():
    text = plain_text(render("# Heading\n\nA *word* and <script>x</script>"))
    assert "Heading" in text and "A word and <script>x</script>" in text
    assert "<em>" not in text
