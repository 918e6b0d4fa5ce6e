from django.urls import path

from upstream.analytics import views

app_name = "analytics"

urlpatterns = [
    path("analytics/", views.dashboard, name="dashboard"),
    path("analytics/csv/<str:key>.csv", views.dashboard_csv, name="dashboard_csv"),
    path("portal/analytics/", views.portal, name="portal"),
    path("portal/analytics/csv/<str:key>.csv", views.portal_csv, name="portal_csv"),
]
