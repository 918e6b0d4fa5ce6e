from django.urls import path

from upstream.kb.assist import views

app_name = "kb_assist"

urlpatterns = [
    path("kb/assist/answer/<str:token>/", views.answer, name="answer"),
    path("kb/assist/suggest/", views.suggest, name="suggest"),
    path("kb/assist/deflect/", views.deflect, name="deflect"),
    path("kb/assist/tickets/<str:ref>/", views.agent_panel, name="agent_panel"),
    path("kb/assist/tickets/<str:ref>/draft-article/", views.from_ticket, name="from_ticket"),
    path("kb/assist/tickets/<str:ref>/draft-reply/", views.draft_reply, name="draft_reply"),
    path("kb/assist/gaps/", views.gap_report, name="gaps"),
]
