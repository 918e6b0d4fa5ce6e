from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from upstream.customers.models import (
    Contact,
    Contract,
    ContractStatus,
    EntitlementSettings,
    Membership,
    Organisation,
    OrganisationDomain,
    Product,
    ProductVersion,
    SupportPlan,
)


class DomainInline(admin.TabularInline):
    model = OrganisationDomain
    extra = 1


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ("contact", "organisation")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "default_team")
    search_fields = ("name", "domains__domain")
    inlines = (DomainInline, MembershipInline)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "phone", "user")
    search_fields = ("name", "email")
    inlines = (MembershipInline,)
    raw_id_fields = ("user",)


class VersionInline(admin.TabularInline):
    model = ProductVersion
    extra = 1


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    inlines = (VersionInline,)


@admin.register(SupportPlan)
class SupportPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "tier", "highest_priority", "monthly_fee", "currency", "credit_percent_per_breach")
    list_filter = ("kind", "tier")
    fieldsets = (
        (None, {"fields": ("name", "kind", "tier", "channels", "highest_priority", "grace_days", "description")}),
        (
            _("Service credits"),
            {"fields": ("monthly_fee", "currency", "credit_percent_per_breach", "credit_cap_percent")},
        ),
    )


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("reference", "organisation", "plan", "status", "starts_on", "ends_on", "consulting_hours")
    list_filter = ("status", "plan", "exit_reason")
    search_fields = ("reference", "organisation__name")
    filter_horizontal = ("products",)
    autocomplete_fields = ("organisation",)
    # Renewing and ending go through the contract pages (lifecycle services), which record who, why and when.
    readonly_fields = ("renewed_from", "exit_reason", "exit_comment", "ended_on", "ended_at", "ended_by")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "status") if obj is not None and obj.status == ContractStatus.TERMINATED else fields

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # "Terminated" needs an exit reason: it is set only by ending the contract on its page (lifecycle).
        if db_field.name == "status":
            kwargs["choices"] = [c for c in ContractStatus.choices if c[0] != ContractStatus.TERMINATED]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


@admin.register(EntitlementSettings)
class EntitlementSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "unentitled_team")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not EntitlementSettings.objects.exists()  # one row

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
