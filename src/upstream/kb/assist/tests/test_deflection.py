"""While a customer types a new ticket, the best articles appear; "this solved my problem" ends the flow without a
ticket and is counted."""

import pytest
from django.test import Client

from upstream.core.testing import PASSWORD, make_contact, make_org
from upstream.kb.assist.models import Deflection
from upstream.kb.assist.tests.assist_world import make_assist_world
from upstream.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_client():
    world = make_assist_world()
    client = Client()
    client.login(username=world.customer.user.username, password=PASSWORD)
    return world, client


def test_suggestions_follow_what_the_customer_types(customer_client):
    world, client = customer_client
    page = client.get("/kb/assist/suggest/", {"subject": "forgot keycloak admin password", "body": ""})
    html = page.content.decode()
    assert page.status_code == 200
    assert world.reset.title in html and "This solved my problem" in html
    assert world.internal.title not in html  # internal articles never reach customers
    assert html.count("<li>") <= 3
    assert client.get("/kb/assist/suggest/", {"subject": "ab"}).content.decode().strip() == ""


def test_this_solved_my_problem_ends_the_flow_without_a_ticket(customer_client):
    world, client = customer_client
    response = client.post(
        "/kb/assist/deflect/", {"article": world.reset.id, "subject": "forgot keycloak admin password", "body": "x"}
    )
    assert response.status_code == 200 and "No ticket was opened" in response.content.decode()
    deflection = Deflection.objects.get()
    assert deflection.article == world.reset and deflection.question == "forgot keycloak admin password"
    assert deflection.user == world.customer.user
    assert not Ticket.objects.exists()


def test_a_customer_cannot_deflect_with_an_article_they_may_not_read(customer_client):
    world, client = customer_client
    assert client.post("/kb/assist/deflect/", {"article": world.internal.id}).status_code == 404
    assert client.post("/kb/assist/deflect/", {"article": "x"}).status_code == 404
    assert not Deflection.objects.exists()


def test_the_new_ticket_form_asks_for_suggestions(customer_client):
    _world, client = customer_client
    html = client.get("/portal/new/").content.decode()
    assert 'hx-get="/kb/assist/suggest/"' in html


def test_suggestions_need_a_login():
    make_contact(make_org())
    assert Client().get("/kb/assist/suggest/", {"subject": "keycloak"}).status_code == 302
