from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from upstream.channels.email.models import Mailbox, ProcessedAction

# Secrets are write-only: the form never shows them back; leaving the field empty keeps the stored value.
SECRET_FIELDS = ("imap_password", "oauth2_client_secret", "oauth2_refresh_token")


class MailboxForm(forms.ModelForm[Mailbox]):
    oauth2_token_url = forms.URLField(
        label=_("OAuth2 token URL"), required=False, assume_scheme="https", max_length=200,
        help_text=_("for example https://oauth2.googleapis.com/token"),
    )  # fmt: skip

    class Meta:
        model = Mailbox
        fields = [
            "name", "address", "team", "active", "imap_host", "imap_port", "imap_security", "imap_username",
            "imap_password", "oauth2_token_url", "oauth2_client_id", "oauth2_client_secret", "oauth2_refresh_token",
            "folder", "processed_action", "move_to", "unknown_senders", "fallback_organisation", "auto_acknowledge",
        ]  # fmt: skip
        widgets = {
            "imap_password": forms.PasswordInput(render_value=False),
            "oauth2_client_secret": forms.PasswordInput(render_value=False),
            "oauth2_refresh_token": forms.PasswordInput(render_value=False),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            field = self.fields[name]
            field.required = False
            if self.instance.pk and getattr(self.instance, name):
                field.help_text = _("stored; leave empty to keep it")

    def clean_address(self) -> str:
        return str(self.cleaned_data["address"]).strip().lower()

    def clean_imap_port(self) -> int:
        port = int(self.cleaned_data["imap_port"])
        if not 1 <= port <= 65535:
            raise forms.ValidationError(_("A port is a number from 1 to 65535."))
        return port

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in SECRET_FIELDS:
            if not data.get(name) and self.instance.pk:
                data[name] = getattr(self.instance, name)
        if data.get("imap_host"):
            if not data.get("imap_username"):
                self.add_error("imap_username", _("Fetching over IMAP needs a user name."))
            if not data.get("imap_password") and not data.get("oauth2_refresh_token"):
                self.add_error("imap_password", _("Give a password or an OAuth2 refresh token."))
        if data.get("oauth2_refresh_token") and not (data.get("oauth2_token_url") and data.get("oauth2_client_id")):
            self.add_error("oauth2_token_url", _("OAuth2 needs the provider's token URL and a client ID."))
        if data.get("processed_action") == ProcessedAction.MOVE and not (data.get("move_to") or "").strip():
            self.add_error("move_to", _("Name the folder processed mail moves to."))
        return data
