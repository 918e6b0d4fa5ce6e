"""Who wrote: the sender of an email as a contact of an organisation (by contact, then by email domain, then by the
mailbox's policy for unknown senders)."""

from __future__ import annotations

from dataclasses import dataclass

from upstream.channels.email.lookups import Lookups, insert_unless_taken
from upstream.channels.email.models import Follower, Mailbox, UnknownSenders
from upstream.channels.email.parsing import Address
from upstream.customers.models import Contact, Membership, Organisation
from upstream.tickets.models import Ticket

# Where unknown senders land when a mailbox names no organisation for them.
UNSORTED_ORGANISATION = "Unsorted email senders"


@dataclass(frozen=True)
class Placement:
    contact: Contact
    organisation: Organisation


def find_contact(email: str, lookups: Lookups | None = None) -> Contact | None:
    return (lookups or Lookups()).contact(email)


def _create_contact(address: Address, organisation: Organisation, lookups: Lookups) -> Contact:
    name = (address.name or address.email.split("@", 1)[0]).strip()[:200]
    email = address.email.lower()
    if not lookups.prefetched:  # one message alone: savepoints catch a concurrent insert
        contact, created = Contact.objects.get_or_create(email=email, defaults={"name": name})
        if created:  # a contact created just now has no membership yet: no need to look for one
            membership = Membership.objects.create(contact=contact, organisation=organisation)
        else:
            membership, _ = Membership.objects.get_or_create(contact=contact, organisation=organisation)
        lookups.remember_contact(contact, membership)
        return contact
    # A batch (no savepoints): inserts that skip a row a concurrent fetch wrote (or is writing: PostgreSQL waits for
    # its commit), then read that row, so the batch never fails on a unique key.
    known = lookups.contact(email)
    if known is not None:
        contact = known
    else:
        contact = Contact(email=email, name=name)
        if insert_unless_taken(contact):
            membership = Membership.objects.create(contact=contact, organisation=organisation)  # nobody sees it yet
            lookups.remember_contact(contact, membership)
            return contact
        contact = Contact.objects.select_related("user").get(email=email)
        lookups.forget_memberships(contact)
    existing = next((m for m in lookups.memberships(contact) if m.organisation_id == organisation.id), None)
    if existing is not None:
        lookups.remember_contact(contact)
        return contact
    membership = Membership(contact=contact, organisation=organisation)
    if not insert_unless_taken(membership):
        membership = Membership.objects.get(contact=contact, organisation=organisation)
    membership.organisation = organisation
    lookups.remember_contact(contact, membership)
    return contact


def participant(ticket: Ticket, sender: Address, contact: Contact | None, lookups: Lookups) -> Contact | None:
    """The contact who may write on `ticket`: a member of its organisation (existing, or new by the organisation's
    email domain) or a follower. None for anyone else."""
    if contact is not None:
        if lookups.is_member(contact, ticket.organisation_id):
            return contact
        if Follower.objects.filter(ticket=ticket, email__iexact=contact.email).exists():
            return contact
        return None
    if Follower.objects.filter(ticket=ticket, email__iexact=sender.email).exists():
        return _create_contact(sender, ticket.organisation, lookups)
    by_domain = lookups.organisation_by_domain(sender.email)
    if by_domain is not None and by_domain.id == ticket.organisation_id:
        return _create_contact(sender, by_domain, lookups)
    return None


def place_sender(
    sender: Address, contact: Contact | None, mailbox: Mailbox | None, lookups: Lookups
) -> Placement | None:
    """The contact and organisation a new ticket from `sender` belongs to; None when the mailbox refuses strangers."""
    if contact is not None:
        membership = _preferred_membership(contact, lookups)
        if membership is not None:
            return Placement(contact, membership.organisation)
    organisation = lookups.organisation_by_domain(sender.email)
    if organisation is not None:
        return Placement(_create_contact(sender, organisation, lookups), organisation)
    if mailbox is not None and mailbox.unknown_senders == UnknownSenders.REFUSE:
        return None
    fallback = mailbox.fallback_organisation if mailbox and mailbox.fallback_organisation_id else None
    if fallback is None:
        fallback = _unsorted_organisation(lookups)
    return Placement(_create_contact(sender, fallback, lookups), fallback)


def _preferred_membership(contact: Contact, lookups: Lookups) -> Membership | None:
    """A contact in several organisations writes for the one owning their email domain, else the oldest."""
    memberships = lookups.memberships(contact)
    owner = lookups.organisation_by_domain(contact.email)
    owning = [m for m in memberships if owner is not None and m.organisation_id == owner.id]
    preferred = owning or memberships
    return preferred[0] if preferred else None


def colleague(organisation: Organisation, address: Address, lookups: Lookups) -> Contact | None:
    """A Cc'd address as a contact of `organisation`: already one, or new because it has the organisation's domain."""
    contact = lookups.contact(address.email)
    if contact is not None:
        return contact if lookups.is_member(contact, organisation.id) else None
    by_domain = lookups.organisation_by_domain(address.email)
    if by_domain is not None and by_domain.id == organisation.id:
        return _create_contact(address, organisation, lookups)
    return None


def _unsorted_organisation(lookups: Lookups) -> Organisation:
    if not lookups.prefetched:
        return Organisation.objects.get_or_create(name=UNSORTED_ORGANISATION)[0]
    found = Organisation.objects.filter(name=UNSORTED_ORGANISATION).first()
    if found is not None:
        return found
    created = Organisation(name=UNSORTED_ORGANISATION)
    if insert_unless_taken(created):  # a concurrent fetch may be creating it too
        return created
    return Organisation.objects.get(name=UNSORTED_ORGANISATION)
