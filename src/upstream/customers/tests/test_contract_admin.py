"""In the admin, "terminated" is not offered (it needs an exit reason: the end-contract page), and the exit fields
and the presales/community team setting are where admins expect them."""

import pytest
from django.test import Client

from upstream.core.testing import make_admin, make_contract, make_org
from upstream.customers.models import ContractStatus

pytestmark = pytest.mark.django_db


def _admin_client():
    user = make_admin()
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def test_terminated_is_not_offered_and_a_terminated_contract_keeps_its_status():
    client = _admin_client()
    active = make_contract(make_org())
    page = client.get(f"/admin/customers/contract/{active.id}/change/")
    assert page.status_code == 200
    status_choices = [value for value, _label in page.context["adminform"].form.fields["status"].choices]
    assert ContractStatus.TERMINATED not in status_choices and ContractStatus.GRACE in status_choices
    terminated = make_contract(make_org(), status=ContractStatus.TERMINATED)
    page = client.get(f"/admin/customers/contract/{terminated.id}/change/")
    assert "status" not in page.context["adminform"].form.fields


def test_the_presales_team_is_set_in_the_admin():
    client = _admin_client()
    assert client.get("/admin/customers/entitlementsettings/add/").status_code == 200
