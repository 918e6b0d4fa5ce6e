"""SLA configuration pages: business calendars and the policy matrix."""

from django.urls import path, register_converter

from upstream.sla import views, views_credits

register_converter(views_credits.MonthConverter, "month")

app_name = "sla"
urlpatterns = [
    path("sla/calendars/", views.calendar_list, name="calendars"),
    path("sla/calendars/new/", views.calendar_new, name="calendar_new"),
    path("sla/calendars/preview/", views.calendar_preview, name="calendar_preview"),
    path("sla/calendars/<int:calendar_id>/", views.calendar_edit, name="calendar_edit"),
    path("sla/calendars/<int:calendar_id>/import-holidays/", views.calendar_import, name="calendar_import"),
    path("sla/policies/", views.policy_matrix, name="policies"),
    path("sla/policies/<str:plan>/<int:priority>/", views.policy_edit, name="policy_edit"),
    # Service reports (SLA figures and credits per contract and month): agents, then organisation admins.
    path("sla/credits/", views_credits.credits_index, name="credits"),
    path("sla/credits/<int:contract_id>/<month:period>.csv", views_credits.credit_report_csv, name="credit_report_csv"),
    path("sla/credits/<int:contract_id>/<month:period>/", views_credits.credit_report, name="credit_report"),
    path("portal/sla/", views_credits.portal_reports, name="portal_reports"),
    path("portal/sla/<int:contract_id>/<month:period>.csv", views_credits.portal_report_csv, name="portal_report_csv"),
    path("portal/sla/<int:contract_id>/<month:period>/", views_credits.portal_report, name="portal_report"),
]
