from django.urls import path

from upstream.surveys import views, views_links

app_name = "surveys"

urlpatterns = [
    path("surveys/", views.home, name="home"),
    path("surveys/csat/", views.csat_report, name="csat"),
    path("surveys/csat/<int:survey_id>/reopen/", views.csat_reopen, name="csat_reopen"),
    path("surveys/organisations/<int:org_id>/", views.organisation, name="organisation"),
    path("surveys/visits/<int:visit_id>/", views.visit, name="visit"),
    path("surveys/visits/<int:visit_id>/cancel/", views.visit_cancel, name="visit_cancel"),
    path("surveys/tickets/<str:ref>/rate/", views.portal_rate, name="portal_rate"),
    # Signed links from the survey emails (no sign-in).
    path("surveys/r/csat/<str:token>/", views_links.csat_link, name="csat_link"),
    path("surveys/r/nps/<str:token>/", views_links.nps_link, name="nps_link"),
    path("surveys/r/visit/<str:token>/", views_links.visit_link, name="visit_link"),
]
