"""SLA configuration in the Django admin. The SLA pages (/sla/) validate through the same engine and record changes;
the admin is for inspection and escalation steps, which have no page of their own yet."""

from django.contrib import admin

from upstream.sla.models import BusinessCalendar, EscalationStep, SlaConfigChange, SlaPolicy


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "is_24x7", "updated_at")
    search_fields = ("name",)


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "zone_source",
        "warn_at_percent",
    )
    list_filter = ("plan", "priority", "zone_source")
    list_select_related = ("plan",)
    inlines = (EscalationStepInline,)


@admin.register(SlaConfigChange)
class SlaConfigChangeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "object_repr", "action", "actor")
    list_filter = ("kind", "action")
    readonly_fields = ("kind", "object_id", "object_repr", "actor", "action", "before", "after", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the log is history; nobody edits it
