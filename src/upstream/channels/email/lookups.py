"""What routing reads about the world and the bookkeeping rows it writes, kept for one transaction.

An IMAP fetch routes a batch of messages in one transaction (`batch.ingest_many`). The batch asks the database once
for what all of its messages need (our mailbox addresses, the senders and Cc'd people as contacts with their
memberships, the email domains, the Message-IDs they cite, how many automatic replies each sender had lately) and
writes the thread ids and auto-reply records of all its messages in one statement each at the end (`flush`), before
the commit. A single message (MTA pipe, SMTP, a retry) uses the same object without the prefetch: each lookup is
then read on first use and remembered for the rest of that message.

Everything here is only valid inside the transaction that filled it: a rolled-back batch throws its Lookups away.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import models
from django.db.models import Count
from django.db.models.constants import OnConflict
from django.db.models.functions import Upper
from django.db.models.sql import InsertQuery

from upstream.accounts.models import Team
from upstream.channels.email.models import AutoReply, Direction, Mailbox, ThreadId
from upstream.core import clock
from upstream.customers import entitlements
from upstream.customers.models import Contact, Contract, Membership, Organisation, OrganisationDomain
from upstream.tickets.models import Message, Ticket


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower().strip()


def insert_unless_taken(obj: models.Model) -> bool:
    """`INSERT … ON CONFLICT DO NOTHING RETURNING id` in one statement: True, with `obj.pk` set, when the row went
    in; False when a row with the same natural key (a unique constraint) is already there. A row a concurrent
    transaction is inserting makes PostgreSQL wait for it, then skip: two fetch workers meeting the same new sender
    both go on, one creating the contact, the other reading it afterwards, instead of one failing its whole batch on
    the unique key (a batch has no savepoints to catch it in)."""
    meta = obj._meta
    query = InsertQuery(type(obj), on_conflict=OnConflict.IGNORE)
    query.insert_values([f for f in meta.concrete_fields if not f.primary_key], [obj])
    compiler = query.get_compiler(using=obj._state.db or "default")
    compiler.returning_fields = [meta.pk]
    ((sql, params),) = compiler.as_sql()
    with compiler.connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = compiler.using
    return True


class Lookups:
    def __init__(self) -> None:
        self._our_addresses: list[str] | None = None
        self._mailboxes: dict[str, Mailbox | None] = {}
        self._contacts: dict[str, Contact | None] = {}  # lower-case email -> contact (None: known not to exist)
        self._memberships: dict[int, list[Membership]] = {}  # contact id -> memberships, organisation loaded
        self._domains: dict[str, Organisation | None] = {}  # lower-case domain -> the organisation owning it
        self._threads: dict[str, int] = {}  # Message-ID -> ticket id, read or written in this transaction
        self._unthreaded: set[str] = set()  # Message-IDs known not to be stored
        self._auto_replies: dict[str, int] = {}  # lower-case address -> automatic replies within the window
        self._new_threads: list[ThreadId] = []
        self._new_auto_replies: list[AutoReply] = []
        self._numbers: list[int] = []  # ticket numbers reserved for this transaction, not used yet
        self._contracts: dict[int, list[Contract]] = {}  # organisation id -> its contracts on `_contracts_on`
        self._contracts_on: date | None = None
        self._unentitled_team: tuple[Team | None] | None = None  # read once, when a request is not entitled
        # True in a batch: what was read up front is all there is, so a contact known to be missing is inserted
        # directly, with ON CONFLICT DO NOTHING (`insert_unless_taken`) for a concurrent fetch creating it too.
        self.prefetched = False

    # --- prefetch (a batch) ---------------------------------------------------------------------------------------

    def prefetch(self, *, addresses: Iterable[str], cited_ids: Iterable[str], auto_reply_window: timedelta) -> None:
        """Read, in a handful of statements, what routing the batch will ask for (addresses: senders and Cc'd)."""
        self.prefetched = True
        emails = sorted({a.strip().lower() for a in addresses if a and "@" in a})
        self.our_addresses()
        self._prefetch_contacts(emails)
        self._prefetch_domains({domain_of(e) for e in emails})
        self._prefetch_threads(sorted(set(cited_ids)))
        since = clock.now() - auto_reply_window
        counts = dict(
            AutoReply.objects.filter(address__in=emails, sent_at__gte=since)
            .values_list("address")
            .annotate(n=Count("id"))
            .order_by()
        )
        self._auto_replies.update({email: counts.get(email, 0) for email in emails})
        # The contracts of every organisation a new ticket of the batch can be for (its senders', its domains').
        organisations = {m.organisation_id for ms in self._memberships.values() for m in ms}
        organisations |= {o.id for o in self._domains.values() if o is not None}
        self._prefetch_contracts(organisations)

    def _prefetch_contracts(self, organisation_ids: set[int]) -> None:
        on = clock.now().date()
        if on != self._contracts_on:
            self._contracts, self._contracts_on = {}, on
        missing = organisation_ids - self._contracts.keys()
        if missing:
            self._contracts.update(entitlements.contracts_by_organisation(missing, on))

    def _prefetch_contacts(self, emails: list[str]) -> None:
        if not emails:
            return
        for email in emails:
            self._contacts.setdefault(email, None)
        found = (
            Contact.objects.select_related("user")
            .annotate(email_upper=Upper("email"))
            .filter(email_upper__in=[e.upper() for e in emails])
            .order_by("id")
        )
        for contact in found:  # two contacts differing only in case: the oldest one
            if self._contacts.get(contact.email.lower()) is None:
                self._contacts[contact.email.lower()] = contact
        ids = [c.id for c in self._contacts.values() if c is not None]
        self._memberships.update({contact_id: [] for contact_id in ids})
        for membership in Membership.objects.filter(contact_id__in=ids).select_related("organisation").order_by("id"):
            self._memberships[membership.contact_id].append(membership)

    def _prefetch_domains(self, domains: set[str]) -> None:
        if not domains:
            return
        for domain in domains:
            self._domains.setdefault(domain, None)
        for row in OrganisationDomain.objects.filter(domain__in=sorted(domains)).select_related("organisation"):
            self._domains[row.domain] = row.organisation

    def _prefetch_threads(self, cited: list[str]) -> None:
        if not cited:
            return
        known = dict(ThreadId.objects.filter(message_id__in=cited).values_list("message_id", "ticket_id"))
        self._threads.update(known)
        self._unthreaded.update(mid for mid in cited if mid not in known)

    # --- reads ----------------------------------------------------------------------------------------------------

    def our_addresses(self) -> list[str]:
        if self._our_addresses is None:
            self._our_addresses = list(Mailbox.objects.values_list("address", flat=True))
        return self._our_addresses

    def mailbox(self, address: str) -> Mailbox | None:
        key = address.lower()
        if key not in self._mailboxes:
            self._mailboxes[key] = Mailbox.objects.filter(address__iexact=key).first()
        return self._mailboxes[key]

    def contact(self, email: str) -> Contact | None:
        """The contact with this address (any case), with its login loaded."""
        key = email.strip().lower()
        if key not in self._contacts:
            # With its login, if any: the reply's language is the login's (no second query).
            self._contacts[key] = Contact.objects.select_related("user").filter(email__iexact=key).first()
        return self._contacts[key]

    def memberships(self, contact: Contact) -> list[Membership]:
        """The contact's memberships, oldest first, with their organisations."""
        if contact.id not in self._memberships:
            self._memberships[contact.id] = list(
                Membership.objects.filter(contact=contact).select_related("organisation").order_by("id")
            )
        return self._memberships[contact.id]

    def is_member(self, contact: Contact, organisation_id: int) -> bool:
        return any(m.organisation_id == organisation_id for m in self.memberships(contact))

    def organisation_by_domain(self, email: str) -> Organisation | None:
        # Domains are stored lower-case (OrganisationDomain.save): an exact match uses the unique index.
        domain = domain_of(email)
        if domain not in self._domains:
            row = OrganisationDomain.objects.filter(domain=domain).select_related("organisation").first()
            self._domains[domain] = row.organisation if row else None
        return self._domains[domain]

    def requester_organisation_ids(self, contact: Contact) -> frozenset[int]:
        return frozenset(m.organisation_id for m in self.memberships(contact))

    def entitlement_facts(self, organisation: Organisation) -> entitlements.KnownFacts:
        """The organisation's contracts today (read with the batch, or now and kept) for `open_ticket`."""
        self._prefetch_contracts({organisation.id})
        assert self._contracts_on is not None
        return entitlements.KnownFacts(self._contracts_on, self._contracts[organisation.id], self.unentitled_team)

    def unentitled_team(self) -> Team | None:
        if self._unentitled_team is None:
            self._unentitled_team = (entitlements.unentitled_team(),)
        return self._unentitled_team[0]

    def threaded_ticket_id(self, cited: Iterable[str]) -> int | None:
        """The ticket of the first cited Message-ID we know (received or sent), in the order given."""
        cited = list(cited)
        unknown = [mid for mid in cited if mid not in self._threads and mid not in self._unthreaded]
        if unknown:
            self._prefetch_threads(unknown)
        return next((self._threads[mid] for mid in cited if mid in self._threads), None)

    def auto_replies(self, address: str, window: timedelta) -> int:
        key = address.strip().lower()
        if key not in self._auto_replies:
            since = clock.now() - window
            self._auto_replies[key] = AutoReply.objects.filter(address=key, sent_at__gte=since).count()
        return self._auto_replies[key]

    def thread_ids_of(self, ticket: Ticket) -> list[tuple[str, str]] | None:
        """(Message-ID, direction) of a ticket opened in this transaction, newest first; None for older tickets."""
        if not getattr(ticket, "_opened_in_batch", False):
            return None
        rows = [t for t in self._new_threads if t.ticket_id == ticket.id]
        return [(t.message_id, t.direction) for t in reversed(rows)]

    # --- ticket numbers ----------------------------------------------------------------------------------------------

    def reserve_numbers(self, numbers: range) -> None:
        self._numbers = list(numbers)

    def take_number(self) -> int | None:
        """The next reserved ticket number; None when none is left (open_ticket then takes one itself)."""
        return self._numbers.pop(0) if self._numbers else None

    def unused_numbers(self) -> list[int]:
        return list(self._numbers)

    # --- writes (kept until flush) ---------------------------------------------------------------------------------

    def forget_memberships(self, contact: Contact) -> None:
        """Read the contact's memberships again on next use (a contact another transaction created meanwhile)."""
        self._memberships.pop(contact.id, None)

    def remember_contact(self, contact: Contact, membership: Membership | None = None) -> None:
        self._contacts[contact.email.lower()] = contact
        memberships = self._memberships.setdefault(contact.id, [])
        if membership is not None and all(m.id != membership.id for m in memberships):
            memberships.append(membership)

    def opened(self, ticket: Ticket) -> None:
        """A ticket opened in this transaction: every thread id it has is in this object."""
        ticket._opened_in_batch = True  # type: ignore[attr-defined]

    def remember_thread(
        self, message_id: str, ticket: Ticket, message: Message | None, direction: str = Direction.INBOUND
    ) -> None:
        message_id = message_id[:255]
        self._threads.setdefault(message_id, ticket.id)  # a Message-ID already known keeps pointing where it did
        self._unthreaded.discard(message_id)
        self._new_threads.append(
            ThreadId(message_id=message_id, ticket=ticket, ticket_message=message, direction=direction,
                     created_at=clock.now())
        )  # fmt: skip

    def record_auto_reply(self, address: str, kind: str) -> None:
        key = address.strip().lower()
        self._auto_replies[key] = self._auto_replies.get(key, 0) + 1
        self._new_auto_replies.append(AutoReply(address=key, kind=kind, sent_at=clock.now()))

    def flush(self) -> None:
        """Write what was kept: thread ids (a Message-ID already stored keeps its ticket) and auto-reply records."""
        if self._new_threads:
            ThreadId.objects.bulk_create(self._new_threads, ignore_conflicts=True)
            self._new_threads = []
        if self._new_auto_replies:
            AutoReply.objects.bulk_create(self._new_auto_replies)
            self._new_auto_replies = []
