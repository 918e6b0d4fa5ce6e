"""Text analysis for the search index: the same function turns documents and queries into index terms. Pure.

Chinese has no spaces, so runs of Han characters go through jieba (rjieba, the Rust port) in search mode, which
also emits the 2-character words inside longer ones ("数据库" → 数据, 据库, 数据库): a query for "数据" then finds
"数据库". Latin words are lower-cased and stemmed with the Snowball English stemmer ("connections" → "connect").
Digits are kept as they are (versions, error codes). Mixed text ("升级Keycloak到24后登录报错") is split by script
first, so each part gets the treatment of its own script.

`spans` yields the same terms with their character offsets in the *original* text, for highlighting.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import rjieba
import Stemmer

MAX_TERM_LENGTH = 64  # longer "words" (hashes, base64) are noise and would bloat the postings index
# Han ideographs (CJK unified, extension A, compatibility) and the rest of the letters and digits.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>[^\W_{_HAN}]+)")
_LATIN = re.compile(r"[a-z]+")

# Small lists on purpose: only words so frequent that their postings would dominate every scan and carry no meaning.
# Question words and negations are kept: in support questions they carry the intent ("where is my card" is not
# "when will my card arrive", "not charged" is not "charged"); measured on the FAQ sets of docs/benchmarks.md.
_STOP_EN_WORDS = """
a an and are as at be but by for from has have i if in into is it its my of on or our so that the
their then there these they this to was we were will with you your
"""
_STOP_ZH_WORDS = """
的 了 是 在 和 与 及 或 也 就 都 而 吗 呢 吧 啊 呀 么 我 你 他 她 它 我们 你们 他们 这 那
这个 那个 一个 有 没有 被 把 让 给 对 从 到 还 又 很 请 请问 怎么 如何 什么 为什么 一下 可以 能
会 要 时 后 中 上 下
"""
STOP_EN = frozenset(_STOP_EN_WORDS.split())
STOP_ZH = frozenset(_STOP_ZH_WORDS.split())


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def normalise(text: str) -> str:
    """NFKC folds full-width letters and digits ("ＫＥＹ１" → "KEY1") and compatibility ideographs."""
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=262144)
def _latin_term(word: str) -> str | None:
    if word in STOP_EN or len(word) > MAX_TERM_LENGTH:
        return None
    # Only pure a-z words are stemmed: "v24", "ipv6" and non-English letters stay whole.
    return _stem(word) if _LATIN.fullmatch(word) else word


def _han_terms(run: str, offset: int) -> Iterator[tuple[int, int, str]]:
    # Dictionary segmentation only (no HMM guessing of unknown words): the HMM segments the same characters
    # differently depending on their neighbours, so a query would not find the words it guessed in a document.
    # Unknown words (names, products) come out as single characters instead; each pair of adjacent ones is also
    # emitted as a bigram, so "杨过" in a query matches the pair rather than any text with 杨 and 过 apart.
    previous: tuple[int, str] | None = None
    for word, start, end in rjieba.tokenize(run, mode="search", hmm=False):
        if word in STOP_ZH:
            previous = None
            continue
        if len(word) == 1:
            if previous is not None and previous[0] == start - 1:
                yield offset + start - 1, offset + end, previous[1] + word
            previous = (start, word)
        else:
            previous = None
        yield offset + start, offset + end, word


def _spans_of_normalised(text: str) -> Iterator[tuple[int, int, str]]:
    for match in _RUN.finditer(text):
        if match.lastgroup == "han":
            yield from _han_terms(match.group(), match.start())
        else:
            term = _latin_term(match.group())
            if term:
                yield match.start(), match.end(), term


@lru_cache(maxsize=65536)
def _han_tokens(run: str) -> tuple[str, ...]:
    """The terms of one run of Han characters (runs repeat: phrases between punctuation, titles)."""
    return tuple(term for _start, _end, term in _han_terms(run, 0))


def tokens(text: str) -> list[str]:
    """Index terms of `text`, in order, duplicates kept (term frequencies count them). The same terms as `spans`,
    without their offsets: indexing calls this on every document, so each word and each Han run is analysed once
    per process (cached) rather than once per occurrence."""
    if not text:
        return []
    out: list[str] = []
    append, extend = out.append, out.extend
    for han, word in _RUN.findall(normalise(text)):
        if han:
            extend(_han_tokens(han))
        else:
            term = _latin_term(word)
            if term:
                append(term)
    return out


def spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, term) for each term of `text`, offsets into `text` itself.

    NFKC can change a string's length (ligatures, "㎏"), so offsets are computed on the normalised text only when it
    has the same length; otherwise each character is normalised alone, which keeps one output per input position.
    """
    if not text:
        return []
    folded = normalise(text)
    if len(folded) != len(text):
        folded = "".join(ch if len(n := normalise(ch)) != 1 else n for ch in text)
    return list(_spans_of_normalised(folded))


def detect_language(text: str) -> str:
    """ "zh-hans" when Han characters make up a noticeable share of the letters, else "en".

    Chinese support text is full of English product names and commands, so a Chinese article may well contain more
    Latin letters than Han characters; each Han character carries about a word, hence the weighting.
    """
    han = latin = 0
    for match in _RUN.finditer(text[:5000]):
        if match.lastgroup == "han":
            han += len(match.group())
        else:
            latin += 1  # words, not letters
    return "zh-hans" if han and han * 1.0 >= latin * 0.5 else "en"
