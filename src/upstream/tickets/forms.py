"""Forms of the agent pages and the customer portal. They parse and check input with messages in the user's
language; the services stay the authority and re-check everything."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from upstream.accounts.models import Role, Team, User
from upstream.core.errors import DomainError, InvalidInput, PayloadTooLarge
from upstream.customers.models import Channel, Organisation, Priority, Product, ProductVersion
from upstream.tickets import rules
from upstream.tickets.attachments import MAX_FILES_PER_MESSAGE, Upload, clean_filename, extension, validate_uploads
from upstream.tickets.models import Category, Platform, Status, Tier

ANY = [("", gettext_lazy("Any"))]


def agent_queryset() -> Any:
    return User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.ADMIN]).order_by("full_name", "username")


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files from one <input type="file" multiple>."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def check_uploads(uploads: Sequence[Upload]) -> None:
    """The attachment rules of `validate_uploads`, explained in the user's language (same error classes)."""
    if len(uploads) > MAX_FILES_PER_MESSAGE:
        raise InvalidInput(
            _("At most %(count)d files can be attached to one message.") % {"count": MAX_FILES_PER_MESSAGE},
            field="attachments",
        )
    for upload in uploads:
        name = clean_filename(upload.name)
        try:
            validate_uploads([upload])
        except PayloadTooLarge:
            raise PayloadTooLarge(
                _("%(name)s is %(size)s; attachments may be at most %(limit)s.")
                % {
                    "name": name,
                    "size": filesizeformat(upload.size or 0),
                    "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
                },
                field="attachments",
            ) from None
        except InvalidInput:
            if not upload.size:
                message = _("%(name)s is empty.") % {"name": name}
            else:
                message = _("%(name)s: files of type .%(ext)s are not accepted.") % {
                    "name": name,
                    "ext": extension(name),
                }
            raise InvalidInput(message, field="attachments") from None


class UploadFormMixin(forms.Form):
    """Checks the attachments and remembers the HTTP status a failure deserves (413 for a file too large)."""

    error_status = 422

    def clean_attachments(self) -> list[Any]:
        files: list[Any] = self.cleaned_data.get("attachments") or []
        try:
            check_uploads(files)
        except DomainError as exc:
            self.error_status = exc.status
            raise forms.ValidationError(exc.message, code="attachments") from None
        return files


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's error on the form: on its field when the form has one, else above the form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def version_choices(products: Sequence[Product], blank: str) -> list[Any]:
    """Versions grouped under their product, so the list reads well even before a product is chosen."""
    choices: list[Any] = [("", blank)]
    for product in products:
        versions = [(v.id, v.name) for v in product.versions.all()]
        if versions:
            choices.append((product.name, versions))
    return choices


def products_with_versions(product: Product | None = None) -> list[Product]:
    products = Product.objects.prefetch_related("versions").order_by("name")
    if product is not None:
        products = products.filter(id=product.id)
    return list(products)


def version_of(product: Product | None, version_id: int | None) -> ProductVersion | None:
    """The chosen version, checked against the chosen product (server-side, whatever the page offered)."""
    if version_id is None:
        return None
    version = ProductVersion.objects.select_related("product").filter(id=version_id).first()
    if version is None:
        raise forms.ValidationError(_("Choose a version from the list."), code="invalid_version")
    if product is not None and version.product_id != product.id:
        raise forms.ValidationError(
            _("Version %(version)s belongs to %(other)s, not to %(product)s.")
            % {"version": version.name, "other": version.product.name, "product": product.name},
            code="version_mismatch",
        )
    return version


def split_tags(text: str) -> list[str]:
    return [t.strip() for t in re.split(r"[,，;；]", text) if t.strip()]


# --- Agent inbox ---------------------------------------------------------------------------------------------


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=ANY + Status.choices)
    priority = forms.TypedChoiceField(
        label=gettext_lazy("Priority"), required=False, coerce=int, empty_value=None, choices=ANY + Priority.choices
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False, choices=ANY + Category.choices)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False, choices=ANY + Channel.choices)
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"), required=False, queryset=Team.objects.only("id", "name"), empty_label=_lazy_any()
        if False
        else gettext_lazy("Any"),
    )
    assignee = AgentChoiceField(label=gettext_lazy("Assignee"), required=False, queryset=agent_queryset())
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"),
        required=False,
        queryset=Organisation.objects.only("id", "name").order_by("name"),
        empty_label=gettext_lazy("Any"),
    )
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product"),
        required=False,
        queryset=Product.objects.only("id", "name").order_by("name"),
        empty_label=gettext_lazy("Any"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].empty_label = gettext_lazy("Any")  # type: ignore[attr-defined]

    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.fields)
