"""End to end in headless Chromium: an account manager logs a call through the htmx form (an error first, then a good
one with a follow-up), filters the timeline to calls, and ticks the follow-up task off the task list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from upstream.core.testing import PASSWORD
from upstream.success.models import Interaction, SuccessTask
from upstream.success.tests.world import make_world, today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_a_call_then_finish_its_follow_up(browser, live_server):
    world = make_world()
    base = live_server.url
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", world.manager.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action$='/accounts/login/'] [type=submit]")
    page.wait_for_load_state("networkidle")

    page.goto(f"{base}/success/organisations/{world.org.id}/")
    page.fill("#id_call_duration_minutes", "0")
    page.click("#log-call button[type=submit]")
    page.wait_for_selector("#log-call .error")
    assert not Interaction.objects.exists()

    page.select_option("#id_call_contact", str(world.contact.id))
    page.fill("#id_call_duration_minutes", "20")
    page.fill("#id_call_summary", "Wants a two-year renewal quote")
    page.fill("#id_call_follow_up_on", (today() + timedelta(days=2)).isoformat())
    page.click("#log-call button[type=submit]")
    page.wait_for_selector("#log-call .alert-success")
    assert "Wants a two-year renewal quote" in page.locator("#timeline").inner_text()
    assert Interaction.objects.get().duration_minutes == 20

    page.click("#timeline .timeline-filters >> text=Calls")
    page.wait_for_selector("#timeline .timeline-filters .chip.is-on >> text=Calls")
    assert page.locator("#timeline .timeline-entry").count() == 1

    page.goto(f"{base}/success/tasks/")
    task = SuccessTask.objects.get()
    row = page.locator(f"#task-{task.id}")
    assert "Wants a two-year renewal quote" in row.inner_text()
    row.locator("button", has_text="Done").click()
    page.wait_for_selector(f"#task-{task.id} >> text=Reopen")
    task.refresh_from_db()
    assert task.done_at is not None
