from django.urls import path

from upstream.channels.email import views

app_name = "email_channel"

urlpatterns = [
    path("email/mailboxes/", views.mailboxes, name="mailboxes"),
    path("email/mailboxes/new/", views.mailbox_edit, name="mailbox_new"),
    path("email/mailboxes/<int:mailbox_id>/", views.mailbox_edit, name="mailbox_edit"),
    path("email/mailboxes/<int:mailbox_id>/fetch/", views.mailbox_fetch, name="mailbox_fetch"),
    path("email/inbound/", views.inbound, name="inbound"),
    path("email/inbound/<int:inbound_id>/raw/", views.inbound_raw, name="inbound_raw"),
    path("email/inbound/<int:inbound_id>/retry/", views.inbound_retry, name="inbound_retry"),
]
