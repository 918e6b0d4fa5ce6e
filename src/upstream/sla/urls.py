"""SLA configuration pages: business calendars and the policy matrix."""

from django.urls import path

from upstream.sla import views

app_name = "sla"
urlpatterns = [
    path("sla/calendars/", views.calendar_list, name="calendars"),
    path("sla/calendars/new/", views.calendar_new, name="calendar_new"),
    path("sla/calendars/preview/", views.calendar_preview, name="calendar_preview"),
    path("sla/calendars/<int:calendar_id>/", views.calendar_edit, name="calendar_edit"),
    path("sla/calendars/<int:calendar_id>/import-holidays/", views.calendar_import, name="calendar_import"),
    path("sla/policies/", views.policy_matrix, name="policies"),
    path("sla/policies/<str:plan>/<int:priority>/", views.policy_edit, name="policy_edit"),
]
