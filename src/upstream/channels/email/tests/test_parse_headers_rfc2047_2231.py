"""Encoded words, RFC 2231 parameters, raw 8-bit headers, addresses, ids and dates."""

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from upstream.channels.email.parsing import Address, decode_header_text, parse, parse_file

FIXTURES = Path(__file__).parent / "fixtures" / "parse"


def test_encoded_words_in_addresses_and_subject():
    parsed = parse_file(FIXTURES / "headers_rfc2047.eml")
    assert parsed.from_ == Address("Zhang.San@example.cn", "张三")
    assert parsed.to == [Address("lisi@example.cn", "李四"), Address("bob@example.org", "Bob")]
    assert parsed.cc == [Address("andre@example.fr", "André")]
    assert parsed.reply_to == [Address("help@example.cn", "")]
    # Adjacent encoded words join without the folding whitespace; an explicit encoded space stays.
    assert parsed.subject == "Café 订单问题"
    assert parsed.errors == []


def test_ids_dates_and_auto_headers():
    parsed = parse_file(FIXTURES / "headers_rfc2047.eml")
    assert parsed.message_id == "abc.123@mail.example.cn"
    assert parsed.in_reply_to == ["parent@example.com"]
    assert parsed.references == ["root@example.com", "parent@example.com"]
    assert parsed.date == datetime(2026, 11, 3, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    assert parsed.auto_headers["auto-submitted"] == "auto-replied"
    assert parsed.auto_headers["precedence"] == "bulk"
    assert parsed.auto_headers["content-type"].startswith("multipart/mixed")


def test_rfc2231_continuations_and_encoded_word_filenames():
    names = [a.filename for a in parse_file(FIXTURES / "headers_rfc2047.eml").attachments]
    assert names == ["报价单 第一版.pdf", "数据.csv"]


def test_raw_utf8_header_mixed_with_encoded_word_and_unknown_zone_date():
    parsed = parse_file(FIXTURES / "headers_raw_utf8.eml")
    assert parsed.from_ == Address("wangwu@example.cn", "王五")
    assert parsed.subject == "订单 问题 urgent"
    assert parsed.date == datetime(2026, 11, 3, 10, 0, tzinfo=UTC)  # -0000 is UTC with no zone information


def test_raw_gbk_headers_and_filename_use_the_body_charset():
    parsed = parse_file(FIXTURES / "headers_raw_gbk.eml")
    assert parsed.subject == "关于镕喆的发票"
    assert parsed.from_ == Address("zhaoliu@example.cn", "赵六")
    assert [a.filename for a in parsed.attachments] == ["发票.pdf"]
    assert parsed.text == "请查收附件"


def test_decode_header_text_tolerates_bad_encoded_words():
    assert decode_header_text("=?x-bogus?Q?caf=C3=A9?=") == "café"
    assert decode_header_text("=?utf-8?B?!!!?=") in ("=?utf-8?B?!!!?=", "")
    assert decode_header_text("plain") == "plain"


def test_unparseable_address_keeps_the_text_and_reports():
    parsed = parse(b"From: just some words\r\nSubject: x\r\n\r\nbody")
    assert parsed.from_ is not None
    assert parsed.from_.email == ""
    assert "just some words" in parsed.from_.name


def test_domain_is_lowercased_local_part_kept():
    parsed = parse(b"From: Big <John.Smith@EXAMPLE.Org>\r\n\r\nx")
    assert parsed.from_ == Address("John.Smith@example.org", "Big")


def test_iso2022jp_and_mislabelled_encoded_words():
    import base64

    jis = base64.b64encode("注文の件".encode("iso2022_jp")).decode()
    gbk_labelled_gb2312 = base64.b64encode("镕喆".encode("gbk")).decode()
    raw = f"Subject: =?ISO-2022-JP?B?{jis}?= =?gb2312?B?{gbk_labelled_gb2312}?=\r\n\r\nx".encode()
    assert parse(raw).subject == "注文の件镕喆"
