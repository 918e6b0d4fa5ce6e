"""Admins download a contact's data or erase the contact from the export page; nobody else can."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from django.test import Client
from django.urls import reverse

from upstream.accounts.models import AuditEvent
from upstream.core.testing import make_admin, make_agent, make_two_organisations
from upstream.customers.models import Contact

pytestmark = pytest.mark.django_db

URL = reverse("portability:contact_data")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_admin_downloads_a_contacts_data():
    world = make_two_organisations()
    admin = make_admin()
    response = _client(admin).post(URL, {"email": world.alice.email.upper(), "action": "export"})
    assert response.status_code == 200 and response["Content-Type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(response.content)) as tar:
        document = json.loads(tar.extractfile("personal.json").read())
    assert document["contact"]["id"] == world.alice.pk
    assert AuditEvent.objects.filter(action="contact.exported", actor=admin).exists()


def test_erasure_needs_the_confirmation():
    world = make_two_organisations()
    client = _client(make_admin())
    refused = client.post(URL, {"email": world.bob.email, "action": "erase"})
    assert refused.status_code == 422 and b"cannot be undone" in refused.content
    assert Contact.objects.get(pk=world.bob.pk).email == world.bob.email
    done = client.post(URL, {"email": world.bob.email, "action": "erase", "confirm": "yes"})
    assert done.status_code == 302
    assert Contact.objects.get(pk=world.bob.pk).name == f"Erased contact {world.bob.pk}"


def test_unknown_address_and_other_people():
    world = make_two_organisations()
    unknown = _client(make_admin()).post(URL, {"email": "nobody@nowhere.test", "action": "export"})
    assert unknown.status_code == 422 and b"nobody@nowhere.test" in unknown.content
    for outsider in (make_agent(world.platform), world.a_admin.user):
        assert (
            _client(outsider).post(URL, {"email": world.alice.email, "action": "erase", "confirm": "yes"}).status_code
            == 404
        )
    assert not AuditEvent.objects.filter(action="contact.erased").exists()
