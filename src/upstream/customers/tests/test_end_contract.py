"""Ending a contract needs an exit reason from the taxonomy (other: with a comment): now (terminated) or at the end
of the term (do not renew: expires without grace). Service, form and API."""

from datetime import timedelta

import pytest
from django.test import Client

from upstream.accounts.models import AuditEvent
from upstream.core.errors import Conflict, Forbidden, InvalidInput
from upstream.core.testing import api_client, make_admin, make_agent, make_contact, make_contract, make_org
from upstream.customers import lifecycle
from upstream.customers.models import Contract, ContractEvent, ContractStatus, ExitReason
from upstream.customers.tests.helpers import days

pytestmark = pytest.mark.django_db


def _contract(**fields):
    return make_contract(make_org(), starts_on=fields.pop("starts_on", days(-300)), ends_on=days(65), **fields)


def test_ending_now_terminates_with_the_reason_and_who():
    contract = _contract()
    admin = make_admin()
    ended = lifecycle.end_contract(by=admin, contract=contract, reason="competitor", comment="went to Vendor X")
    assert ended.status == ContractStatus.TERMINATED
    assert (ended.exit_reason, ended.exit_comment, ended.ended_by, ended.ended_on) == (
        ExitReason.COMPETITOR,
        "went to Vendor X",
        admin,
        lifecycle.today(),
    )
    assert ended.ended_at is not None and not ended.is_entitling_on(days(0))
    event = ContractEvent.objects.get(contract=contract, kind="ended")
    assert (event.before, event.after, event.note) == ("active", "terminated", "went to Vendor X")
    assert AuditEvent.objects.filter(action="contract.ended", target_id=str(contract.id)).exists()


def test_do_not_renew_keeps_the_term_then_expires_without_grace():
    contract = _contract()
    ended = lifecycle.end_contract(by=make_admin(), contract=contract, reason="project_ended", at_term_end=True)
    assert (ended.status, ended.ended_on) == (ContractStatus.ACTIVE, contract.ends_on)
    assert ended.is_entitling_on(days(0))  # support continues until the term ends
    lifecycle.advance_statuses(on=contract.ends_on + timedelta(days=1))
    assert Contract.objects.get(id=contract.id).status == ContractStatus.EXPIRED


def test_do_not_renew_during_grace_expires_at_once():
    contract = make_contract(make_org(), status=ContractStatus.GRACE, starts_on=days(-370), ends_on=days(-5))
    ended = lifecycle.end_contract(by=make_admin(), contract=contract, reason="price", at_term_end=True)
    assert (ended.status, ended.ended_on) == (ContractStatus.EXPIRED, contract.ends_on)


def test_a_reason_is_required_and_other_needs_a_comment():
    contract = _contract()
    admin = make_admin()
    for reason, comment, field in (("", "", "reason"), ("cheaper", "", "reason"), ("other", "  ", "comment")):
        with pytest.raises(InvalidInput) as error:
            lifecycle.end_contract(by=admin, contract=contract, reason=reason, comment=comment)
        assert error.value.field == field
    assert Contract.objects.get(id=contract.id).status == ContractStatus.ACTIVE  # nothing half-saved
    ended = lifecycle.end_contract(by=admin, contract=contract, reason="other", comment="company acquired")
    assert ended.exit_reason == ExitReason.OTHER


def test_ended_once_renewed_not_at_all_and_only_by_managers():
    contract = _contract()
    admin = make_admin()
    with pytest.raises(Forbidden):
        lifecycle.end_contract(by=make_agent(), contract=contract, reason="price")
    lifecycle.end_contract(by=admin, contract=contract, reason="price")
    with pytest.raises(Conflict):
        lifecycle.end_contract(by=admin, contract=contract, reason="price")
    renewed = _contract()
    lifecycle.renew(by=admin, contract=renewed, ends_on=days(500))
    with pytest.raises(Conflict, match="renewed"):
        lifecycle.end_contract(by=admin, contract=renewed, reason="price")


def test_the_end_form_requires_a_reason_and_a_comment_for_other():
    contract = _contract()
    client = Client()
    client.force_login(make_admin())
    url = f"/customers/contracts/{contract.id}/end/"
    assert client.get(url).status_code == 200
    missing = client.post(url, {"when": "now"})
    assert missing.status_code == 422 and missing.context["form"].errors["reason"]
    other = client.post(url, {"reason": "other", "comment": "", "when": "now"})
    assert other.status_code == 422 and other.context["form"].errors["comment"]
    assert Contract.objects.get(id=contract.id).exit_reason == ""
    done = client.post(url, {"reason": "support_quality", "comment": "slow answers", "when": "now"})
    assert done.status_code == 302
    assert Contract.objects.get(id=contract.id).status == ContractStatus.TERMINATED


def test_the_end_form_is_for_managers_only():
    contract = _contract()
    agent, customer = Client(), Client()
    agent.force_login(make_agent())
    customer.force_login(make_contact(contract.organisation, admin=True).user)
    url = f"/customers/contracts/{contract.id}/end/"
    assert agent.post(url, {"reason": "price", "when": "now"}).status_code == 403
    assert customer.post(url, {"reason": "price", "when": "now"}).status_code == 404
    assert Contract.objects.get(id=contract.id).exit_reason == ""


def test_end_over_the_api():
    contract = _contract()
    client = api_client(make_admin())
    url = f"/api/contracts/{contract.id}/end"
    assert client.post(url, {"when": "now"}, content_type="application/json").status_code == 422
    assert client.post(url, {"reason": "cheaper"}, content_type="application/json").status_code == 422
    other = client.post(url, {"reason": "other"}, content_type="application/json")
    assert other.status_code == 422 and "comment" in other.content.decode()
    ok = client.post(url, {"reason": "missing_features", "comment": "no SSO"}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert (body["exit_reason"], body["exit_comment"], body["ended_on"], body["status"]) == (
        "missing_features",
        "no SSO",
        contract.ends_on.isoformat(),
        "active",
    )
    assert client.post(url, {"reason": "price"}, content_type="application/json").status_code == 409
    customer = api_client(make_contact(contract.organisation, admin=True).user)
    assert customer.post(url, {"reason": "price"}, content_type="application/json").status_code == 403
    seen = customer.get(f"/api/contracts/{contract.id}").json()  # the vendor's notes stay with the vendor
    assert (seen["exit_reason"], seen["exit_comment"], seen["ended_on"]) == (None, "", contract.ends_on.isoformat())
