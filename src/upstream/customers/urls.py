from django.urls import path

from upstream.customers import views

app_name = "customers"

urlpatterns = [
    path("customers/", views.organisations, name="organisations"),
    path("customers/<int:organisation_id>/", views.organisation, name="organisation"),
    path("customers/contracts/<int:contract_id>/renew/", views.renew, name="renew"),
    path("customers/contracts/<int:contract_id>/end/", views.end, name="end"),
    path("customers/churn/", views.churn_report, name="churn"),
]
