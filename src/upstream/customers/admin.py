from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from upstream.customers.models import (
    Contact,
    Contract,
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
        (None, {"fields": ("name", "kind", "tier", "channels", "highest_priority", "description")}),
        (
            _("Service credits"),
            {"fields": ("monthly_fee", "currency", "credit_percent_per_breach", "credit_cap_percent")},
        ),
    )


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("reference", "organisation", "plan", "status", "starts_on", "ends_on", "consulting_hours")
    list_filter = ("status", "plan")
    search_fields = ("reference", "organisation__name")
    filter_horizontal = ("products",)
    autocomplete_fields = ("organisation",)
