import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upstream.kb.search.analysis import tokens
from upstream.kb.search.highlight import highlight, snippet

pytestmark = pytest.mark.smoke


def test_matches_are_marked_and_everything_else_escaped():
    html = snippet('<img src=x onerror="alert(1)"> the login <b>fails</b>', set(tokens("login")))
    assert "<mark>login</mark>" in html
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img" in html


def test_chinese_overlapping_sub_words_are_marked_once():
    html = snippet("昨天数据库连接失败了", set(tokens("数据库")))
    assert html == "昨天<mark>数据库</mark>连接失败了"


def test_the_window_moves_to_the_matches_in_long_text():
    text = "filler " * 200 + "the keycloak upgrade broke login " + "more " * 200
    html = snippet(text, set(tokens("keycloak login")))
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>keycloak</mark>" in html and "<mark>login</mark>" in html
    assert len(html) < 400


def test_no_match_gives_the_beginning():
    assert snippet("a" * 500, {"zzz"}).startswith("a" * 100)


def test_title_highlight():
    assert highlight("Reset <password>", set(tokens("passwords"))) == "Reset &lt;<mark>password</mark>&gt;"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.text(max_size=30))
def test_no_markup_from_the_text_survives(text, query):
    html = snippet(text, set(tokens(query))) + highlight(text, set(tokens(query)))
    stripped = html.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped
    assert html.count("<mark>") == html.count("</mark>")
