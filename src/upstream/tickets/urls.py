"""Agent inbox and ticket pages, attachment downloads, and the customer portal."""

from django.urls import path

from upstream.tickets.views import inbox, portal, ticket

app_name = "tickets"
urlpatterns = [
    path("inbox/", inbox.inbox_home, name="inbox_home"),
    path("inbox/bulk/", inbox.bulk, name="bulk"),
    path("inbox/<slug:queue>/", inbox.inbox, name="inbox"),
    path("tickets/<str:ref>/", ticket.detail, name="detail"),
    path("tickets/<str:ref>/reply/", ticket.reply, name="reply"),
    path("tickets/<str:ref>/note/", ticket.note, name="note"),
    path("tickets/<str:ref>/status/", ticket.change_status, name="status"),
    path("tickets/<str:ref>/fields/", ticket.update_fields, name="fields"),
    path("tickets/<str:ref>/merge/", ticket.merge, name="merge"),
    path("attachments/<int:attachment_id>/", ticket.attachment, name="attachment"),
    path("portal/", portal.portal, name="portal"),
    path("portal/new/", portal.portal_new, name="portal_new"),
    path("portal/tickets/<str:ref>/", portal.portal_detail, name="portal_detail"),
    path("portal/tickets/<str:ref>/reply/", portal.portal_reply, name="portal_reply"),
    path("portal/tickets/<str:ref>/close/", portal.portal_close, name="portal_close"),
]
