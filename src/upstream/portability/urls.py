from django.urls import URLPattern, path

from upstream.portability import views

app_name = "portability"

urlpatterns: list[URLPattern] = [
    path("exports/", views.exports, name="exports"),
    path("exports/<int:job_id>/download/", views.download, name="download"),
    path("exports/contact/", views.contact_data, name="contact_data"),
    path("audit/", views.audit_log, name="audit"),
]
