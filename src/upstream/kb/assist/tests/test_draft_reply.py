"""With an OpenAI-compatible endpoint configured, the agent panel drafts a reply from the suggested articles, with
citations; without one, the action is not offered."""

import pytest
from django.test import Client

from upstream.core.testing import PASSWORD, make_ticket
from upstream.kb.assist.tests.assist_world import make_assist_world
from upstream.kb.search.tests.test_semantic_draft import stand_in  # noqa: F401  (a local stand-in for the endpoint)

pytestmark = pytest.mark.django_db


def _agent(world):
    client = Client()
    client.login(username=world.agent.username, password=PASSWORD)
    return client


def test_a_draft_cites_the_suggested_articles(stand_in):  # noqa: F811
    world = make_assist_world()
    stand_in.reply = "Run `kc.sh bootstrap-admin user` and set a new password [1]."
    ticket = make_ticket(world.customer, subject="Forgot Keycloak admin password", body="Cannot log in as admin.")
    client = _agent(world)
    assert "Draft a reply from these articles" in client.get(f"/kb/assist/tickets/{ticket.reference}/").content.decode()
    html = client.post(f"/kb/assist/tickets/{ticket.reference}/draft-reply/").content.decode()
    assert "bootstrap-admin" in html and world.reset.title in html
    sent = stand_in.requests[0]["body"]["messages"][1]["content"]
    assert world.reset.title in sent and "Forgot Keycloak admin password" in sent


def test_without_an_endpoint_there_is_no_draft_action(settings):
    settings.LLM_BASE_URL = ""
    world = make_assist_world()
    ticket = make_ticket(world.customer, subject="Forgot Keycloak admin password")
    client = _agent(world)
    assert "Draft a reply" not in client.get(f"/kb/assist/tickets/{ticket.reference}/").content.decode()
    assert "No draft" in client.post(f"/kb/assist/tickets/{ticket.reference}/draft-reply/").content.decode()
