"""End to end with real servers: a customer's email reaches Dovecot, the IMAP fetch turns it into a ticket in the
agent inbox, the agent's reply (typed in the browser) reaches the SMTP server threaded, and the customer's emailed
answer to that reply lands on the same ticket."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from upstream.channels.email import fetching
from upstream.channels.email.models import Mailbox, Security
from upstream.core import clock
from upstream.core.testing import PASSWORD, make_agent, make_contact, make_org, make_team
from upstream.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "升级到 2.4 之后备份失败 / backups fail after the upgrade"
REPLY = "Please send us the output of `backup --check`; 我们会尽快分析。"


def _email(subject: str, body: str, *, message_id: str, in_reply_to: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = "刘洋 <liu.yang@yunqi.test>"
    message["To"] = "support@vendor.test"
    message["Subject"] = subject
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(body, charset="gb18030")
    return message.as_bytes()


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action$='/accounts/login/'] [type=submit]")
    page.wait_for_load_state("networkidle")


def test_email_question_reply_and_answer(browser, live_server, dovecot, smtp_sink, settings, screenshot_dir):
    team = make_team("Platform")
    org = make_org("云启科技", domain="yunqi.test", team=team)
    make_contact(org, email="liu.yang@yunqi.test", name="刘洋")
    agent = make_agent(team, username="anna")
    account = dovecot.add_user("support")
    mailbox = Mailbox.objects.create(
        name="Vendor Support", address="support@vendor.test", team=team, imap_host="127.0.0.1",
        imap_port=dovecot.imap_port, imap_security=Security.NONE, imap_username=account.username,
        imap_password=account.password,
    )  # fmt: skip

    dovecot.append(account, _email(QUESTION, "每晚的备份都失败，错误码 17。", message_id="<q@yunqi.test>"))
    assert fetching.fetch_mailbox(mailbox).startswith("1 processed")
    ticket = Ticket.objects.get()
    smtp_sink.wait_for(1)  # the acknowledgement
    ack = smtp_sink.received[0].message
    assert ack["Auto-Submitted"] == "auto-replied" and ack["In-Reply-To"] == "<q@yunqi.test>"

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    _login(page, live_server.url, agent.username)
    page.goto(f"{live_server.url}/inbox/open/")
    assert ticket.reference in page.content()
    page.screenshot(path=screenshot_dir / "email-inbox-zh.png", full_page=True)
    page.get_by_role("link", name=QUESTION).first.click()
    page.wait_for_load_state("networkidle")
    assert "错误码 17" in page.content()
    page.fill("form[action$='/reply/'] textarea[name=body]", REPLY)
    page.locator("form[action$='/reply/'] [type=submit]").first.click()
    page.wait_for_load_state("networkidle")

    received = smtp_sink.wait_for(2)[1]
    reply = received.message
    assert received.rcpt_tos == ["liu.yang@yunqi.test"]
    assert f"[{ticket.reference}]" in reply["Subject"]
    assert reply["In-Reply-To"] == "<q@yunqi.test>"
    assert "<q@yunqi.test>" in reply["References"]
    assert reply["Reply-To"] == f"support+{ticket.reference}@vendor.test"
    assert "Auto-Submitted" not in reply
    text = reply.get_body(("plain",)).get_content()
    assert "backup --check" in text and "回复此邮件" in text  # the requester wrote in Chinese

    answer = _email(
        f"回复：{reply['Subject']}", "这是输出：backup ok=false code=17", message_id="<a@yunqi.test>",
        in_reply_to=reply["Message-ID"],
    )  # fmt: skip
    dovecot.append(account, answer)
    assert fetching.fetch_mailbox(mailbox).startswith("1 processed")
    assert Ticket.objects.count() == 1
    assert ticket.messages.count() == 3
    page.reload()
    page.wait_for_load_state("networkidle")
    assert "code=17" in page.content()
    page.screenshot(path=screenshot_dir / "email-ticket-zh.png", full_page=True)
    context.close()
