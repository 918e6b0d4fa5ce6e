"""State changes for customer data: named actions with an explicit actor, one transaction each."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from upstream.accounts.models import Team, User
from upstream.core.errors import Conflict, Forbidden, InvalidInput
from upstream.customers.models import Contact, Membership, Organisation, OrganisationDomain


def _require_staff(by: User, what: str) -> None:
    if not by.is_staff_member:
        raise Forbidden(f"only vendor staff can create {what}")


def _clean_domain(domain: str) -> str:
    cleaned = domain.strip().lower().rstrip(".")
    labels = cleaned.split(".")
    if (
        len(cleaned) > 253
        or len(labels) < 2
        or not all(label and len(label) <= 63 and label.replace("-", "").isalnum() for label in labels)
    ):
        raise InvalidInput(f"{domain!r} is not an email domain such as example.com", field="domains")
    return cleaned


@transaction.atomic
def create_organisation(
    *,
    by: User,
    name: str,
    time_zone: str = "UTC",
    domains: Sequence[str] = (),
    default_team: Team | None = None,
) -> Organisation:
    _require_staff(by, "organisations")
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("the name is empty", field="name")
    if len(name) > 200:
        raise InvalidInput("the name is longer than 200 characters", field="name")
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {time_zone!r}", field="time_zone") from None
    cleaned = sorted({_clean_domain(d) for d in domains})
    if Organisation.objects.filter(name__iexact=name).exists():
        raise Conflict(f"an organisation named {name!r} already exists", field="name")
    taken = OrganisationDomain.objects.filter(domain__in=cleaned).select_related("organisation").first()
    if taken is not None:
        raise Conflict(f"{taken.domain} already belongs to {taken.organisation.name}", field="domains")
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(name=name, time_zone=time_zone, default_team=default_team)
            OrganisationDomain.objects.bulk_create(
                [OrganisationDomain(organisation=organisation, domain=d) for d in cleaned]
            )
    except IntegrityError:
        # Someone created the same name or domain between the check and the insert.
        raise Conflict(f"an organisation named {name!r} or one of its domains already exists", field="name") from None
    return organisation


@dataclass(frozen=True)
class NewMembership:
    organisation: Organisation
    is_admin: bool = False


@transaction.atomic
def create_contact(
    *,
    by: User,
    name: str,
    email: str,
    phone: str = "",
    memberships: Sequence[NewMembership] = (),
) -> Contact:
    _require_staff(by, "contacts")
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("the name is empty", field="name")
    if len(name) > 200:
        raise InvalidInput("the name is longer than 200 characters", field="name")
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"{email!r} is not an email address", field="email") from None
    if len(email) > 254:
        raise InvalidInput("the email address is longer than 254 characters", field="email")
    if len(phone) > 50:
        raise InvalidInput("the phone number is longer than 50 characters", field="phone")
    if Contact.objects.filter(email__iexact=email).exists():
        raise Conflict(f"a contact with email {email} already exists", field="email")
    try:
        with transaction.atomic():
            contact = Contact.objects.create(name=name, email=email, phone=phone.strip())
            admin_of = {m.organisation.id: m.is_admin for m in memberships}
            Membership.objects.bulk_create(
                [
                    Membership(contact=contact, organisation_id=org_id, is_admin=admin)
                    for org_id, admin in admin_of.items()
                ]
            )
    except IntegrityError:
        raise Conflict(f"a contact with email {email} already exists", field="email") from None
    return contact
