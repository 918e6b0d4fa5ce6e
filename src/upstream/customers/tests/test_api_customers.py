"""Organisations, contacts, contracts and products over the API: lists with cursor pages and fixed query counts,
lookups by id, and creation by staff."""

import pytest

from upstream.core.testing import (
    api_client,
    make_admin,
    make_agent,
    make_contact,
    make_contract,
    make_org,
    make_plan,
    make_product,
    make_team,
)
from upstream.customers.models import Contact, ContractStatus, Organisation, OrganisationDomain

pytestmark = pytest.mark.django_db


def _walk(client, path, **params):
    seen, cursor = [], None
    while True:
        body = client.get(path, {**params, **({"cursor": cursor} if cursor else {})}).json()
        seen.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_organisations_list_by_name_with_domains_and_cursor_pages():
    for name in ("Gamma", "Alpha", "Beta"):
        make_org(name, domain=f"{name.lower()}.example")
    client = api_client(make_agent())
    items = _walk(client, "/api/organisations", limit=2)
    assert [o["name"] for o in items] == ["Alpha", "Beta", "Gamma"]
    assert items[0]["domains"] == ["alpha.example"]
    assert [o["name"] for o in client.get("/api/organisations", {"q": "bet"}).json()["items"]] == ["Beta"]


def test_get_organisation_by_id():
    team = make_team("Platform")
    org = make_org("Acme", domain="acme.example", team=team)
    body = api_client(make_agent()).get(f"/api/organisations/{org.id}").json()
    assert body["name"] == "Acme" and body["domains"] == ["acme.example"]
    assert body["default_team"] == {"id": team.id, "name": "Platform"}
    customer_view = api_client(make_contact(org).user).get(f"/api/organisations/{org.id}").json()
    assert customer_view["default_team"] is None


def test_staff_create_an_organisation():
    team = make_team()
    response = api_client(make_agent()).post(
        "/api/organisations",
        {
            "name": "  Nimbus   Ltd ",
            "time_zone": "Asia/Shanghai",
            "domains": ["Nimbus.CN", "nimbus.com"],
            "default_team": team.id,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Nimbus Ltd"
    assert body["domains"] == ["nimbus.cn", "nimbus.com"]
    assert body["default_team"]["id"] == team.id
    assert Organisation.objects.get(id=body["id"]).time_zone == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"name": "ACME"}, "an organisation named 'ACME' already exists"),
        ({"name": "Other", "domains": ["acme.example"]}, "acme.example already belongs to Acme"),
    ],
)
def test_duplicate_organisation_name_or_domain_is_409(payload, detail):
    make_org("Acme", domain="acme.example")
    before = (Organisation.objects.count(), OrganisationDomain.objects.count())
    response = api_client(make_admin()).post("/api/organisations", payload, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["detail"] == detail
    assert (Organisation.objects.count(), OrganisationDomain.objects.count()) == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"name": "X", "domains": ["not a domain"]}, "domains"),
        ({"name": "X", "default_team": 999_999}, "default_team"),
    ],
)
def test_invalid_organisation_is_422(payload, field):
    response = api_client(make_admin()).post("/api/organisations", payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_customers_cannot_create_organisations_or_contacts():
    org = make_org()
    client = api_client(make_contact(org, admin=True).user)
    response = client.post("/api/organisations", {"name": "Mine"}, content_type="application/json")
    assert response.status_code == 403
    response = client.post(
        "/api/contacts", {"name": "New", "email": "new@example.com"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "only vendor staff can create contacts"}
    assert not Contact.objects.filter(email="new@example.com").exists()


def test_staff_create_a_contact_with_memberships():
    org = make_org("Acme")
    response = api_client(make_agent()).post(
        "/api/contacts",
        {"name": "Li Wei", "email": "li.wei@acme.example", "phone": "+86 10 1234", "organisations": [
            {"organisation": org.id, "is_admin": True}
        ]},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "li.wei@acme.example"
    assert body["has_login"] is False
    assert body["organisations"] == [{"organisation": {"id": org.id, "name": "Acme"}, "is_admin": True}]


def test_duplicate_contact_email_is_409():
    make_contact(email="li.wei@acme.example")
    response = api_client(make_agent()).post(
        "/api/contacts", {"name": "Li Wei", "email": "LI.WEI@acme.example"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "a contact with email LI.WEI@acme.example already exists", "field": "email"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "X", "email": "not-an-email"}, "email"),
        ({"name": "X", "email": "x@example.com", "phone": "12\x00"}, "phone"),
        ({"name": "X", "email": "x@example.com", "nickname": "Xi"}, "nickname"),
        ({"name": "X"}, "email"),
        ({"name": "X", "email": "x@example.com", "organisations": [{"organisation": 999_999}]}, "organisations"),
        (
            {"name": "X", "email": "x@example.com", "organisations": [{"organisation": "a"}]},
            "organisations.0.organisation",
        ),
    ],
)
def test_invalid_contact_is_422(payload, field):
    response = api_client(make_admin()).post("/api/contacts", payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_contacts_list_filters_and_pages():
    acme, other = make_org("Acme"), make_org("Other")
    made = [make_contact(acme, name=f"Acme person {n}") for n in range(3)]
    make_contact(other, name="Other person")
    client = api_client(make_agent())
    items = _walk(client, "/api/contacts", organisation=acme.id, limit=2)
    assert [c["id"] for c in items] == [c.id for c in made]
    assert client.get("/api/contacts", {"q": made[1].email}).json()["items"][0]["id"] == made[1].id
    assert client.get(f"/api/contacts/{made[0].id}").json()["organisations"][0]["organisation"]["name"] == "Acme"


def test_contracts_show_plan_products_status_dates_and_hours():
    org = make_org("Acme")
    product = make_product("PostgreSQL")
    plan = make_plan("Gold", highest_priority=1, channels=["email", "portal", "phone"])
    contract = make_contract(org, plan, products=(product,))
    make_contract(org, status=ContractStatus.EXPIRED)
    client = api_client(make_contact(org).user)
    body = client.get(f"/api/contracts/{contract.id}").json()
    assert body["reference"] == contract.reference
    assert body["plan"] == {
        "id": plan.id, "name": "Gold", "kind": "subscription", "tier": "standard",
        "channels": ["email", "portal", "phone"], "highest_priority": 1,
    }  # fmt: skip
    assert body["products"] == [{"id": product.id, "name": "PostgreSQL"}]
    assert body["status"] == "active" and body["entitling_today"] is True
    assert body["starts_on"] == contract.starts_on.isoformat()
    assert body["consulting_hours"] == "10.00"
    active = client.get("/api/contracts", {"status": "active"}).json()["items"]
    assert [c["id"] for c in active] == [contract.id]


def test_products_with_versions_newest_first():
    make_product("Redis", versions=("6", "7"))
    make_product("PostgreSQL", versions=("15", "16"))
    items = api_client(make_contact(make_org()).user).get("/api/products").json()["items"]
    assert [p["name"] for p in items] == ["PostgreSQL", "Redis"]
    assert [v["name"] for v in items[0]["versions"]] == ["16", "15"]
    one = api_client(make_agent()).get(f"/api/products/{items[1]['id']}")
    assert one.json()["name"] == "Redis"
    assert api_client(make_agent()).get("/api/products/999999").status_code == 404


@pytest.mark.parametrize(
    ("path", "make", "max_queries"),
    [
        # token, page, one prefetch per relation
        ("/api/organisations", lambda n: make_org(f"Org {n:03d}", domain=f"o{n}.example"), 3),
        ("/api/products", lambda n: make_product(f"Product {n:03d}"), 3),
        ("/api/contracts", lambda n: make_contract(make_org(f"C {n:03d}"), products=(make_product(f"P {n:03d}"),)), 3),
        ("/api/contacts", lambda n: make_contact(make_org(f"M {n:03d}"), name=f"Person {n:03d}"), 3),
    ],
)
def test_lists_have_a_fixed_number_of_queries(path, make, max_queries, django_assert_max_num_queries):
    for n in range(12):
        make(n)
    client = api_client(make_admin())
    client.get(path, {"limit": 1})  # the token's last_used_at is written on first use only
    with django_assert_max_num_queries(max_queries):
        small = client.get(path, {"limit": 2})
    with django_assert_max_num_queries(max_queries):
        large = client.get(path, {"limit": 12})
    assert len(small.json()["items"]) == 2
    assert len(large.json()["items"]) == 12
