"""Badges and labels for tickets: the CSS classes live here, not on the models."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from django import template
from django.conf import settings
from django.forms import BoundField, ModelChoiceField
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from upstream.tickets import presentation, rules
from upstream.tickets.models import Message

register = template.Library()


@register.simple_tag
def priority_badge(priority: int, long: bool = False) -> SafeString:
    label = presentation.priority_label(priority)
    text = label if long else f"P{priority}"
    return format_html('<span class="badge prio prio-{}" title="{}">{}</span>', priority, label, text)


@register.simple_tag
def status_label(status: str) -> SafeString:
    return format_html('<span class="status status-{}">{}</span>', status, presentation.status_label(status))


@register.simple_tag
def select(field: BoundField) -> SafeString:
    """A <select> for a choice field, built directly: Django's widget templates render every <option> through the
    template engine, which made the inbox filter bar the slowest part of the page."""
    current = field.value()
    selected = (
        {str(v) for v in current} if isinstance(current, list | tuple) else {"" if current is None else str(current)}
    )
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, mark_safe(" selected") if str(value) in selected else "", label) for value, label in _flat(field)),
    )
    return format_html('<select name="{}" id="{}">{}</select>', field.html_name, field.auto_id, options)


def _flat(field: BoundField) -> Iterator[tuple[object, object]]:
    form_field = field.field
    if isinstance(form_field, ModelChoiceField):
        # Iterating the queryset itself avoids ModelChoiceIterator's server-side cursor (three round trips).
        if form_field.empty_label is not None:
            yield "", form_field.empty_label
        for obj in form_field.queryset:  # type: ignore[union-attr]
            yield obj.pk, form_field.label_from_instance(obj)
        return
    for value, label in form_field.choices:  # type: ignore[attr-defined]
        if isinstance(label, list | tuple):  # an optgroup: flatten (filters have none, but stay correct)
            yield from label
        else:
            yield value, label


@register.filter
def ticket_ref(number: int) -> str:
    return rules.format_number(settings.TICKET_PREFIX, number)


_CID_SRC = re.compile(r'src="cid:([^"]+)"', re.IGNORECASE)


@register.filter
def message_body(message: Message) -> SafeString:
    """The message's sanitised HTML with `cid:` images (inline images of an email) pointing at their attachments."""
    markup = message.body_html
    if "cid:" not in markup:
        return mark_safe(markup)  # sanitised when stored
    by_cid = {a.content_id: a.id for a in message.attachments.all() if a.content_id}

    def point(match: re.Match[str]) -> str:
        attachment_id = by_cid.get(html.unescape(match.group(1)))
        if attachment_id is None:
            return 'src=""'
        return f'src="{reverse("tickets:attachment", args=[attachment_id])}?inline=1"'

    return mark_safe(_CID_SRC.sub(point, markup))  # only src attributes change, to our URLs
