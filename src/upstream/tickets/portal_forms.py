"""Forms of the customer portal: opening a ticket within what the plan allows, and replying."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from upstream.customers.models import Organisation, Priority, Product
from upstream.tickets import rules
from upstream.tickets.forms import (
    MultipleFileField,
    UploadFormMixin,
    chosen,
    products_with_versions,
    version_choices,
    version_of,
)
from upstream.tickets.models import Category, Platform

HighestPriority = Callable[[Organisation, Product | None], int]


class PortalTicketForm(UploadFormMixin):
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"), queryset=Organisation.objects.none(), empty_label=None
    )
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product"),
        required=False,
        queryset=Product.objects.order_by("name"),
        empty_label=gettext_lazy("Not sure / other"),
    )
    product_version = forms.TypedChoiceField(
        label=gettext_lazy("Version"), required=False, coerce=int, empty_value=None
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=[("", gettext_lazy("Choose a category")), *Category.choices]
    )
    priority = forms.TypedChoiceField(label=gettext_lazy("Priority"), coerce=int)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=250)
    body = forms.CharField(
        label=gettext_lazy("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=200_000,
        help_text=gettext_lazy("What happened, what you expected, and any error messages."),
    )
    platform = forms.ChoiceField(label=gettext_lazy("Platform / deployment"), required=False, choices=Platform.choices)
    environment = forms.CharField(
        label=gettext_lazy("Environment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Operating system, versions, topology"),
    )
    recent_changes = forms.CharField(
        label=gettext_lazy("What changed recently"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    purchase_date = forms.DateField(
        label=gettext_lazy("Purchase date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    access_notes = forms.CharField(
        label=gettext_lazy("Access notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("How our engineers can reach the system, if needed. Never paste passwords here."),
    )
    attachments = MultipleFileField(label=gettext_lazy("Attachments"))

    def __init__(
        self,
        *args: Any,
        organisations: Sequence[Organisation],
        highest_priority: HighestPriority,
        **kwargs: Any,
    ) -> None:
        """`highest_priority(organisation, product)` gives the most urgent priority the plan allows."""
        super().__init__(*args, **kwargs)
        self.highest_priority = highest_priority
        org_field = self.fields["organisation"]
        org_field.queryset = Organisation.objects.filter(id__in=[o.id for o in organisations])  # type: ignore[attr-defined]
        if len(organisations) == 1:
            org_field.initial = organisations[0].id
            org_field.widget = forms.HiddenInput()
        organisation = chosen(self, "organisation") or (organisations[0] if organisations else None)
        product = chosen(self, "product")
        # Submitted versions are checked against the product in clean(), with a message that says why.
        self.fields["product_version"].choices = version_choices(  # type: ignore[attr-defined]
            products_with_versions(None if self.is_bound else product), _("Not sure")
        )
        self.allowed_from = highest_priority(organisation, product) if organisation else Priority.P4
        # The page offers what the plan allows; a submitted value is checked against the plan in clean().
        self.fields["priority"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Priority.choices if self.is_bound or value >= self.allowed_from
        ]
        if not self.is_bound:
            # Suggest the category's usual priority, or the most urgent the plan allows if that is less urgent.
            category = chosen(self, "category") or Category.HOWTO
            current = chosen(self, "priority")
            if current is None or current < self.allowed_from:
                self.initial["priority"] = max(rules.default_priority(category), self.allowed_from)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            data["version"] = version_of(data.get("product"), data.get("product_version"))
        except forms.ValidationError as exc:
            self.add_error("product_version", exc)
            return data
        if data["version"] is not None and data.get("product") is None:
            data["product"] = data["version"].product
        organisation, priority = data.get("organisation"), data.get("priority")
        if organisation is not None and priority is not None:
            highest = self.highest_priority(organisation, data.get("product"))
            if priority < highest:
                self.add_error(
                    "priority",
                    _("Your plan allows priorities P%(highest)d to P4 for this product.") % {"highest": highest},
                )
        return data


class PortalReplyForm(UploadFormMixin):
    body = forms.CharField(
        label=gettext_lazy("Your reply"), widget=forms.Textarea(attrs={"rows": 6}), max_length=200_000
    )
    attachments = MultipleFileField(label=gettext_lazy("Attachments"))
