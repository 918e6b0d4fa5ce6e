"""Demo email data: the support mailbox `make run`'s SMTP receiver accepts mail for, and a few received emails
(a Chinese question in GB18030 with quoted history, an HTML email with an inline screenshot, an out-of-office reply
that is recognised and ignored, a message without a sender that waits in the quarantine)."""

from __future__ import annotations

import base64
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import cast

from upstream.accounts.models import Team
from upstream.channels.email.ingest import ingest
from upstream.channels.email.models import Mailbox, Via
from upstream.tickets.demo.conversations import clock_at
from upstream.tickets.models import Ticket

DEMO_ADDRESS = "support@upstream.localhost"
# A 1×1 PNG: the smallest real inline image.
_PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkaPhfDwAE/gH+1ZLmnwAAAABJRU5ErkJggg=="
)


def _question_in_gb18030(now: datetime) -> bytes:
    text = (
        "您好，\n\n升级到 2.4 之后，每晚的备份任务都失败，日志里是 error 17。请帮忙看一下。\n\n刘洋\n\n"
        "在 2026年11月2日 周一 10:02，支持团队 写道：\n> 请升级到 2.4 后再试。\n"
    )
    return (
        "From: =?GB18030?B?wfXR8w==?= <liu.yang@yunqi-tech.cn>\r\n"
        f"To: {DEMO_ADDRESS}\r\nSubject: =?GB18030?B?sbi33cqnsNw=?=\r\n"
        f"Date: {format_datetime(now)}\r\nMessage-ID: <demo-gb18030@yunqi-tech.cn>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=GB18030\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode("ascii") + text.replace("\n", "\r\n").encode("gb18030")


def _html_with_screenshot(now: datetime) -> bytes:
    message = EmailMessage()
    message["From"] = "Sarah Lee <sarah.lee@brightlinehealth.com>"
    message["To"] = DEMO_ADDRESS
    message["Subject"] = "Dashboard shows a blank chart"
    message["Date"] = format_datetime(now)
    message["Message-ID"] = "<demo-html@brightlinehealth.com>"
    message.set_content("Since this morning the usage chart is blank (screenshot attached).\n\nSarah")
    message.add_alternative(
        '<p>Since this morning the usage chart is <b>blank</b>:</p><p><img src="cid:chart@demo"></p><p>Sarah</p>',
        subtype="html",
    )
    html = cast(EmailMessage, message.get_payload()[1])  # type: ignore[index]
    html.add_related(_PIXEL, maintype="image", subtype="png", cid="<chart@demo>", filename="chart.png")
    return message.as_bytes()


def _out_of_office(now: datetime) -> bytes:
    return (
        "From: Tom Baker <tom@brightlinehealth.com>\r\n"
        f"To: {DEMO_ADDRESS}\r\nSubject: Automatic reply: Your request\r\nDate: {format_datetime(now)}\r\n"
        "Message-ID: <demo-ooo@brightlinehealth.com>\r\nAuto-Submitted: auto-replied\r\n\r\n"
        "I am out of the office until Monday.\r\n"
    ).encode()


def _no_sender(now: datetime) -> bytes:
    return (
        f"To: {DEMO_ADDRESS}\r\nSubject: message without a sender\r\nDate: {format_datetime(now)}\r\n"
        "Message-ID: <demo-nosender@upstream.localhost>\r\n\r\nThis one waits in the quarantine.\r\n"
    ).encode()


EMAILS = (_question_in_gb18030, _html_with_screenshot, _out_of_office, _no_sender)
EMAIL_TICKETS = 2


def load_email_demo(*, now: datetime) -> Mailbox:
    """Two of the four emails open tickets (the auto-reply is ignored, the sender-less one quarantined)."""
    mailbox, _ = Mailbox.objects.get_or_create(
        address=DEMO_ADDRESS,
        defaults={"name": "Upstream Support", "team": Team.objects.order_by("id").first(), "auto_acknowledge": True},
    )
    # One instant for everything the emails cause, as for the rest of the demo (timelines stay consistent).
    with clock_at([now]):
        records = [ingest(build(now), via=Via.SMTP, mailbox=mailbox).inbound for build in EMAILS]
    Ticket.objects.filter(id__in=[r.ticket_id for r in records if r.ticket_id]).update(updated_at=now)
    return mailbox
