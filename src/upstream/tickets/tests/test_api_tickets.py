"""The tickets API: list with filters and cursor pages, open, get, change, and the conversation."""

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
    make_ticket,
)
from upstream.customers.models import Priority
from upstream.tickets.models import Activity, Message, MessageKind, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    team = make_team("Platform")
    org = make_org("Acme", team=team)
    product = make_product("PostgreSQL", versions=("15", "16"))
    plan = make_plan("Gold", highest_priority=Priority.P1)
    contract = make_contract(org, plan, products=(product,))
    customer = make_contact(org)
    agent = make_agent(team)
    return {
        "team": team, "org": org, "product": product, "plan": plan, "contract": contract,
        "customer": customer, "agent": agent, "admin": make_admin(),
    }  # fmt: skip


def _ticket_payload(world, **extra):
    return {
        "organisation": world["org"].id,
        "subject": "Replication lag",
        "body": "The replica is 2 hours behind.",
        "category": "defect",
        **extra,
    }


# --- list ---------------------------------------------------------------------------------------------------------


def test_list_is_newest_first_with_cursor_pages(world):
    made = [make_ticket(world["customer"], world["org"]) for _ in range(5)]
    client = api_client(world["agent"])
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/tickets", params).json()
        seen.extend(item["reference"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [t.reference for t in reversed(made)]


def test_list_item_has_the_documented_fields(world):
    version = world["product"].versions.get(name="16")
    ticket = make_ticket(
        world["customer"], world["org"], product=world["product"], product_version=version, tags=["replication"]
    )
    item = api_client(world["agent"]).get("/api/tickets").json()["items"][0]
    assert item["reference"] == ticket.reference
    assert item["number"] == ticket.number
    assert item["organisation"] == {"id": world["org"].id, "name": "Acme"}
    assert item["requester"]["email"] == world["customer"].email
    assert item["contract"]["reference"] == world["contract"].reference
    assert item["contract"]["plan"]["name"] == "Gold"
    assert item["product"]["name"] == "PostgreSQL"
    assert item["product_version"]["name"] == "16"
    assert item["team"]["name"] == "Platform"
    assert item["tags"] == ["replication"]
    assert item["status"] == "new"
    assert item["allowed_statuses"] == ["open", "waiting_customer", "waiting_internal", "resolved", "closed"]


def test_list_filters(world):
    outage = make_ticket(world["customer"], world["org"], subject="Cluster down", category="outage", tags=["prod"])
    howto = make_ticket(world["customer"], world["org"], subject="How to tune vacuum", category="howto")
    client = api_client(world["agent"])

    def refs(**params):
        return [i["reference"] for i in client.get("/api/tickets", params).json()["items"]]

    assert refs(category="outage") == [outage.reference]
    assert refs(category=["outage", "howto"]) == [howto.reference, outage.reference]
    assert refs(priority=1) == [outage.reference]
    assert refs(tag="prod") == [outage.reference]
    assert refs(q="vacuum") == [howto.reference]
    assert refs(q=outage.reference) == [outage.reference]
    assert refs(organisation=world["org"].id, status="new") == [howto.reference, outage.reference]
    assert refs(status="closed") == []
    assert refs(requester=world["customer"].id, channel="portal") == [howto.reference, outage.reference]
    assert refs(created_from="2000-01-01", created_to="2000-01-02") == []


def test_queue_mine_sorts_by_priority_then_age(world):
    low = make_ticket(world["customer"], world["org"], priority=4)
    high = make_ticket(world["customer"], world["org"], priority=1)
    Ticket.objects.update(assignee=world["agent"])
    body = api_client(world["agent"]).get("/api/tickets", {"queue": "mine"}).json()
    assert [i["reference"] for i in body["items"]] == [high.reference, low.reference]


def test_list_costs_the_same_number_of_queries_whatever_the_page_size(world, django_assert_max_num_queries):
    version = world["product"].versions.first()
    for n in range(30):
        ticket = make_ticket(
            world["customer"], world["org"], product=world["product"], product_version=version, tags=[f"t{n % 3}"]
        )
        Ticket.objects.filter(id=ticket.id).update(assignee=world["agent"])
    client = api_client(world["agent"])
    client.get("/api/tickets", {"limit": 1})  # the token's last_used_at is written on first use only
    # token, team ids, the page, then one prefetch each for teams, products, versions, tags and SLA state
    with django_assert_max_num_queries(8):
        small = client.get("/api/tickets", {"limit": 2})
    with django_assert_max_num_queries(8):
        large = client.get("/api/tickets", {"limit": 30})
    assert len(small.json()["items"]) == 2 and len(large.json()["items"]) == 30


def test_customer_list_has_a_fixed_query_count_too(world, django_assert_max_num_queries):
    for _ in range(12):
        make_ticket(world["customer"], world["org"])
    client = api_client(world["customer"].user)
    client.get("/api/tickets", {"limit": 1})
    # token, contact, memberships (member + admin), the page, prefetches of teams, products, versions, tags and SLA
    with django_assert_max_num_queries(10):
        response = client.get("/api/tickets", {"limit": 12})
    assert len(response.json()["items"]) == 12


# --- open ---------------------------------------------------------------------------------------------------------


def test_customer_opens_a_ticket_in_their_own_name_through_the_api(world):
    version = world["product"].versions.get(name="15")
    response = api_client(world["customer"].user).post(
        "/api/tickets",
        _ticket_payload(
            world,
            priority=2,
            product=world["product"].id,
            product_version=version.id,
            platform="private_cloud",
            environment="k8s 1.29",
            purchase_date="2024-05-01",
            tags=["Replication", "replication"],
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("UP-")
    assert body["channel"] == "api"
    assert body["requester"]["id"] == world["customer"].id
    assert body["contract"]["id"] == world["contract"].id
    assert body["priority"] == 2
    assert body["platform"] == "private_cloud"
    assert body["purchase_date"] == "2024-05-01"
    assert body["tags"] == ["replication"]
    assert body["allowed_statuses"] == ["closed"]
    ticket = Ticket.objects.get(number=body["number"])
    assert ticket.messages.get().body_text == "The replica is 2 hours behind."


def test_agent_opens_a_ticket_for_a_named_requester(world):
    response = api_client(world["agent"]).post(
        "/api/tickets", _ticket_payload(world, requester=world["customer"].id), content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["requester"]["id"] == world["customer"].id


def test_agent_must_name_the_requester(world):
    response = api_client(world["agent"]).post("/api/tickets", _ticket_payload(world), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["field"] == "requester"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"product": 999_999}, "product"),
        ({"product_version": 999_999}, "product_version"),
        ({"organisation": 999_999}, "organisation"),
    ],
)
def test_unknown_product_version_or_organisation_is_422(world, extra, field):
    before = Ticket.objects.count()
    response = api_client(world["customer"].user).post(
        "/api/tickets", _ticket_payload(world, **extra), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert "unknown" in response.json()["detail"]
    assert Ticket.objects.count() == before


def test_version_of_another_product_is_422(world):
    other = make_product("Redis", versions=("7",))
    response = api_client(world["customer"].user).post(
        "/api/tickets",
        _ticket_payload(world, product=world["product"].id, product_version=other.versions.get().id),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "belongs to Redis" in response.json()["detail"]


def test_customer_cannot_exceed_their_plans_priority(world):
    world["plan"].highest_priority = Priority.P3
    world["plan"].save()
    response = api_client(world["customer"].user).post(
        "/api/tickets", _ticket_payload(world, priority=1), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["field"] == "priority"


def test_customer_cannot_open_a_ticket_for_a_colleague(world):
    admin_contact = make_contact(world["org"], admin=True)
    response = api_client(admin_contact.user).post(
        "/api/tickets", _ticket_payload(world, requester=world["customer"].id), content_type="application/json"
    )
    assert response.status_code == 403
    assert "own name" in response.json()["detail"]


# --- get and change -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["reference", "number", "lower"])
def test_get_by_reference_or_number(world, form):
    ticket = make_ticket(world["customer"], world["org"])
    ref = {"reference": ticket.reference, "number": str(ticket.number), "lower": ticket.reference.lower()}[form]
    response = api_client(world["customer"].user).get(f"/api/tickets/{ref}")
    assert response.status_code == 200
    assert response.json()["id"] == ticket.id


def test_agent_changes_fields_and_each_change_is_logged(world):
    ticket = make_ticket(world["customer"], world["org"])
    other_team = make_team("Database")
    version = world["product"].versions.get(name="16")
    response = api_client(world["agent"]).patch(
        f"/api/tickets/{ticket.reference}",
        {
            "priority": 2,
            "tier": "l2",
            "assignee": world["agent"].id,
            "team": other_team.id,
            "product_version": version.id,
            "tags": ["vip"],
            "environment": "RHEL 9",
            "subject": "  Replication   lag  ",
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["priority"] == 2
    assert body["tier"] == "l2"
    assert body["assignee"]["id"] == world["agent"].id
    assert body["team"]["name"] == "Database"
    assert body["product"]["id"] == world["product"].id
    assert body["product_version"]["name"] == "16"
    assert body["tags"] == ["vip"]
    assert body["environment"] == "RHEL 9"
    assert body["subject"] == "Replication lag"
    logged = set(Activity.objects.filter(ticket=ticket, action="changed").values_list("field", flat=True))
    assert {"priority", "tier", "assignee", "team", "product", "product_version", "tags", "environment"} <= logged


def test_null_clears_a_clearable_field(world):
    ticket = make_ticket(world["customer"], world["org"], product=world["product"])
    Ticket.objects.filter(id=ticket.id).update(assignee=world["agent"], purchase_date="2024-01-01")
    response = api_client(world["agent"]).patch(
        f"/api/tickets/{ticket.number}",
        {"assignee": None, "product": None, "purchase_date": None},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["assignee"] is None and body["product"] is None and body["purchase_date"] is None


def test_setting_a_version_while_clearing_its_product_is_422(world):
    ticket = make_ticket(world["customer"], world["org"], product=world["product"])
    version = world["product"].versions.first()
    response = api_client(world["agent"]).patch(
        f"/api/tickets/{ticket.number}",
        {"product": None, "product_version": version.id},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["field"] == "product"
    ticket.refresh_from_db()
    assert ticket.product_id == world["product"].id and ticket.product_version_id is None


def test_version_alone_implies_its_product(world):
    ticket = make_ticket(world["customer"], world["org"])
    version = world["product"].versions.get(name="15")
    body = (
        api_client(world["agent"])
        .patch(f"/api/tickets/{ticket.number}", {"product_version": version.id}, content_type="application/json")
        .json()
    )
    assert (body["product"]["id"], body["product_version"]["id"]) == (world["product"].id, version.id)


def test_null_for_a_required_field_is_422(world):
    ticket = make_ticket(world["customer"], world["org"])
    response = api_client(world["agent"]).patch(
        f"/api/tickets/{ticket.number}", {"priority": None}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json() == {"detail": "priority cannot be null", "field": "priority"}


def test_assigning_a_customer_is_422(world):
    ticket = make_ticket(world["customer"], world["org"])
    response = api_client(world["agent"]).patch(
        f"/api/tickets/{ticket.number}", {"assignee": world["customer"].user.id}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["field"] == "assignee"


def test_status_change_and_invalid_transition_409_names_the_allowed_ones(world):
    ticket = make_ticket(world["customer"], world["org"])
    client = api_client(world["agent"])
    assert client.patch(
        f"/api/tickets/{ticket.number}", {"status": "resolved"}, content_type="application/json"
    ).json()["allowed_statuses"] == ["open", "closed"]
    response = client.patch(
        f"/api/tickets/{ticket.number}", {"status": "waiting_customer"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "cannot change status from resolved to waiting_customer; allowed: closed, open"
    assert response.json()["field"] == "status"


def test_rejected_status_change_applies_nothing_else_of_the_request(world):
    ticket = make_ticket(world["customer"], world["org"])
    client = api_client(world["agent"])
    client.patch(f"/api/tickets/{ticket.number}", {"status": "closed"}, content_type="application/json")
    response = client.patch(
        f"/api/tickets/{ticket.number}", {"priority": 1, "status": "open"}, content_type="application/json"
    )
    assert response.status_code == 409
    assert "none (the ticket is closed)" in response.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.priority != 1
    assert not Activity.objects.filter(ticket=ticket, field="priority").exists()


def test_customer_may_close_their_ticket(world):
    ticket = make_ticket(world["customer"], world["org"])
    response = api_client(world["customer"].user).patch(
        f"/api/tickets/{ticket.reference}", {"status": "closed"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["closed_at"] is not None
    assert response.json()["allowed_statuses"] == []


@pytest.mark.parametrize(
    "change",
    [{"status": "resolved"}, {"priority": 1}, {"subject": "Mine now"}, {"assignee": 999_999, "status": "closed"}],
)
def test_customer_may_change_nothing_else(world, change):
    ticket = make_ticket(world["customer"], world["org"])
    response = api_client(world["customer"].user).patch(
        f"/api/tickets/{ticket.reference}", change, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.subject != "Mine now"


# --- conversation -------------------------------------------------------------------------------------------------


def test_agent_reply_and_note_and_what_each_side_reads(world):
    ticket = make_ticket(world["customer"], world["org"])
    agent = api_client(world["agent"])
    reply = agent.post(
        f"/api/tickets/{ticket.reference}/replies",
        {"body": "Please send the logs.", "status": "waiting_customer"},
        content_type="application/json",
    )
    assert reply.status_code == 201, reply.content
    assert reply.json()["kind"] == "public" and reply.json()["channel"] == "api"
    assert reply.json()["author"]["staff"] is True
    note = agent.post(
        f"/api/tickets/{ticket.reference}/notes", {"body": "Looks like bug #42."}, content_type="application/json"
    )
    assert note.status_code == 201
    assert note.json()["kind"] == "internal"

    staff_view = agent.get(f"/api/tickets/{ticket.reference}/messages").json()["items"]
    assert [m["kind"] for m in staff_view] == ["public", "public", "internal"]
    customer_view = api_client(world["customer"].user).get(f"/api/tickets/{ticket.reference}/messages").json()
    assert [m["body_text"] for m in customer_view["items"]] == ["Something is wrong.", "Please send the logs."]
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CUSTOMER
    assert ticket.first_responded_at is not None


def test_customer_reply_reopens_and_html_is_escaped(world):
    ticket = make_ticket(world["customer"], world["org"])
    api_client(world["agent"]).patch(
        f"/api/tickets/{ticket.number}", {"status": "waiting_customer"}, content_type="application/json"
    )
    response = api_client(world["customer"].user).post(
        f"/api/tickets/{ticket.number}/replies",
        {"body": "<script>alert(1)</script> here are the logs"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert "<script>" not in response.json()["body_html"]
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_customer_cannot_add_notes_or_set_status_with_a_reply(world):
    ticket = make_ticket(world["customer"], world["org"])
    client = api_client(world["customer"].user)
    note = client.post(f"/api/tickets/{ticket.number}/notes", {"body": "x"}, content_type="application/json")
    assert note.status_code == 403
    assert note.json() == {"detail": "only agents can add internal notes"}
    reply = client.post(
        f"/api/tickets/{ticket.number}/replies", {"body": "x", "status": "resolved"}, content_type="application/json"
    )
    assert reply.status_code == 403
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_reply_to_a_closed_ticket_is_409(world):
    ticket = make_ticket(world["customer"], world["org"])
    client = api_client(world["customer"].user)
    client.patch(f"/api/tickets/{ticket.number}", {"status": "closed"}, content_type="application/json")
    response = client.post(f"/api/tickets/{ticket.number}/replies", {"body": "x"}, content_type="application/json")
    assert response.status_code == 409
    assert "closed" in response.json()["detail"]


def test_messages_are_cursor_paginated_oldest_first(world, django_assert_max_num_queries):
    ticket = make_ticket(world["customer"], world["org"])
    agent = api_client(world["agent"])
    for n in range(5):
        agent.post(f"/api/tickets/{ticket.number}/notes", {"body": f"note {n}"}, content_type="application/json")
    first = agent.get(f"/api/tickets/{ticket.number}/messages", {"limit": 4}).json()
    assert len(first["items"]) == 4
    with django_assert_max_num_queries(6):
        rest = agent.get(f"/api/tickets/{ticket.number}/messages", {"limit": 4, "cursor": first["next_cursor"]})
    texts = [m["body_text"] for m in first["items"] + rest.json()["items"]]
    assert texts == ["Something is wrong.", *[f"note {n}" for n in range(5)]]
    assert rest.json()["next_cursor"] is None
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.INTERNAL).count() == 5
