"""Turning the bytes of a mail part or header into text, whatever charset the sender claimed.

Mail in the wild is often mislabelled: gb2312 that is really GBK/GB18030, iso-8859-1 or us-ascii that is really
UTF-8, vendor aliases (ks_c_5601-1987) and invented names (x-unknown). We decode with the declared charset widened to
its superset, prefer UTF-8 when the bytes are valid UTF-8 and the label is a single-byte one, and fall back to
charset-normalizer's detection, then to a lossy decode, so text is never dropped.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# Declared name -> the codec we actually use: each target is a superset the senders' software really emits.
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030", "cp936": "gb18030",
    "x-euc-cn": "gb18030", "chinese": "gb18030", "csgb2312": "gb18030",
    "big5": "big5hkscs", "x-big5": "big5hkscs", "cn-big5": "big5hkscs", "cp950": "big5hkscs",
    "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949", "ksc5601": "cp949", "euc-kr": "cp949", "ks_c_5601-1989": "cp949",
    "shift_jis": "cp932", "shift-jis": "cp932", "x-sjis": "cp932", "sjis": "cp932", "ms_kanji": "cp932",
    "iso-2022-jp": "iso2022_jp_ext", "csiso2022jp": "iso2022_jp_ext",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "ascii", "ansi_x3.4-1968": "ascii",
    "unicode-1-1-utf-7": "utf-7", "utf8": "utf-8", "x-user-defined": "cp1252",
}  # fmt: skip
# Codecs for which "valid UTF-8" is a better explanation of non-ASCII bytes than the declared label.
_SINGLE_BYTE_PREFIXES = ("cp125", "ascii", "iso8859", "iso-8859", "latin", "koi8", "mac-", "cp437", "cp850")
_ISO2022_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(B", b"\x1b$(D")
_DETECT_LIMIT = 256 * 1024  # detection on a sample is as good as on the whole and far cheaper
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")


def codec_for(declared: str | None) -> str | None:
    """The Python codec to use for a declared charset name, or None when the name is unknown or absent."""
    if not declared:
        return None
    name = declared.strip().strip("\"'").lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a NUL inside the name
        return None


def _is_single_byte(codec: str) -> bool:
    return codec.startswith(_SINGLE_BYTE_PREFIXES)


def _try(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def _detect(data: bytes) -> str | None:
    best = from_bytes(data[:_DETECT_LIMIT]).best()
    return best.encoding if best is not None else None


def decode_bytes(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """Decode body bytes; returns the text and a human-readable problem (None when the label was right)."""
    codec = codec_for(declared)
    problem = f"Unknown charset {declared!r}; guessed the encoding" if declared and codec is None else None
    if data.isascii():
        if any(esc in data for esc in _ISO2022_ESCAPES):
            # Japanese mail often carries ISO-2022-JP escapes with no charset parameter at all.
            return data.decode("iso2022_jp_ext", errors="replace"), problem
        return data.decode("ascii"), problem
    # Valid multi-byte UTF-8 almost never arises by chance from single-byte text, so it beats such labels.
    if codec is None or _is_single_byte(codec):
        text = _try(data, "utf-8")
        if text is not None:
            if declared and codec is not None:
                problem = f"Declared charset {declared!r} but the text is UTF-8"
            return text, problem
    if codec is not None and codec != "ascii":
        text = _try(data, codec)
        if text is not None:
            return text, problem
    detected = _detect(data)
    if detected is not None:
        text = _try(data, detected)
        if text is not None:
            return text, problem or f"Declared charset {declared!r} does not match the text; decoded as {detected}"
    fallback = codec if codec is not None and codec != "ascii" else "cp1252"
    return data.decode(fallback, errors="replace"), f"Text is not valid {declared or 'UTF-8'}; some characters lost"


def decode_header_bytes(data: bytes, hint: str | None = None) -> str:
    """Decode raw 8-bit header bytes: UTF-8, then the message's body charset, then GB18030 if it yields CJK text."""
    text = _try(data, "utf-8")
    if text is not None:
        return text
    codec = codec_for(hint)
    if codec is not None:
        text = _try(data, codec)
        if text is not None:
            return text
    # Raw GBK headers with no hint are the most common non-UTF-8 case we see; accept only a plausible result.
    text = _try(data, "gb18030")
    if text is not None and _CJK.search(text):
        return text
    return data.decode("cp1252", errors="replace")


def decode_word(data: bytes, declared: str) -> str:
    """Decode an RFC 2047 encoded word's bytes, tolerating wrong and unknown charset labels."""
    codec = codec_for(declared)
    if codec is not None and not _is_single_byte(codec):
        text = _try(data, codec)
        if text is not None:
            return text
    return decode_header_bytes(data, declared if codec is not None else None)
