"""The business-calendar editor in a real browser: the 14-day preview follows the form as an admin types (htmx), a
Chinese make-up Saturday shows as working and a holiday as closed, and an overlap is reported on the weekday."""

from __future__ import annotations

import pytest

from upstream.core.testing import PASSWORD, make_admin
from upstream.sla import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BEIJING_DAY = [["09:00", "12:00"], ["13:30", "18:00"]]


def _row(page, iso_date):
    return page.locator(f"li.sla-preview-day:has(time[datetime='{iso_date}'])")


def test_live_preview_follows_the_form(browser, live_server, screenshot_dir):
    admin = make_admin(username="lin")
    calendar = services.save_calendar(
        by=admin,
        name="Beijing business hours",
        time_zone="Asia/Shanghai",
        hours={day: BEIJING_DAY for day in ("mon", "tue", "wed", "thu", "fri")},
    )
    services.import_holidays(calendar, country="CN", year=2025, by=admin)
    page = browser.new_page(viewport={"width": 1440, "height": 1100})
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "lin")
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action$='/accounts/login/'] [type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(f"{live_server.url}/sla/calendars/{calendar.pk}/")
        page.fill("input[name=preview_from]", "2025-02-03")
        page.dispatch_event("input[name=preview_from]", "change")
        _row(page, "2025-02-08").wait_for()
        saturday = _row(page, "2025-02-08")  # 调休: Saturday 8 February 2025 is worked
        assert "sla-kind-extra_workday" in saturday.get_attribute("class")
        assert "7.5 h" in saturday.inner_text()
        assert "Holiday" in _row(page, "2025-02-04").inner_text()
        page.screenshot(path=str(screenshot_dir / "sla-calendar-spring-festival.png"), full_page=True)

        page.fill("input[name=sun]", "10:00–14:00")  # typing alone redraws the preview, nothing is saved
        page.wait_for_function(
            "document.querySelector(\"li.sla-preview-day:has(time[datetime='2025-02-09']) .sla-hours\")"
            ".textContent.includes('4 h')"
        )
        page.fill("input[name=tue]", "09:00–12:00, 11:00–13:00")
        page.locator("#sla-preview .alert-warning").wait_for()
        assert "Tuesday" in page.locator("#sla-preview").inner_text()
        page.screenshot(path=str(screenshot_dir / "sla-calendar-invalid.png"), full_page=True)
        calendar.refresh_from_db()
        assert "sun" not in calendar.hours
    finally:
        page.close()
