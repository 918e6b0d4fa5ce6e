"""Knowledge base: the public pages under /kb/ and the staff pages under /kb/manage/."""

from django.urls import path

from upstream.kb import views_agent, views_portal

app_name = "kb"
urlpatterns = [
    path("kb/", views_portal.home, name="home"),
    # Readable addresses: /kb/42-reset-a-keycloak-admin-password/ or /kb/43-重置-keycloak-管理员密码/; the id decides.
    path("kb/<int:article_id>-<str:slug>/", views_portal.article, name="article"),
    path("kb/<int:article_id>/", views_portal.article_by_id, name="article_by_id"),
    path("kb/<int:article_id>/feedback/", views_portal.feedback, name="feedback"),
    path("kb/manage/", views_agent.manage_list, name="manage"),
    path("kb/manage/new/", views_agent.article_new, name="new"),
    path("kb/manage/preview/", views_agent.preview, name="preview"),
    path("kb/manage/<int:article_id>/", views_agent.article_edit, name="edit"),
    path("kb/manage/<int:article_id>/workflow/", views_agent.workflow, name="workflow"),
    path("kb/manage/<int:article_id>/translation/", views_agent.link_translation, name="link_translation"),
    path("kb/manage/<int:article_id>/delete/", views_agent.delete, name="delete"),
    path("kb/manage/<int:article_id>/history/", views_agent.history, name="history"),
]
