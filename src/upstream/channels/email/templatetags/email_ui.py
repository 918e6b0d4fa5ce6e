"""Email state on ticket pages (loaded by tickets templates by name, so tickets imports nothing from here)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from upstream.notifications.models import EmailAddressState

register = template.Library()


@register.simple_tag
def undeliverable_warning(address: str) -> SafeString | str:
    """A warning next to an address our email to it hard-bounced (the outbox no longer writes to it)."""
    state = EmailAddressState.objects.filter(email=address.strip().lower(), undeliverable=True).first()
    if state is None:
        return ""
    return format_html(
        '<div class="error-text" role="status">{}</div>',
        _("Emails to this address bounce (%(reason)s); replies are not emailed until it is corrected.")
        % {"reason": state.reason or _("undeliverable")},
    )
