"""End to end in headless Chromium: an agent logs, edits and deletes time in the ticket page's Time panel (htmx), and
the organisation admin sees the balance in the portal."""

from __future__ import annotations

import pytest

from upstream.core.testing import PASSWORD
from upstream.hours.models import TimeEntry
from upstream.hours.tests.world import make_bank

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action$='/accounts/login/'] [type=submit]")
    page.wait_for_load_state("networkidle")


def test_log_edit_delete_and_portal_balance(browser, live_server):
    bank = make_bank("2", admin_language="en")
    base = live_server.url
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _login(page, base, bank.agent.username)
    page.goto(f"{base}/tickets/{bank.ticket.reference}/")
    panel = page.locator("#time")
    panel.locator("input[name=duration]").fill("1h30")
    panel.locator("input[name=note]").fill("Checked the replication settings")
    panel.locator("form.hours-form button[type=submit]").click()
    page.wait_for_selector("#time .hours-entries > li")
    assert "Checked the replication settings" in page.locator("#time").inner_text()
    assert TimeEntry.objects.get().minutes == 90

    page.locator("#time .hours-entries > li button", has_text="Edit").click()
    page.wait_for_selector("#time form.hours-edit")
    page.fill("#time form.hours-edit input[name=duration]", "2h30")
    page.locator("#time form.hours-edit button[type=submit]").click()
    page.wait_for_selector("#time .hours-over-chip")  # 150 of 120 minutes: 30 over
    assert TimeEntry.objects.get().overage_minutes == 30

    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("#time .hours-entries > li button", has_text="Delete").click()
    page.wait_for_selector("#time .hours-entries", state="detached")
    assert not TimeEntry.objects.exists()

    page.locator("#time input[name=duration]").fill("45")
    page.locator("#time form.hours-form button[type=submit]").click()
    page.wait_for_selector("#time .hours-entries > li")
    page.context.clear_cookies()
    _login(page, base, bank.org_admin.user.username)
    page.goto(f"{base}/portal/hours/")
    text = page.inner_text("main")
    assert bank.contract.reference in text and "45m" in text and "1h 15m" in text  # used, remaining
