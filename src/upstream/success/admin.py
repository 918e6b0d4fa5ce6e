from django.contrib import admin

from upstream.success.models import HealthSettings, HealthSnapshot, Interaction, Playbook, SuccessTask


@admin.register(HealthSettings)
class HealthSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "weight_ticket_trend",
                    "weight_open_urgent",
                    "weight_sla_breaches",
                    "weight_csat",
                    "weight_nps",
                    "weight_last_interaction",
                    "weight_renewal",
                    "weight_hours_used",
                ],
                "description": "Weights are relative: each factor counts weight ÷ (sum of the weights of the factors "
                "with data). 0 leaves a factor out. See docs/success.md for each factor's point rule.",
            },
        ),
        (None, {"fields": ["risk_threshold"]}),
    ]

    def has_add_permission(self, request):
        return not HealthSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Playbook)
class PlaybookAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parameter", "due_in_days", "active"]
    list_filter = ["kind", "active"]
    list_editable = ["active"]


@admin.register(SuccessTask)
class SuccessTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "assignee", "playbook", "due_on", "done_at", "reminded_at"]
    list_filter = ["playbook"]
    search_fields = ["title", "organisation__name"]
    raw_id_fields = ["organisation", "assignee", "rule", "interaction", "done_by"]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["organisation", "kind", "author", "contact", "happened_at", "duration_minutes"]
    list_filter = ["kind"]
    search_fields = ["summary", "organisation__name"]
    raw_id_fields = ["organisation", "author", "contact"]


@admin.register(HealthSnapshot)
class HealthSnapshotAdmin(admin.ModelAdmin):
    list_display = ["organisation", "computed_on", "score", "previous_score"]
    list_filter = ["computed_on"]
    raw_id_fields = ["organisation"]
    readonly_fields = ["computed_at"]
