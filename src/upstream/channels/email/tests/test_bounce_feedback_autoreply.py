"""ARF abuse reports (RFC 5965) and vacation auto-replies as reports: kind, recipient and original Message-ID."""

from upstream.channels.email.bounces import parse_bounce
from upstream.channels.email.tests.test_bounce_support import fixture, parse_bytes

ARF = b"""From: Abuse Desk <abuse@isp.example>
To: fbl@upstream.test
Subject: FW: Re: [Ticket #5] Hello
Message-ID: <arf-1@isp.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="arf"

--arf
Content-Type: text/plain

This is an email abuse report for an email message received from IP 192.0.2.5.

--arf
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Rcpt-To: <Complainer@isp.example>
Source-IP: 192.0.2.5

--arf
Content-Type: message/rfc822

From: support@upstream.test
To: complainer@isp.example
Subject: Re: [Ticket #5] Hello
Message-ID: <fbl-orig@upstream.test>

Hello
--arf--
"""


def test_arf_report():
    report = parse_bounce(parse_bytes(ARF))
    assert report is not None
    assert report.kind == "feedback"
    assert report.original_message_id == "fbl-orig@upstream.test"
    (rcpt,) = report.recipients
    assert (rcpt.address, rcpt.reason, rcpt.hard) == ("complainer@isp.example", "feedback", False)


def test_chinese_auto_reply_is_an_auto_reply_report():
    report = parse_bounce(fixture("autoreply_zh_auto_submitted.eml"))
    assert report is not None
    assert report.kind == "auto-reply"
    assert report.original_message_id == "t123-reply@upstream.test"
    assert [(r.address, r.reason, r.hard) for r in report.recipients] == [
        ("li.wei@customer.example.cn", "vacation", False)
    ]


def test_english_out_of_office_is_an_auto_reply_report():
    report = parse_bounce(fixture("autoreply_en_out_of_office.eml"))
    assert report is not None
    assert report.kind == "auto-reply"


def test_bulk_list_and_human_mail_are_not_reports():
    for name in ("newsletter_precedence_bulk.eml", "mailing_list_post.eml", "human_mentions_out_of_office.eml"):
        assert parse_bounce(fixture(name)) is None, name
