"""Personal data of one contact: export everything about them; erase (anonymise) them keeping ticket statistics.

Export: every row of every exported entity that points to the contact or to their login (found generically through
the foreign keys, so models added later are covered), plus the public conversation of the tickets they requested and
the raw emails they sent, as a small tar.gz: `personal.json` and `files/` (their attachments and raw emails).

Erasure (see docs/export.md, "Personal data"): the contact's name, email and phone become placeholders; the login is
detached, renamed, deactivated and its API tokens deleted; their raw emails are deleted and the sender address on the
stored record replaced; their name, email and phone are replaced in the text of their messages, their tickets'
subjects, outgoing mail and notifications about their tickets, their survey and feedback comments and success notes;
follower and deliverability records of their address are deleted. Tickets, their counts, timestamps, statuses,
SLA state and events, survey scores and time entries stay, so every statistic is unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import tarfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q

from upstream.accounts import audit
from upstream.accounts.models import ApiToken, User
from upstream.channels.email.models import Follower, InboundEmail
from upstream.core import clock
from upstream.core.errors import Forbidden
from upstream.customers.models import Contact
from upstream.notifications.models import EmailAddressState, Notification, OutboundEmail
from upstream.portability.registry import importable
from upstream.portability.serialise import encoder_for
from upstream.tickets.models import Message, MessageKind, Ticket

PERSONAL_FORMAT = "upstream-personal-data"
PERSONAL_VERSION = 1
ERASED_TEXT = "[removed]"


def _encode(obj: models.Model) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        encode = encoder_for(f.target_field if f.is_relation else f)  # type: ignore[attr-defined]
        value = getattr(obj, f.attname)
        row[f.name] = encode(value.name if isinstance(value, models.fields.files.FieldFile) else value)
    return row


def _about(model: type[models.Model], contact: Contact) -> Q | None:
    """Rows of `model` that point to the contact or their login (None: the model has no such reference)."""
    label = model._meta.label_lower
    if label == "customers.contact":
        return Q(pk=contact.pk)
    if label == "accounts.user":
        return Q(pk=contact.user_id) if contact.user_id else None
    condition = Q()
    for f in model._meta.concrete_fields:
        related: Any = f.related_model
        target = related._meta.label_lower if f.is_relation and related is not None else ""
        if target == "customers.contact":
            condition |= Q(**{f.name: contact.pk})
        elif target == "accounts.user" and contact.user_id:
            condition |= Q(**{f.name: contact.user_id})
    return condition or None


def personal_rows(contact: Contact) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for label, model in importable().items():
        condition = _about(model, contact)
        if label == "tickets.message":
            # The public conversation of their tickets is about them too.
            conversation = Q(ticket__requester=contact, kind=MessageKind.PUBLIC)
            condition = conversation if condition is None else condition | conversation
        if label == "email_channel.inboundemail":
            condition = Q(from_address__iexact=contact.email) | Q(ticket_message__author_contact=contact)
        if condition is None:
            continue
        rows = [_encode(obj) for obj in model._base_manager.filter(condition).order_by("pk")]
        if rows:
            found[label] = rows
    if "accounts.user" in found:
        for row in found["accounts.user"]:
            row.pop("password", None)  # a hash is no one's business, not even its owner's
    return found


def export_contact(contact: Contact, path: Path, *, by: User | None) -> dict[str, int]:
    """Writes `personal.json` and the files they sent into a tar.gz at `path`; audited."""
    rows = personal_rows(contact)
    document = {
        "format": PERSONAL_FORMAT,
        "schema_version": PERSONAL_VERSION,
        "created_at": clock.now().astimezone(dt.UTC).isoformat(),
        "contact": {"id": contact.pk, "name": contact.name, "email": contact.email},
        "entities": rows,
    }
    files = [
        (model_field, row)
        for model_field in ((InboundEmail, "raw"), (apps.get_model("tickets.attachment"), "file"))
        for row in rows.get(model_field[0]._meta.label_lower, [])
    ]
    partial = path.with_name(path.name + ".part")
    with tarfile.open(partial, "w:gz") as tar:
        data = json.dumps(document, ensure_ascii=False, indent=1).encode()
        info = tarfile.TarInfo("personal.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        for (model, field_name), row in files:
            name = row[field_name]
            storage = model._meta.get_field(field_name).storage  # type: ignore[union-attr]
            if name and storage.exists(name):
                info = tarfile.TarInfo(f"files/{name}")
                info.size = storage.size(name)
                with storage.open(name, "rb") as handle:
                    tar.addfile(info, handle)
    partial.replace(path)
    counts = {label: len(entity_rows) for label, entity_rows in rows.items()}
    with transaction.atomic():
        audit.record(by, "contact.exported", contact, f"Personal data of contact #{contact.pk} exported", rows=counts)
    return counts


@dataclass
class Erasure:
    contact_id: int
    changed: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, n: int) -> None:
        if n:
            self.changed[what] = self.changed.get(what, 0) + n


class _Scrubber:
    """Replaces a person's identifiers in free text (case-insensitive for the email address)."""

    def __init__(self, contact: Contact) -> None:
        needles = [contact.email, contact.name, contact.phone]
        if contact.user is not None:
            needles += [contact.user.email, contact.user.full_name, contact.user.get_full_name()]
        unique = sorted({n.strip() for n in needles if n and len(n.strip()) >= 3}, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(n) for n in unique), re.IGNORECASE) if unique else None

    def __call__(self, text: str) -> str:
        return self.pattern.sub(ERASED_TEXT, text) if self.pattern and text else text

    def json(self, value: Any) -> Any:
        return json.loads(self(json.dumps(value, ensure_ascii=False))) if self.pattern else value


def _scrub_rows(queryset: Any, fields: list[str], scrub: _Scrubber) -> int:
    changed = 0
    for obj in queryset:
        updates = {name: scrub(getattr(obj, name)) for name in fields}
        if any(getattr(obj, name) != value for name, value in updates.items()):
            type(obj)._base_manager.filter(pk=obj.pk).update(**updates)
            changed += 1
    return changed


@transaction.atomic
def erase_contact(*, by: User | None, contact: Contact) -> Erasure:
    """Anonymises a contact (admins only; `by=None` for the command line, run by whoever holds the server)."""
    if by is not None and not by.is_admin:
        raise Forbidden("only an admin may erase a contact's personal data")
    contact = Contact.objects.select_related("user").select_for_update(of=("self",)).get(pk=contact.pk)
    scrub, email, user = _Scrubber(contact), contact.email, contact.user
    result = Erasure(contact.pk)
    mine = Q(author_contact=contact) | Q(ticket__requester=contact)
    if user is not None:
        mine |= Q(author_user=user)
    result.count("messages", _scrub_rows(Message.objects.filter(mine), ["body_text", "body_html"], scrub))
    result.count("tickets", _scrub_rows(Ticket.objects.filter(requester=contact), ["subject"], scrub))
    result.count("raw emails", _erase_raw_emails(contact, email))
    # icontains on the JSON text, not `contains`: SQLite (the zero-setup default) has no JSON containment.
    addressed = Q(to__icontains=email) | Q(cc__icontains=email) if email else Q(pk__in=[])
    outgoing = OutboundEmail.objects.filter(Q(ticket__requester=contact) | addressed)
    result.count("outgoing emails", _scrub_outbound(outgoing, scrub))
    result.count("notifications", _scrub_rows(Notification.objects.filter(ticket__requester=contact), ["text"], scrub))
    result.count("followers", Follower.objects.filter(Q(contact=contact) | Q(email__iexact=email)).delete()[0])
    result.count("address states", EmailAddressState.objects.filter(email__iexact=email).delete()[0])
    result.count("comments", _scrub_related_text(contact, scrub))
    if user is not None:
        result.count("api tokens", ApiToken.objects.filter(user=user).delete()[0])
        user.username, user.email = f"erased-{user.pk}", ""
        user.first_name = user.last_name = user.full_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
    contact.name, contact.email, contact.phone = (
        f"Erased contact {contact.pk}",
        f"erased-{contact.pk}@erased.invalid",
        "",
    )
    contact.user = None
    contact.save()
    audit.record(
        by, "contact.erased", contact, f"Personal data of contact #{contact.pk} erased", changed=result.changed
    )
    return result


def _erase_raw_emails(contact: Contact, email: str) -> int:
    inbound = InboundEmail.objects.filter(Q(from_address__iexact=email) | Q(ticket_message__author_contact=contact))
    erased = 0
    for record in inbound:
        if record.raw:
            # The bytes go once the erasure commits: a rolled-back erasure must leave the raw email readable.
            transaction.on_commit(partial(record.raw.storage.delete, record.raw.name))
        InboundEmail.objects.filter(pk=record.pk).update(raw="", from_address=ERASED_TEXT)
        erased += 1
    return erased


def _scrub_outbound(outgoing: Any, scrub: _Scrubber) -> int:
    changed = 0
    for mail in outgoing:
        updates = {
            "to": scrub.json(mail.to),
            "cc": scrub.json(mail.cc),
            "subject": scrub(mail.subject),
            "body_text": scrub(mail.body_text),
            "body_html": scrub(mail.body_html),
            "headers": scrub.json(mail.headers),
        }
        OutboundEmail.objects.filter(pk=mail.pk).update(**updates)
        changed += 1
    return changed


# Free-text fields written by or about a contact in downstream apps: (entity, text fields, lookup to the contact).
RELATED_TEXT: list[tuple[str, list[str], str]] = [
    ("surveys.csatsurvey", ["comment"], "contact"),
    ("surveys.npssurvey", ["comment"], "contact"),
    ("success.interaction", ["summary"], "contact"),
    ("kb.articlefeedback", ["comment"], "user__contact"),
    ("kb_assist.deflection", ["question"], "user__contact"),
]


def _scrub_related_text(contact: Contact, scrub: _Scrubber) -> int:
    changed = 0
    for label, fields, lookup in RELATED_TEXT:
        model = apps.get_model(label)
        changed += _scrub_rows(model._base_manager.filter(**{lookup: contact}), fields, scrub)
    return changed
