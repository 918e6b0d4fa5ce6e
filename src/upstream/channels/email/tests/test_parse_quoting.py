"""Folding quoted history and signatures: new part + quoted part always equals the whole."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstream.channels.email.quoting import split_quoted, split_quoted_html


@pytest.mark.parametrize(
    ("text", "new"),
    [
        ("Thanks!\n\nOn Mon, 2 Nov 2026 at 09:00, Support <s@x.test> wrote:\n> restart it\n", "Thanks!\n\n"),
        ("Thanks!\nOn Mon, 2 Nov 2026 at 09:00, Support\n<s@x.test> wrote:\n> old\n", "Thanks!\n"),
        ("好的，谢谢。\n\n在 2026年11月3日 星期二 10:00，客服 <s@x.test> 写道：\n> 请重启\n", "好的，谢谢。\n\n"),
        ("Done.\n\n-----Original Message-----\nFrom: a\nSent: b\n\nold", "Done.\n\n"),
        (
            "Done.\n\nFrom: Support <s@x.test>\nSent: Monday, 2 November 2026 09:00\nTo: me\nSubject: Re\n\nold",
            "Done.\n\n",
        ),
        ("收到。\n\n发件人：客服 <s@x.test>\n发送时间：2026年11月2日 9:00\n收件人：我\n主题：回复\n\n旧", "收到。\n\n"),
        ("Cheers\n-- \nBob Smith\nACME Ltd\n", "Cheers\n"),
        ("Yes.\n\n> quoted line\n>\n> more quoted\n\n", "Yes.\n\n"),
    ],
)
def test_markers_start_the_quoted_part(text, new):
    new_part, quoted = split_quoted(text)
    assert new_part == new
    assert new_part + quoted == text


def test_interleaved_replies_are_not_folded():
    text = "> question one?\nanswer one\n> question two?\nanswer two\n"
    assert split_quoted(text) == (text, "")


def test_a_message_that_is_only_a_quote_is_not_folded_away():
    text = "-----Original Message-----\nFrom: a\nSent: b\nold"
    assert split_quoted(text) == (text, "")


def test_plain_text_without_markers_is_all_new():
    assert split_quoted("Hello\nFrom now on we deploy on Fridays.\n") == (
        "Hello\nFrom now on we deploy on Fridays.\n",
        "",
    )


@given(st.text())
def test_split_never_loses_text(text):
    new_part, quoted = split_quoted(text)
    assert new_part + quoted == text


def test_html_gmail_quote_and_blockquote():
    markup = '<div>Thanks</div><div class="gmail_quote">On Mon wrote:<blockquote>old</blockquote></div>'
    new_part, quoted = split_quoted_html(markup)
    assert "Thanks" in new_part and "old" not in new_part
    assert "old" in quoted


def test_html_outlook_and_chinese_headers():
    outlook = "<p>OK</p><hr><b>From:</b> Support<br><b>Sent:</b> Monday<br><p>old</p>"
    assert "old" in split_quoted_html(outlook)[1]
    chinese = "<p>收到</p><div>在 2026年11月3日 10:00，客服 写道：</div><div>旧</div>"
    new_part, quoted = split_quoted_html(chinese)
    assert "收到" in new_part and "旧" in quoted


def test_html_without_markers_or_only_quote_is_not_split():
    assert split_quoted_html("<p>hi</p>") == ("<p>hi</p>", "")
    only_quote = "<blockquote>old</blockquote>"
    assert split_quoted_html(only_quote) == (only_quote, "")
