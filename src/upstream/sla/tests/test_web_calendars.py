"""The calendar pages: admins create and edit, agents read, customers are sent away; the live preview partial."""

# Fixtures are imported from sla_world by name and then requested as arguments, which ruff reads as redefinition.
# ruff: noqa: F811

import pytest
from django.urls import reverse

from upstream.sla import services
from upstream.sla.models import BusinessCalendar, SlaConfigChange
from upstream.sla.tests.sla_world import admin, agent, beijing, customer, make_beijing  # noqa: F401

pytestmark = pytest.mark.django_db

WEEK = {"mon": "09:00–12:00, 13:30–18:00", "tue": "09:00-12:00 13:30-18:00", "wed": "09:00–18:00"}


def day_row(html, iso_date):
    """The preview row of one date: from its <time> to the end of its list item."""
    start = html.index(f'datetime="{iso_date}"')
    return html[start : html.index("</li>", start)]


def form_data(**changes):
    return {"name": "Shanghai desk", "time_zone": "Asia/Shanghai", **WEEK, **changes}


@pytest.mark.smoke
def test_admin_sees_the_list_and_the_editor(client, admin, beijing):
    client.force_login(admin)
    listing = client.get(reverse("sla:calendars"))
    assert listing.status_code == 200 and "Beijing business hours" in listing.content.decode()
    page = client.get(reverse("sla:calendar_edit", args=[beijing.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="09:00–12:00, 13:30–18:00"' in html and "Save calendar" in html and "Import public holidays" in html
    assert html.count('class="sla-preview-day') == 14


def test_admin_creates_a_calendar(client, admin):
    client.force_login(admin)
    response = client.post(reverse("sla:calendar_new"), form_data(holidays="2025-01-29\n2025-01-28"))
    calendar = BusinessCalendar.objects.get(name="Shanghai desk")
    assert response.status_code == 302 and response["Location"] == reverse("sla:calendar_edit", args=[calendar.pk])
    assert calendar.hours["tue"] == [["09:00", "12:00"], ["13:30", "18:00"]]
    assert calendar.holidays == ["2025-01-28", "2025-01-29"]
    assert SlaConfigChange.objects.get(object_id=calendar.pk).actor == admin


def test_errors_are_shown_on_the_named_field(client, admin):
    client.force_login(admin)
    response = client.post(reverse("sla:calendar_new"), form_data(thu="09:00–12:00, 11:00–14:00"))
    html = response.content.decode()
    assert response.status_code == 422 and not BusinessCalendar.objects.exists()
    thursday = html[html.index('for="id_thu"') :]
    assert "Intervals overlap" in thursday[: thursday.index("</div>")]  # the error sits on Thursday's row
    response = client.post(reverse("sla:calendar_new"), form_data(time_zone="Asia/Beijing", fri="18:00-09:00"))
    html = response.content.decode()
    assert "Select a valid choice" in html  # an unknown zone is not in the list
    response = client.post(reverse("sla:calendar_new"), form_data(fri="18:00-09:00"))
    assert "An interval ends before it starts" in response.content.decode()
    response = client.post(reverse("sla:calendar_new"), form_data(extra_workdays="2025-01-26 9h"))
    assert "Write one date and its intervals per line" in response.content.decode()
    response = client.post(reverse("sla:calendar_new"), form_data(holidays="2025-02-30"))
    assert "Not a valid date" in response.content.decode()


def test_admin_edits_and_imports_holidays(client, admin, beijing):
    client.force_login(admin)
    url = reverse("sla:calendar_edit", args=[beijing.pk])
    response = client.post(url, form_data(name="Beijing business hours", sat="10:00–14:00"))
    assert response.status_code == 302
    beijing.refresh_from_db()
    assert beijing.hours["sat"] == [["10:00", "14:00"]] and "thu" not in beijing.hours
    response = client.post(reverse("sla:calendar_import", args=[beijing.pk]), {"country": "CN", "year": "2025"})
    assert response.status_code == 302
    beijing.refresh_from_db()
    assert "2025-01-29" in beijing.holidays and "2025-01-26" in beijing.extra_workdays
    refused = client.post(reverse("sla:calendar_import", args=[beijing.pk]), {"country": "ZZ", "year": "2025"})
    assert refused.status_code == 422 and "country code “ZZ”" in refused.content.decode()


def test_agents_read_but_do_not_change(client, agent, beijing):
    client.force_login(agent)
    page = client.get(reverse("sla:calendar_edit", args=[beijing.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "Read only" in html and "Save calendar" not in html
    assert 'name="mon"' in html and "disabled" in html[html.index('name="mon"') - 200 : html.index('name="mon"') + 200]
    assert client.get(reverse("sla:calendars")).status_code == 200
    assert client.get(reverse("sla:calendar_new")).status_code == 403
    assert client.post(reverse("sla:calendar_edit", args=[beijing.pk]), form_data(name="Mine")).status_code == 403
    assert (
        client.post(reverse("sla:calendar_import", args=[beijing.pk]), {"country": "CN", "year": 2025}).status_code
        == 403
    )
    beijing.refresh_from_db()
    assert beijing.name == "Beijing business hours" and beijing.holidays == []


def test_customers_and_strangers_are_kept_out(client, customer, beijing):
    url = reverse("sla:calendar_edit", args=[beijing.pk])
    assert client.get(url)["Location"].startswith(reverse("accounts:login"))
    client.force_login(customer)
    assert client.get(url)["Location"] == reverse("tickets:portal")
    assert client.get(reverse("sla:calendar_preview"), form_data())["Location"] == reverse("tickets:portal")
    assert client.post(url, form_data()).status_code == 403


def test_missing_calendar_is_404(client, admin):
    client.force_login(admin)
    assert client.get(reverse("sla:calendar_edit", args=[999999])).status_code == 404


def test_preview_partial_shows_make_up_saturday_as_working_and_a_holiday_as_closed(client, agent):
    client.force_login(agent)
    data = form_data(
        name="",  # an unsaved, unnamed calendar still previews
        mon="09:00–12:00, 13:30–18:00",
        thu="09:00–12:00, 13:30–18:00",
        fri="09:00–12:00, 13:30–18:00",
        holidays="2025-02-04",
        extra_workdays="2025-02-08 09:00–12:00, 13:30–18:00",
        preview_from="2025-02-03",
    )
    response = client.get(reverse("sla:calendar_preview"), data, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "HX-Request" in response["Vary"]
    assert html.count('class="sla-preview-day') == 14
    saturday = day_row(html, "2025-02-08")
    assert "Make-up workday" in saturday and "13:30–18:00" in saturday and "7.5 h" in saturday
    tuesday = day_row(html, "2025-02-04")
    assert "Holiday" in tuesday and "0 h" in tuesday


def test_read_only_editor_previews_the_saved_calendar(client, agent, beijing):
    # Disabled fields are not sent by browsers, so the agent's preview names the saved calendar instead.
    services.import_holidays(beijing, country="CN", year=2025, by=None)
    client.force_login(agent)
    params = {"calendar": beijing.pk, "preview_from": "2025-01-25"}
    html = client.get(reverse("sla:calendar_preview"), params, headers={"HX-Request": "true"}).content.decode()
    assert "Make-up workday" in day_row(html, "2025-01-26")
    assert client.get(reverse("sla:calendar_preview"), {"calendar": 999999}).status_code == 404


def test_preview_of_an_invalid_calendar_lists_the_problems(client, admin):
    client.force_login(admin)
    response = client.get(reverse("sla:calendar_preview"), form_data(mon="09:00–12:00, 11:00–13:00"))
    html = response.content.decode()
    assert response.status_code == 200 and "Fix these to see the preview" in html and "Monday" in html


def test_editor_in_chinese_marks_make_up_days_and_holidays(client, admin, beijing):
    services.import_holidays(beijing, country="CN", year=2025, by=admin)
    client.force_login(admin)
    client.cookies["django_language"] = "zh-hans"
    response = client.get(reverse("sla:calendar_edit", args=[beijing.pk]), {"preview_from": "2025-01-25"})
    html = response.content.decode()
    assert "每周工作时间" in html and "星期一" in html
    sunday = day_row(html, "2025-01-26")
    assert "调休补班" in sunday and "7.5 小时" in sunday
    assert "节假日" in day_row(html, "2025-01-29")


def test_new_calendar_page_starts_with_office_hours_and_no_errors(client, admin):
    admin.time_zone = "Europe/Berlin"
    admin.save()
    client.force_login(admin)
    html = client.get(reverse("sla:calendar_new")).content.decode()
    assert "This field is required" not in html and "Fix these" not in html
    assert '<option value="Europe/Berlin" selected>' in html
    assert html.count("7.5 h") == 0 and html.count(">8 h<") == 10  # Mon–Fri 09:00–17:00 over two weeks


def test_calendar_list_costs_one_query_for_its_rows(client, admin, django_assert_max_num_queries):
    for n in range(5):
        make_beijing(f"Calendar {n}")
    client.force_login(admin)
    with django_assert_max_num_queries(3):  # session, user, calendars
        response = client.get(reverse("sla:calendars"))
    assert response.content.decode().count('class="sla-day"') == 5
