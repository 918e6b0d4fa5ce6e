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

ANY: list[tuple[Any, Any]] = [("", gettext_lazy("Any"))]


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


def chosen(form: forms.Form, name: str) -> Any:
    """The value the user picked for field `name` (submitted, else initial), cleaned; None when empty or invalid."""
    raw = form.data.get(name) if form.is_bound else form.initial.get(name)
    if raw is None or raw == "":
        return None
    try:
        return form.fields[name].clean(raw)
    except forms.ValidationError:
        return None


def refresh_on_change(form: forms.Form, url: str, names: Sequence[str]) -> None:
    """With htmx, changing one of the fields `names` re-renders the form's #dependent block from `url` (GET with
    the block's values), e.g. the versions of a newly chosen product. Without JavaScript nothing happens and the
    server still validates the combination on submit."""
    for name in names:
        form.fields[name].widget.attrs.update(
            {
                "hx-get": url,
                "hx-include": "#dependent",
                "hx-target": "#dependent",
                "hx-select": "#dependent",
                "hx-swap": "outerHTML",
                # A quick second change must win: abort the refresh still in flight, whose response carries the
                # old values and would otherwise overwrite what the user just picked.
                "hx-sync": "#dependent:replace",
            }
        )


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
        label=gettext_lazy("Team"),
        required=False,
        queryset=Team.objects.only("id", "name").order_by("name"),
        empty_label=gettext_lazy("Any"),
    )
    assignee = AgentChoiceField(
        label=gettext_lazy("Assignee"), required=False, queryset=agent_queryset(), empty_label=gettext_lazy("Any")
    )
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

    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.fields)


class NumberListField(forms.Field):
    """Ticket numbers from a list of checkboxes."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": gettext_lazy("Select at least one ticket."),
        "invalid": gettext_lazy("The selection contains something that is not a ticket number."),
        "too_many": gettext_lazy("Select at most %(limit)d tickets at a time."),
    }
    limit = 500

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        numbers = []
        for item in values:
            number = rules.parse_number(str(item), settings.TICKET_PREFIX)
            if number is None:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            numbers.append(number)
        if len(numbers) > self.limit:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many", params={"limit": self.limit})
        return list(dict.fromkeys(numbers))


class BulkForm(forms.Form):
    ASSIGN, CLOSE = "assign", "close"
    ME, NOBODY = "me", "nobody"

    action = forms.ChoiceField(
        label=gettext_lazy("Action"), choices=[(ASSIGN, gettext_lazy("Assign")), (CLOSE, gettext_lazy("Close"))]
    )
    tickets = NumberListField(label=gettext_lazy("Tickets"))
    assignee = forms.ChoiceField(label=gettext_lazy("Assign to"), required=False)

    def __init__(self, *args: Any, agents: Sequence[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agents = {str(a.id): a for a in agents}
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            (self.ME, _("Me")),
            (self.NOBODY, _("Nobody (unassign)")),
            *[(key, agent.display_name) for key, agent in self.agents.items()],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == self.ASSIGN and not data.get("assignee"):
            self.add_error("assignee", _("Choose who gets the tickets."))
        return data

    def chosen_assignee(self, me: User) -> User | None:
        key = self.cleaned_data["assignee"]
        if key == self.ME:
            return me
        if key == self.NOBODY:
            return None
        return self.agents[key]


# --- Agent ticket page -----------------------------------------------------------------------------------------


class ReplyForm(UploadFormMixin):
    body = forms.CharField(
        label=gettext_lazy("Reply"), widget=forms.Textarea(attrs={"rows": 6}), max_length=200_000, strip=True
    )
    attachments = MultipleFileField(label=gettext_lazy("Attachments"))
    then_status = forms.ChoiceField(label=gettext_lazy("Then set status to"), required=False)

    def __init__(self, *args: Any, current_status: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if current_status is None:
            del self.fields["then_status"]
        else:
            allowed = rules.allowed_next(current_status)
            self.fields["then_status"].choices = [  # type: ignore[attr-defined]
                ("", _("Leave as is")),
                *[(value, label) for value, label in Status.choices if value in allowed],
            ]


class NoteForm(UploadFormMixin):
    body = forms.CharField(
        label=gettext_lazy("Internal note"), widget=forms.Textarea(attrs={"rows": 4}), max_length=200_000
    )
    attachments = MultipleFileField(label=gettext_lazy("Attachments"))


class MergeForm(forms.Form):
    into = forms.CharField(
        label=gettext_lazy("Ticket number"),
        max_length=30,
        help_text=gettext_lazy("The ticket to keep, e.g. UP-10234. This ticket is closed and its messages move there."),
    )


class StatusForm(forms.Form):
    # Every status parses; whether the change is allowed from the current one is the service's call (409).
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Status.choices)

    def __init__(self, *args: Any, current_status: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = rules.allowed_next(current_status)
        self.offered = [(value, label) for value, label in Status.choices if value in allowed]


class TicketFieldsForm(forms.Form):
    priority = forms.TypedChoiceField(label=gettext_lazy("Priority"), coerce=int, choices=Priority.choices)
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=Category.choices)
    tier = forms.ChoiceField(label=gettext_lazy("Support tier"), choices=Tier.choices)
    assignee = AgentChoiceField(
        label=gettext_lazy("Assignee"), required=False, queryset=agent_queryset(), empty_label=gettext_lazy("Nobody")
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"),
        required=False,
        queryset=Team.objects.order_by("name"),
        empty_label=gettext_lazy("None"),
    )
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product"),
        required=False,
        queryset=Product.objects.order_by("name"),
        empty_label=gettext_lazy("Not stated"),
    )
    product_version = forms.TypedChoiceField(
        label=gettext_lazy("Version"), required=False, coerce=int, empty_value=None
    )
    tags = forms.CharField(
        label=gettext_lazy("Tags"), required=False, max_length=1000, help_text=gettext_lazy("Separated by commas")
    )
    platform = forms.ChoiceField(label=gettext_lazy("Platform / deployment"), required=False, choices=Platform.choices)
    environment = forms.CharField(
        label=gettext_lazy("Environment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    recent_changes = forms.CharField(
        label=gettext_lazy("What changed recently"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    purchase_date = forms.DateField(
        label=gettext_lazy("Purchase date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    access_notes = forms.CharField(
        label=gettext_lazy("Access notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    INTAKE = ("platform", "environment", "recent_changes", "purchase_date", "access_notes")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the chosen product's versions; htmx refreshes the list when the product changes.
        self.fields["product_version"].choices = version_choices(  # type: ignore[attr-defined]
            products_with_versions(None if self.is_bound else chosen(self, "product")), _("Not stated")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        version_id = data.get("product_version")
        if (
            version_id is not None
            and data.get("product") is not None
            and version_id == self.initial.get("product_version")
        ):
            current = ProductVersion.objects.filter(id=version_id).values_list("product_id", flat=True).first()
            if current != data["product"].id:
                # The product changed and the version field was left as it was: the old version no longer applies.
                version_id = None
        try:
            version = version_of(data.get("product"), version_id)
        except forms.ValidationError as exc:
            self.add_error("product_version", exc)
            return data
        if version is not None and data.get("product") is None:
            data["product"] = version.product
        data["version"] = version
        return data

    @classmethod
    def initial_for(cls, ticket: Any, tags: Sequence[str]) -> dict[str, Any]:
        return {
            "priority": ticket.priority,
            "category": ticket.category,
            "tier": ticket.tier,
            "assignee": ticket.assignee_id,
            "team": ticket.team_id,
            "product": ticket.product_id,
            "product_version": ticket.product_version_id,
            "tags": ", ".join(tags),
            **{name: getattr(ticket, name) for name in cls.INTAKE},
        }
