"""Who wrote: the sender of an email as a contact of an organisation (by contact, then by email domain, then by the
mailbox's policy for unknown senders)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from upstream.channels.email.models import Follower, Mailbox, UnknownSenders
from upstream.channels.email.parsing import Address
from upstream.customers.models import Contact, Membership, Organisation, OrganisationDomain
from upstream.tickets.models import Ticket

# Where unknown senders land when a mailbox names no organisation for them.
UNSORTED_ORGANISATION = "Unsorted email senders"


@dataclass(frozen=True)
class Placement:
    contact: Contact
    organisation: Organisation


def find_contact(email: str) -> Contact | None:
    # With its login, if any: the reply's language is the login's (no second query).
    return Contact.objects.select_related("user").filter(email__iexact=email.strip()).first()


def _domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower().strip()


def _organisation_by_domain(email: str) -> Organisation | None:
    # Domains are stored lower-case (OrganisationDomain.save): an exact match uses the unique index.
    domain = OrganisationDomain.objects.filter(domain=_domain(email)).select_related("organisation").first()
    return domain.organisation if domain else None


def _create_contact(address: Address, organisation: Organisation) -> Contact:
    name = (address.name or address.email.split("@", 1)[0]).strip()[:200]
    contact, _ = Contact.objects.get_or_create(email=address.email.lower(), defaults={"name": name})
    Membership.objects.get_or_create(contact=contact, organisation=organisation)
    return contact


def participant(ticket: Ticket, sender: Address, contact: Contact | None) -> Contact | None:
    """The contact who may write on `ticket`: a member of its organisation (existing, or new by the organisation's
    email domain) or a follower. None for anyone else."""
    if contact is not None:
        if Membership.objects.filter(contact=contact, organisation_id=ticket.organisation_id).exists():
            return contact
        if Follower.objects.filter(ticket=ticket, email__iexact=contact.email).exists():
            return contact
        return None
    if Follower.objects.filter(ticket=ticket, email__iexact=sender.email).exists():
        return _create_contact(sender, ticket.organisation)
    by_domain = _organisation_by_domain(sender.email)
    if by_domain is not None and by_domain.id == ticket.organisation_id:
        return _create_contact(sender, by_domain)
    return None


def place_sender(sender: Address, contact: Contact | None, mailbox: Mailbox | None) -> Placement | None:
    """The contact and organisation a new ticket from `sender` belongs to; None when the mailbox refuses strangers."""
    if contact is not None:
        membership = _preferred_membership(contact)
        if membership is not None:
            return Placement(contact, membership.organisation)
    organisation = _organisation_by_domain(sender.email)
    if organisation is not None:
        return Placement(_create_contact(sender, organisation), organisation)
    if mailbox is not None and mailbox.unknown_senders == UnknownSenders.REFUSE:
        return None
    fallback = mailbox.fallback_organisation if mailbox and mailbox.fallback_organisation_id else None
    if fallback is None:
        fallback, _ = Organisation.objects.get_or_create(name=UNSORTED_ORGANISATION)
    return Placement(_create_contact(sender, fallback), fallback)


def _preferred_membership(contact: Contact) -> Membership | None:
    """A contact in several organisations writes for the one owning their email domain, else the oldest (one query)."""
    owns_domain = Exists(
        OrganisationDomain.objects.filter(organisation=OuterRef("organisation"), domain=_domain(contact.email))
    )
    return (
        Membership.objects.filter(contact=contact)
        .select_related("organisation")
        .annotate(owns_domain=owns_domain)
        .order_by("-owns_domain", "id")
        .first()
    )


def colleague(organisation: Organisation, address: Address) -> Contact | None:
    """A Cc'd address as a contact of `organisation`: already one, or new because it has the organisation's domain."""
    contact = find_contact(address.email)
    if contact is not None:
        if Membership.objects.filter(contact=contact, organisation=organisation).exists():
            return contact
        return None
    by_domain = _organisation_by_domain(address.email)
    if by_domain is not None and by_domain.id == organisation.id:
        return _create_contact(address, organisation)
    return None
