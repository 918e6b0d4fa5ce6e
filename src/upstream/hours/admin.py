"""Read-mostly admin views of the hour bank: entries change through the ticket page or the API (with an audit
entry), so the admin shows them without edit rights."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from upstream.hours.models import HoursAlert, Statement, TimeEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyAdmin):
    list_display = ("worked_on", "ticket", "contract", "user", "minutes", "billable", "overage_minutes")
    list_filter = ("billable",)
    list_select_related = ("ticket", "contract__organisation", "contract__plan", "user")
    search_fields = ("note", "contract__reference", "user__username")
    date_hierarchy = "worked_on"


@admin.register(HoursAlert)
class HoursAlertAdmin(ReadOnlyAdmin):
    list_display = ("contract", "threshold", "used_minutes", "prepaid_minutes", "sent_at")
    list_select_related = ("contract__organisation", "contract__plan")


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ("contract", "month", "opening_minutes", "billable_minutes", "overage_minutes", "issued_at")
    list_select_related = ("contract__organisation", "contract__plan")
