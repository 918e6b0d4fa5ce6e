"""On the agent's ticket page: suggested articles, similar resolved tickets, one-click link insertion, and "create
article from ticket" prefilled from the question and the resolving reply."""

import pytest
from django.test import Client

from upstream.core.testing import PASSWORD, make_ticket
from upstream.kb.assist.tests.assist_world import make_assist_world
from upstream.kb.models import Article, Status, Visibility
from upstream.kb.search.index import rebuild
from upstream.tickets import services
from upstream.tickets.models import Status as TicketStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client():
    world = make_assist_world()
    client = Client()
    client.login(username=world.agent.username, password=PASSWORD)
    return world, client


def test_the_panel_suggests_articles_and_similar_resolved_tickets(agent_client):
    world, client = agent_client
    old = make_ticket(world.customer, subject="Keycloak admin password lost", body="We lost the admin password.")
    services.reply(by=world.agent, ticket=old, body="Run kc.sh bootstrap-admin.", then_status=TicketStatus.RESOLVED)
    new = make_ticket(world.customer, subject="Forgot Keycloak admin password", body="Cannot log in as admin.")
    rebuild()
    html = client.get(f"/kb/assist/tickets/{new.reference}/").content.decode()
    assert world.reset.title in html and "Insert link" in html
    assert old.reference in html  # the similar, resolved ticket
    assert f"/tickets/{new.reference}/" not in html.split("Similar resolved tickets")[1].split("<form")[0]


def test_the_ticket_page_loads_the_panel(agent_client):
    world, client = agent_client
    ticket = make_ticket(world.customer, subject="Backup error 17")
    html = client.get(f"/tickets/{ticket.reference}/").content.decode()
    assert f'hx-get="/kb/assist/tickets/{ticket.reference}/"' in html


def test_create_article_from_ticket_prefills_a_draft(agent_client):
    world, client = agent_client
    ticket = make_ticket(world.customer, subject="Odoo invoice PDF is blank", body="The invoice PDF prints blank.")
    services.reply(by=world.agent, ticket=ticket, body="Install wkhtmltopdf 0.12.6 with patched Qt.",
                   then_status=TicketStatus.RESOLVED)  # fmt: skip
    response = client.post(f"/kb/assist/tickets/{ticket.reference}/draft-article/")
    article = Article.objects.get(source_ticket=ticket)
    assert response.status_code == 302 and response["Location"] == article.manage_url()
    assert article.status == Status.DRAFT and article.visibility == Visibility.INTERNAL
    assert article.title == "Odoo invoice PDF is blank"
    assert "prints blank" in article.body_markdown and "wkhtmltopdf" in article.body_markdown


def test_customers_get_no_agent_panel(agent_client):
    world, _client = agent_client
    ticket = make_ticket(world.customer, subject="Backup error 17")
    client = Client()
    client.login(username=world.customer.user.username, password=PASSWORD)
    assert client.get(f"/kb/assist/tickets/{ticket.reference}/").status_code == 302
    assert client.post(f"/kb/assist/tickets/{ticket.reference}/draft-article/").status_code == 403
    assert not Article.objects.filter(source_ticket=ticket).exists()
