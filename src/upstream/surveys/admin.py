from django.contrib import admin
from django.http import HttpRequest

from upstream.surveys.models import (
    CsatSurvey,
    NpsSurvey,
    ReturnVisit,
    ReturnVisitAnswer,
    ReturnVisitQuestion,
    SurveySettings,
)


@admin.register(SurveySettings)
class SurveySettingsAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "csat_enabled",
        "csat_low_threshold",
        "link_expiry_days",
        "nps_enabled",
        "nps_cadence_days",
        "nps_min_days_between",
        "return_visits_enabled",
        "return_visit_after_days",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SurveySettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: SurveySettings | None = None) -> bool:
        return False


@admin.register(ReturnVisitQuestion)
class ReturnVisitQuestionAdmin(admin.ModelAdmin):
    list_display = ("text_en", "text_zh_hans", "dimension", "position", "active")
    list_editable = ("position", "active")
    list_filter = ("dimension", "active")
    ordering = ("position", "id")


@admin.register(CsatSurvey)
class CsatSurveyAdmin(admin.ModelAdmin):
    list_display = ("ticket", "organisation", "agent", "score", "sent_at", "answered_at")
    list_filter = ("score",)
    list_select_related = ("ticket", "organisation", "agent")
    raw_id_fields = ("ticket", "contact", "organisation", "agent", "team", "answered_by")
    readonly_fields = ("score", "comment", "answered_at", "answered_by")


@admin.register(NpsSurvey)
class NpsSurveyAdmin(admin.ModelAdmin):
    list_display = ("contact", "organisation", "score", "sent_at", "answered_at")
    list_select_related = ("contact", "organisation")
    raw_id_fields = ("contact", "organisation")
    readonly_fields = ("score", "comment", "answered_at")


class AnswerInline(admin.TabularInline):
    model = ReturnVisitAnswer
    extra = 0
    readonly_fields = ("question", "dimension", "score", "comment")
    can_delete = False


@admin.register(ReturnVisit)
class ReturnVisitAdmin(admin.ModelAdmin):
    list_display = ("organisation", "reason", "scheduled_for", "sent_at", "completed_at")
    list_filter = ("reason",)
    list_select_related = ("organisation",)
    raw_id_fields = ("organisation", "contact", "account_manager", "completed_by")
    inlines = [AnswerInline]
