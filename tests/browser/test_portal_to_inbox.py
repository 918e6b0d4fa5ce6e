"""End to end in a real browser: a customer submits a ticket in the portal, an agent finds it in the inbox and
replies, the customer sees the reply. Screenshots of each page, in English and Chinese."""

from __future__ import annotations

import pytest

from upstream.core.testing import PASSWORD, make_agent, make_contact, make_contract, make_org, make_product, make_team
from upstream.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECT = "Replication lag after upgrading to 16.2"
BODY = "Since the upgrade last night the replica is 40 minutes behind. 主库日志见附件。"
REPLY = "Thanks — please run SELECT * FROM pg_stat_replication and send us the output."


@pytest.fixture
def people():
    team = make_team("Database")
    org = make_org("Northwind Data", team=team)
    make_contract(org, products=(make_product("PostgreSQL", versions=("15.6", "16.2")),))
    customer = make_contact(org, name="Zhang Min")
    agent = make_agent(team, username="anna")
    return customer.user, agent


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action$='/accounts/login/'] [type=submit]")
    page.wait_for_load_state("networkidle")


def _logout(page, base):
    page.context.clear_cookies()


def test_customer_to_agent_and_back(browser, live_server, people, screenshot_dir):
    customer, agent = people
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()

    _login(page, base, customer.username)
    page.goto(f"{base}/portal/new/")
    page.select_option("select[name=category]", "defect")
    page.fill("input[name=subject]", SUBJECT)
    page.fill("textarea[name=body]", BODY)
    page.select_option("select[name=product]", label="PostgreSQL")
    page.screenshot(path=screenshot_dir / "portal-new-en.png", full_page=True)
    page.locator("form:has(textarea[name=body]) [type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    assert SUBJECT in page.content()
    reference = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert reference.startswith("UP-"), page.url
    ticket = Ticket.objects.select_related("product").get(number=int(reference.removeprefix("UP-")))
    assert (ticket.product.name, ticket.category, ticket.requester.user) == ("PostgreSQL", "defect", customer)
    page.goto(f"{base}/portal/")
    assert reference in page.content()
    page.screenshot(path=screenshot_dir / "portal-list-en.png", full_page=True)

    _logout(page, base)
    _login(page, base, agent.username)
    page.goto(f"{base}/inbox/open/")
    page.screenshot(path=screenshot_dir / "inbox-en.png", full_page=True)
    page.get_by_role("link", name=SUBJECT).first.click()
    page.wait_for_load_state("networkidle")
    assert BODY.split("。")[0] in page.content()
    page.fill("form[action$='/reply/'] textarea[name=body]", REPLY)
    page.locator("form[action$='/reply/'] [type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    assert "pg_stat_replication" in page.content()
    page.screenshot(path=screenshot_dir / "ticket-agent-en.png", full_page=True)

    _logout(page, base)
    _login(page, base, customer.username)
    page.goto(f"{base}/portal/tickets/{reference}/")
    assert "pg_stat_replication" in page.content()
    page.screenshot(path=screenshot_dir / "portal-ticket-en.png", full_page=True)
    context.close()


def test_pages_in_chinese(browser, live_server, people, screenshot_dir):
    customer, agent = people
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    assert "登录" in page.content()
    _login(page, base, customer.username)
    page.goto(f"{base}/portal/new/")
    assert "主题" in page.content()
    page.screenshot(path=screenshot_dir / "portal-new-zh.png", full_page=True)
    _logout(page, base)
    _login(page, base, agent.username)
    page.goto(f"{base}/inbox/open/")
    assert "收件箱" in page.content() or "工单" in page.content()
    page.screenshot(path=screenshot_dir / "inbox-zh.png", full_page=True)
    context.close()
