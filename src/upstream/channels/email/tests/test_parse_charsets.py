"""Bodies in every charset we meet, including mislabelled and unknown ones."""

from pathlib import Path

import pytest

from upstream.channels.email.charsets import codec_for, decode_bytes, decode_header_bytes
from upstream.channels.email.parsing import parse_file

FIXTURES = Path(__file__).parent / "fixtures" / "parse"
CHINESE = "您好，镕喆的订单还没有到。"
JAPANESE = "お世話になっております。注文の件です。"
KOREAN = "안녕하세요, 주문 문의드립니다."
RUSSIAN = "Здравствуйте, где мой заказ?"
FRENCH = "Ça coûte 10 € — déjà payé."


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("charset_utf8_qp.eml", "Grüße — " + CHINESE),
        ("charset_gb2312_really_gbk.eml", CHINESE),
        ("charset_gb18030.eml", "测试𠀀文字"),
        ("charset_big5.eml", "您好，請問訂單何時到？"),
        ("charset_iso2022jp.eml", JAPANESE),
        ("charset_iso2022jp_no_param.eml", JAPANESE),
        ("charset_shift_jis.eml", JAPANESE),
        ("charset_euc_kr.eml", KOREAN),
        ("charset_ks_c_5601.eml", KOREAN),
        ("charset_koi8r.eml", RUSSIAN),
        ("charset_windows1251.eml", RUSSIAN),
        ("charset_windows1252.eml", FRENCH),
    ],
)
def test_correctly_labelled_bodies_decode_exactly_without_errors(fixture, expected):
    parsed = parse_file(FIXTURES / fixture)
    assert parsed.text == expected
    assert parsed.errors == []


@pytest.mark.parametrize(
    ("fixture", "expected", "error"),
    [
        ("charset_latin1_really_utf8.eml", FRENCH, "'iso-8859-1' but the text is UTF-8"),
        ("charset_usascii_8bit.eml", FRENCH, "'us-ascii' but the text is UTF-8"),
        ("charset_unknown_utf8.eml", CHINESE, "Unknown charset 'x-unknown'"),
        ("charset_unknown_gbk.eml", CHINESE * 8, "Unknown charset 'x-unknown'"),
    ],
)
def test_mislabelled_bodies_are_recovered_and_reported(fixture, expected, error):
    parsed = parse_file(FIXTURES / fixture)
    assert parsed.text == expected
    assert any(error in e for e in parsed.errors)


def test_aliases_map_to_supersets():
    assert codec_for("GB2312") == "gb18030"
    assert codec_for("ks_c_5601-1987") == "cp949"
    assert codec_for('"Shift_JIS"') == "cp932"
    assert codec_for("x-unknown") is None
    assert codec_for(None) is None


def test_undecodable_bytes_are_replaced_not_dropped():
    text, problem = decode_bytes(b"ok \xff\xfe\xfd ok", "utf-8")
    assert text.startswith("ok ") and text.endswith(" ok")
    assert problem is not None


def test_raw_header_bytes_prefer_utf8_then_hint_then_gb18030():
    assert decode_header_bytes("订单".encode()) == "订单"
    assert decode_header_bytes("Заказ".encode("koi8-r"), "koi8-r") == "Заказ"
    assert decode_header_bytes("关于发票".encode("gbk")) == "关于发票"
    assert decode_header_bytes("café".encode("latin-1")) == "café"


def test_declared_gb2312_with_gb18030_four_byte_characters():
    text, problem = decode_bytes("测试𠀀文字".encode("gb18030"), "gb2312")
    assert text == "测试𠀀文字"
    assert problem is None
