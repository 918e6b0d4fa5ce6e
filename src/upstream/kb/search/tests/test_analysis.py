import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upstream.kb.search.analysis import MAX_TERM_LENGTH, STOP_EN, STOP_ZH, detect_language, normalise, spans, tokens

pytestmark = pytest.mark.smoke


def test_chinese_is_segmented_into_words_with_sub_words_for_recall():
    terms = tokens("数据库连接失败")
    assert {"数据库", "数据", "连接", "失败"} <= set(terms)


def test_english_is_stemmed_and_stop_words_dropped():
    assert tokens("The connections are failing") == ["connect", "fail"]
    assert tokens("connection") == tokens("connections") == tokens("connected")


def test_mixed_text_is_split_by_script():
    assert tokens("升级Keycloak到24后登录报错") == ["升级", "keycloak", "24", "登录", "报错"]


def test_full_width_and_case_are_folded_and_digits_kept():
    assert tokens("ＫＥＹＣＬＯＡＫ ２４") == tokens("keycloak 24") == ["keycloak", "24"]
    assert tokens("ERR-5003 v24") == ["err", "5003", "v24"]


def test_punctuation_and_query_syntax_produce_no_terms():
    # No operators: "NOT" is the word not, kept as a negation (analysis.py); the rest is punctuation or stop words.
    assert tokens('"*()[]:-+~^ AND OR NOT || && \\ / <script>') == ["not", "script"]
    assert tokens('"*()[]:-+~^') == []
    assert tokens("") == []


def test_language_detection():
    assert detect_language("如何重置密码") == "zh-hans"
    assert detect_language("升级Keycloak到24后登录报错") == "zh-hans"
    assert detect_language("How do I reset my password?") == "en"
    assert detect_language("") == "en"


def test_spans_point_into_the_original_text():
    text = "Upgrade ＫＥＹＣＬＯＡＫ后登录报错"
    for start, end, term in spans(text):
        assert tokens(text[start:end]) in ([term], [])  # the piece alone analyses to the same term


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_tokens_never_raise_and_are_well_formed(text):
    terms = tokens(text)
    for term in terms:
        assert term
        assert len(term) <= MAX_TERM_LENGTH
        assert term not in STOP_EN and term not in STOP_ZH
        assert term == normalise(term)  # already folded: analysing the query side gives the same form
        assert not any(ch.isspace() for ch in term)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("数据库连接失败登录报错升级重置密码服务器"), min_size=1, max_size=40))
def test_chinese_terms_are_found_again_in_their_own_text(text):
    # Whatever a document yields, the same run of characters queried alone must find the document.
    doc_terms = set(tokens(text))
    for start, end, _term in spans(text):
        assert set(tokens(text[start:end])) & doc_terms


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_spans_and_tokens_agree(text):
    assert [term for _s, _e, term in spans(text)] == tokens(text) or normalise(text) != text.lower()
