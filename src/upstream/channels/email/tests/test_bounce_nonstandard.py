"""Non-standard bounces (qmail, Exim, sendmail transcripts, webmail providers): recipients and diagnostics from the
human-readable text and the original Message-ID from the quoted headers."""

from upstream.channels.email.bounces import parse_bounce
from upstream.channels.email.tests.test_bounce_support import fixture, parse_bytes


def _plain(sender: str, subject: str, body: str) -> bytes:
    return (
        f"From: {sender}\nTo: support@upstream.test\nSubject: {subject}\nMessage-ID: <b-1@mx.example.org>\n"
        f"Content-Type: text/plain; charset=us-ascii\n\n{body}"
    ).encode()


def test_qmail_fixture():
    report = parse_bounce(fixture("qmail_bounce_quoted_original.eml"))
    assert report is not None
    assert report.kind == "bounce"
    assert report.original_message_id == "y-654@upstream.test"
    (rcpt,) = report.recipients
    assert (rcpt.address, rcpt.status, rcpt.reason, rcpt.hard) == (
        "full@customer.example.net",
        "5.2.2",
        "mailboxfull",
        False,
    )


def test_exim_two_recipients():
    body = """This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  gone@example.org
    SMTP error from remote mail server after RCPT TO:<gone@example.org>:
    host mx.example.org [192.0.2.1]: 550 5.1.1 <gone@example.org>... User unknown
  full@example.org
    SMTP error from remote mail server after RCPT TO:<full@example.org>:
    host mx.example.org [192.0.2.1]: 552 5.2.2 <full@example.org>... Mailbox Full

------ This is a copy of the message, including all the headers. ------

Return-path: <support@upstream.test>
From: support@upstream.test
To: gone@example.org, full@example.org
Message-Id: <exim-orig@upstream.test>
Subject: hi

hi
"""
    report = parse_bounce(
        parse_bytes(
            _plain(
                "Mail Delivery System <Mailer-Daemon@mx.example.org>",
                "Mail delivery failed: returning message to sender",
                body,
            )
        )
    )
    assert report is not None
    assert report.original_message_id == "exim-orig@upstream.test"
    assert [(r.address, r.reason, r.hard) for r in report.recipients] == [
        ("gone@example.org", "userunknown", True),
        ("full@example.org", "mailboxfull", False),
    ]


def test_sendmail_transcript_without_enhanced_code():
    body = """The original message was received at Tue, 24 Nov 2026 10:00:00 +0000

   ----- The following addresses had permanent fatal errors -----
<nobody@example.com>
    (reason: 550 Host unknown)

   ----- Transcript of session follows -----
550 5.1.2 <nobody@example.com>... Host unknown (Name server: example.com: host not found)
"""
    report = parse_bounce(
        parse_bytes(_plain("MAILER-DAEMON@mx.example.org", "Returned mail: see transcript for details", body))
    )
    assert report is not None
    (rcpt,) = report.recipients
    assert (rcpt.address, rcpt.reason, rcpt.hard) == ("nobody@example.com", "hostunknown", True)


def test_user_unknown_after_data_is_a_filter_not_hard():
    body = """<kijitora@example.jp>: host mx.example.jp[192.0.2.2] said: 550 : User unknown
    (in reply to end of DATA command)
"""
    report = parse_bounce(
        parse_bytes(_plain("MAILER-DAEMON@mx.example.org", "Undelivered Mail Returned to Sender", body))
    )
    assert report is not None
    assert (report.recipients[0].reason, report.recipients[0].hard) == ("filtered", False)


def test_rejected_at_mail_from_is_about_us_not_the_recipient():
    body = """  someone@example.net
    SMTP error from remote mail server after MAIL FROM:<support@upstream.test>:
    host mx.example.net [192.0.2.3]: 550 5.1.0 Sender address rejected: domain not found
"""
    report = parse_bounce(parse_bytes(_plain("Mailer-Daemon@mx.example.org", "Mail delivery failed", body)))
    assert report is not None
    assert report.recipients[0].address == "someone@example.net"
    assert not report.recipients[0].hard


def test_delay_warning_is_delay():
    body = """This is the mail system at host mx.example.org.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

<slow@example.net>: connect to mx.example.net[192.0.2.9]:25: Connection timed out
"""
    report = parse_bounce(
        parse_bytes(_plain("MAILER-DAEMON@mx.example.org", "Delayed Mail (still being retried)", body))
    )
    assert report is not None
    assert report.kind == "delay"
    assert (report.recipients[0].address, report.recipients[0].hard) == ("slow@example.net", False)


def test_plain_human_mail_is_not_a_bounce():
    body = "Hello, mail to gone@example.org failed with user unknown, can you help?\n"
    assert parse_bounce(parse_bytes(_plain("Customer <c@example.com>", "Help please", body))) is None
