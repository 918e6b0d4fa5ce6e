from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from upstream.core import clock
from upstream.notifications.models import EmailAddressState, Notification, OutboundEmail, OutboundStatus


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "text", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("user", "ticket")


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """Read-only: the outbox is written by services and the delivery task. The one action puts failed mail back."""

    list_display = ("created_at", "kind", "status", "to", "subject", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("message_id", "subject")
    date_hierarchy = "created_at"
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Retry failed emails now"), permissions=["view"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboundEmail]) -> None:
        count = queryset.filter(status=OutboundStatus.FAILED).update(
            status=OutboundStatus.PENDING, attempts=0, next_attempt_at=clock.now(), last_error=""
        )
        self.message_user(request, _("%(count)d emails queued again.") % {"count": count}, messages.SUCCESS)


@admin.register(EmailAddressState)
class EmailAddressStateAdmin(admin.ModelAdmin):
    list_display = ("email", "undeliverable", "hard_bounces", "soft_bounces", "last_bounce_at", "reason")
    list_filter = ("undeliverable",)
    search_fields = ("email",)
    readonly_fields = ("hard_bounces", "soft_bounces", "last_bounce_at", "updated_at")
