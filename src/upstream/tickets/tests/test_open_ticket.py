"""Opening a ticket: entitlement, priority caps, validation, attachments all-or-nothing."""

from datetime import date, timedelta

import pytest
from django.test import override_settings

from upstream.core.errors import Forbidden, InvalidInput, PayloadTooLarge
from upstream.core.testing import (
    make_agent,
    make_contact,
    make_contract,
    make_org,
    make_plan,
    make_product,
    make_team,
    make_ticket,
    upload,
)
from upstream.customers.models import ContractStatus, Priority
from upstream.tickets import services
from upstream.tickets.models import Activity, Attachment, Category, Message, Status, Ticket

pytestmark = pytest.mark.django_db


def _new(contact, org, **fields):
    return services.NewTicket(organisation=org, requester=contact, subject="Help", body="Details", **fields)


def test_ticket_gets_number_status_team_and_first_message():
    team = make_team()
    org = make_org(team=team)
    contact = make_contact(org)
    first = make_ticket(contact, org)
    second = make_ticket(contact, org)
    assert second.number == first.number + 1
    assert first.reference == f"UP-{first.number}"
    assert first.status == Status.NEW
    assert first.team == team
    assert first.messages.count() == 1
    assert Activity.objects.filter(ticket=first, action="created").exists()


def test_entitling_contract_is_recorded():
    org = make_org()
    product = make_product()
    contract = make_contract(org, products=(product,))
    ticket = make_ticket(make_contact(org), org, product=product)
    assert ticket.contract == contract


def test_no_contract_for_uncovered_product_or_expired_contract():
    org = make_org()
    covered, other = make_product(), make_product()
    make_contract(org, products=(covered,))
    contact = make_contact(org)
    assert make_ticket(contact, org, product=other).contract is None
    org2 = make_org()
    make_contract(
        org2, status=ContractStatus.EXPIRED, starts_on=date.today() - timedelta(400),
        ends_on=date.today() - timedelta(35),
    )  # fmt: skip
    assert make_ticket(make_contact(org2), org2).contract is None


def test_customer_priority_is_capped_by_plan():
    org = make_org()
    make_contract(org, make_plan(highest_priority=Priority.P2))
    contact = make_contact(org)
    with pytest.raises(InvalidInput) as error:
        services.open_ticket(by=contact.user, new=_new(contact, org, priority=Priority.P1))
    assert error.value.field == "priority"
    assert services.open_ticket(by=contact.user, new=_new(contact, org, priority=Priority.P2)).priority == 2


def test_customer_without_contract_may_not_ask_for_p2_but_agent_may():
    org = make_org()
    contact = make_contact(org)
    with pytest.raises(InvalidInput):
        services.open_ticket(by=contact.user, new=_new(contact, org, priority=Priority.P2))
    ticket = services.open_ticket(by=make_agent(), new=_new(contact, org, priority=Priority.P1))
    assert ticket.priority == Priority.P1 and ticket.contract is None


def test_category_suggests_priority():
    org = make_org()
    make_contract(org, make_plan(highest_priority=Priority.P1))
    contact = make_contact(org)
    outage = services.open_ticket(by=contact.user, new=_new(contact, org, category=Category.OUTAGE))
    howto = services.open_ticket(by=contact.user, new=_new(contact, org, category=Category.HOWTO))
    assert (outage.priority, howto.priority) == (1, 4)


def test_requester_must_belong_to_the_organisation():
    org_a, org_b = make_org(), make_org()
    stranger = make_contact(org_b)
    with pytest.raises(InvalidInput):
        services.open_ticket(by=make_agent(), new=_new(stranger, org_a))


def test_customer_cannot_open_a_ticket_in_someone_elses_name():
    org = make_org()
    me, colleague = make_contact(org, admin=True), make_contact(org)
    with pytest.raises(Forbidden):
        services.open_ticket(by=me.user, new=_new(colleague, org))


def test_version_of_another_product_is_rejected():
    org = make_org()
    first, second = make_product(), make_product()
    with pytest.raises(InvalidInput):
        services.resolve_product(first.id, second.versions.first().id)
    with pytest.raises(InvalidInput):
        services.resolve_product(999_999, None)
    product, version = services.resolve_product(None, first.versions.first().id)
    assert product == first and version.product == first
    assert org  # the organisation is irrelevant to product resolution


@pytest.mark.parametrize("subject", ["", "   ", "x" * 251])
def test_bad_subjects(subject):
    org = make_org()
    contact = make_contact(org)
    with pytest.raises(InvalidInput):
        services.open_ticket(
            by=contact.user,
            new=services.NewTicket(organisation=org, requester=contact, subject=subject, body="b"),
        )


@override_settings(ATTACHMENT_MAX_BYTES=10)
def test_oversize_attachment_saves_nothing():
    org = make_org()
    contact = make_contact(org)
    with pytest.raises(PayloadTooLarge):
        services.open_ticket(
            by=contact.user,
            new=_new(contact, org),
            uploads=[upload("ok.txt", b"small"), upload("big.bin", b"x" * 11)],
        )
    assert not Ticket.objects.exists() and not Message.objects.exists() and not Attachment.objects.exists()


def test_forbidden_attachment_type_saves_nothing():
    org = make_org()
    contact = make_contact(org)
    with pytest.raises(InvalidInput) as error:
        services.open_ticket(by=contact.user, new=_new(contact, org), uploads=[upload("setup.EXE", b"MZ")])
    assert ".exe" in error.value.message
    assert not Ticket.objects.exists()


def test_attachment_names_are_cleaned_and_stored_under_random_names():
    org = make_org()
    contact = make_contact(org)
    ticket = services.open_ticket(
        by=contact.user, new=_new(contact, org), uploads=[upload("../../etc/pass\x00wd.txt", b"data")]
    )
    attachment = ticket.messages.get().attachments.get()
    assert attachment.filename == "passwd.txt"
    assert "etc" not in attachment.file.name and attachment.size == 4
    assert attachment.file.read() == b"data"


def test_html_in_the_body_is_escaped():
    org = make_org()
    contact = make_contact(org)
    ticket = make_ticket(contact, org, body="<script>alert(1)</script> see https://example.com/x")
    html = ticket.messages.get().body_html
    assert "<script>" not in html
    assert '<a href="https://example.com/x"' in html
