"""Hour-bank pages: the ticket page's time panel (htmx), contract pages and statements for agents, the portal's."""

from django.urls import path, register_converter

from upstream.hours import views, views_portal

app_name = "hours"


class MonthConverter:
    """`2026-01` in a URL; anything else does not match (404)."""

    regex = r"[0-9]{4}-(?:0[1-9]|1[0-2])"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MonthConverter, "yyyymm")

urlpatterns = [
    path("hours/", views.overview, name="overview"),
    path("hours/tickets/<str:ref>/panel/", views.panel, name="panel"),
    path("hours/tickets/<str:ref>/log/", views.log_time, name="log"),
    path("hours/entries/<int:entry_id>/edit/", views.edit_entry, name="edit"),
    path("hours/entries/<int:entry_id>/delete/", views.delete_entry, name="delete"),
    path("hours/contracts/<int:contract_id>/", views.contract_page, name="contract"),
    path("hours/contracts/<int:contract_id>/<yyyymm:month>.csv", views.statement_csv, name="statement_csv"),
    path("hours/contracts/<int:contract_id>/<yyyymm:month>/", views.statement_page, name="statement"),
    path("portal/hours/", views_portal.portal_index, name="portal"),
    path("portal/hours/<int:contract_id>/", views_portal.portal_contract, name="portal_contract"),
    path("portal/hours/<int:contract_id>/<yyyymm:month>.csv", views_portal.portal_statement_csv, name="portal_csv"),
    path("portal/hours/<int:contract_id>/<yyyymm:month>/", views_portal.portal_statement, name="portal_statement"),
]
