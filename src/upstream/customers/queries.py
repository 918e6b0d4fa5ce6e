"""Named reads and access rules for customer data, shared by web views and the API."""

from __future__ import annotations

import re
from datetime import date

from django.conf import settings
from django.db.models import Q, QuerySet

from upstream.accounts.models import User
from upstream.core.errors import NotFound
from upstream.customers import entitlements
from upstream.customers.models import (
    Contact,
    Contract,
    Membership,
    Organisation,
    Product,
)


def contact_of(user: User) -> Contact | None:
    if not user.is_authenticated:
        return None
    try:
        return user.contact
    except Contact.DoesNotExist:
        return None


def member_organisation_ids(user: User) -> list[int]:
    contact = contact_of(user)
    if contact is None:
        return []
    return list(Membership.objects.filter(contact=contact).values_list("organisation_id", flat=True))


def admin_organisation_ids(user: User) -> list[int]:
    contact = contact_of(user)
    if contact is None:
        return []
    return list(Membership.objects.filter(contact=contact, is_admin=True).values_list("organisation_id", flat=True))


def visible_organisations(user: User) -> QuerySet[Organisation]:
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    if user.is_staff_member:
        return Organisation.objects.all()
    return Organisation.objects.filter(id__in=member_organisation_ids(user))


def access_organisation(user: User, organisation_id: int) -> Organisation:
    organisation = visible_organisations(user).filter(id=organisation_id).first()
    if organisation is None:
        raise NotFound("no such organisation")
    return organisation


def visible_contacts(user: User) -> QuerySet[Contact]:
    if not user.is_authenticated or not user.is_active:
        return Contact.objects.none()
    if user.is_staff_member:
        return Contact.objects.all()
    own = contact_of(user)
    own_id = own.id if own else None
    return Contact.objects.filter(
        Q(id=own_id) | Q(memberships__organisation_id__in=admin_organisation_ids(user))
    ).distinct()


def access_contact(user: User, contact_id: int) -> Contact:
    contact = visible_contacts(user).filter(id=contact_id).first()
    if contact is None:
        raise NotFound("no such contact")
    return contact


def visible_contracts(user: User) -> QuerySet[Contract]:
    if not user.is_authenticated or not user.is_active:
        return Contract.objects.none()
    base = Contract.objects.select_related("organisation", "plan")
    if user.is_staff_member:
        return base
    return base.filter(organisation_id__in=member_organisation_ids(user))


def access_contract(user: User, contract_id: int) -> Contract:
    contract = visible_contracts(user).filter(id=contract_id).first()
    if contract is None:
        raise NotFound("no such contract")
    return contract


def visible_products(user: User) -> QuerySet[Product]:
    if not user.is_authenticated or not user.is_active:
        return Product.objects.none()
    return Product.objects.all()


def entitling_contract(organisation: Organisation, product: Product | None, on: date) -> Contract | None:
    """The contract that entitles a request for `product` on `on`, preferring the one that ends last.

    With no product named, any entitling contract of the organisation counts; with a product, the contract must
    cover it (a contract listing no products covers all of them). A contract in its grace period entitles (see
    `entitlements` and `schedule`).
    """
    return entitlements.assess(organisation, product, on).contract


def current_contract(organisation: Organisation, on: date) -> Contract | None:
    """The organisation's contract to show at a glance: an entitling one, else the most recent."""
    return entitling_contract(organisation, None, on) or (
        Contract.objects.filter(organisation=organisation).select_related("plan").order_by("-ends_on").first()
    )


_CJK = re.compile(r"[\u3400-\u9fff]")


def preferred_language(contact: Contact, sample: str = "") -> str:
    """The language to write to a contact in: their chosen portal language, else the language of what they wrote
    (`sample`, e.g. their ticket's subject), else the site default."""
    if contact.user_id is not None and contact.user is not None and contact.user.language:
        return str(contact.user.language)
    return language_of(sample)


def language_of(text: str) -> str:
    """The language someone wrote `text` in, as far as the UI languages go: Chinese when it has Han characters."""
    return "zh-hans" if _CJK.search(text) else settings.LANGUAGE_CODE
