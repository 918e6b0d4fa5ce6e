"""The revision diff: pure, line-based with character-level marks inside changed lines, always escaped."""

import pytest

from upstream.kb.diff import diff_html, inline_html, stats

pytestmark = pytest.mark.smoke


def test_unchanged_text_has_no_diff():
    assert diff_html("a\nb", "a\nb") == ""


def test_added_and_removed_lines_are_marked():
    html = diff_html("one\ntwo\nthree", "one\nthree\nfour")
    assert '<tr class="diff-removed"><td class="diff-sign">−</td><td class="diff-line">two</td></tr>' in html
    assert '<tr class="diff-added"><td class="diff-sign">+</td><td class="diff-line">four</td></tr>' in html
    assert stats("one\ntwo\nthree", "one\nthree\nfour").added == 1


def test_changed_line_marks_the_changed_characters_even_in_chinese():
    html = diff_html("请检查主库的复制状态", "请检查备库的复制状态")
    assert "<del>主</del>" in html and "<ins>备</ins>" in html


def test_html_in_revisions_is_escaped():
    html = diff_html("safe", "<script>alert(1)</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>" not in inline_html("<b>old</b>", "<script>new</script>")


def test_context_is_limited():
    old = "\n".join(f"line {n}" for n in range(50))
    new = old.replace("line 25", "line twenty-five")
    html = diff_html(old, new)
    assert "line 21" not in html and "line 22" in html and "line 28" in html and "line 29" not in html
