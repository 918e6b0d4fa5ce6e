"""Tickets in the Django admin: for inspection and tag/counter housekeeping. Agents work in the inbox, where every
change goes through the services and the activity log; so ticket fields are read-only here."""

from django.contrib import admin

from upstream.tickets.models import Activity, Attachment, Message, Tag, Ticket


class MessageInline(admin.TabularInline):
    model = Message
    fk_name = "ticket"
    fields = ("created_at", "kind", "channel", "author_user", "author_contact", "body_text")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("number", "subject", "status", "priority", "category", "organisation", "assignee", "created_at")
    list_filter = ("status", "priority", "category", "channel", "tier", "team")
    search_fields = ("=number", "subject", "organisation__name", "requester__email")
    list_select_related = ("organisation", "assignee")
    show_full_result_count = False  # COUNT(*) over millions of rows on every admin page is not worth it
    inlines = (MessageInline,)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Ticket._meta.concrete_fields] + ["tags"]

    def has_add_permission(self, request):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "ticket", "kind", "channel", "created_at")
    list_filter = ("kind", "channel")
    raw_id_fields = ("ticket", "author_user", "author_contact")
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("filename", "content_type", "size", "message", "created_at")
    raw_id_fields = ("message",)
    readonly_fields = ("sha256", "storage_name", "size")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("ticket", "actor", "action", "field", "created_at")
    list_filter = ("action", "field")
    raw_id_fields = ("ticket", "actor")
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False  # the log is history; nobody edits it


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)
