"""A small email world for service tests: a mailbox, a customer organisation with a domain, a contact, an agent,
and a builder of raw messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from upstream.accounts.models import Team, User
from upstream.channels.email.ingest import IngestResult, ingest
from upstream.channels.email.models import Mailbox, Via
from upstream.core.testing import make_agent, make_contact, make_org, make_team
from upstream.customers.models import Contact, Organisation


@dataclass
class MailWorld:
    mailbox: Mailbox
    team: Team
    org: Organisation
    contact: Contact
    agent: User


def make_mail_world(**mailbox_fields: object) -> MailWorld:
    team = make_team("Email support")
    org = make_org("Acme Cloud", domain="acme.test", team=team)
    contact = make_contact(org, email="li.na@acme.test", name="Li Na")
    agent = make_agent(team)
    mailbox = Mailbox.objects.create(name="Support", address="support@vendor.test", team=team, **mailbox_fields)
    return MailWorld(mailbox=mailbox, team=team, org=org, contact=contact, agent=agent)


def build(
    *,
    sender: str = "Li Na <li.na@acme.test>",
    to: str = "support@vendor.test",
    subject: str = "Backups fail after upgrade",
    body: str = "Since the upgrade to 2.4 the nightly backup fails with error 17.",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    cc: str = "",
    headers: dict[str, str] | None = None,
    html: str = "",
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    if message_id != "":
        message["Message-ID"] = message_id if message_id is not None else make_msgid(domain="acme.test")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


def deliver(raw: bytes, mailbox: Mailbox | None = None, via: str = Via.PIPE) -> IngestResult:
    return ingest(raw, via=via, mailbox=mailbox)
