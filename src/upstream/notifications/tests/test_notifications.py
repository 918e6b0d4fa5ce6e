"""In-app notifications with an email on commit, the /notifications/ page (mark read, mark all read), the bell's
badge, and a query count that does not grow with the number of notifications."""

import pytest
from django.core import mail
from django.urls import reverse

from upstream.core.testing import make_agent, make_contact, make_org, make_ticket
from upstream.notifications import services
from upstream.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return make_agent()


def test_notify_stores_it_and_emails_after_commit(agent, django_capture_on_commit_callbacks):
    org = make_org()
    ticket = make_ticket(make_contact(org), org)
    with django_capture_on_commit_callbacks(execute=True):
        note = services.notify(agent, text="UP-1 breached", ticket=ticket, kind="sla_breach")
        assert mail.outbox == []  # nothing leaves before the commit
    assert note.url == reverse("tickets:detail", kwargs={"ref": ticket.reference})
    assert (
        len(mail.outbox) == 1 and mail.outbox[0].subject == "UP-1 breached" and ticket.reference in mail.outbox[0].body
    )


@pytest.mark.smoke
def test_no_email_when_asked_not_to(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(agent, text="quiet", email=False)
    assert mail.outbox == [] and services.unread_count(agent) == 1


def test_page_lists_mine_and_marks_read(client, agent):
    other = make_agent()
    first = services.notify(agent, text="first", email=False)
    services.notify(agent, text="second", email=False)
    theirs = services.notify(other, text="not yours", email=False)
    client.force_login(agent)
    html = client.get(reverse("notifications:list")).content.decode()
    assert "first" in html and "second" in html and "not yours" not in html
    client.post(reverse("notifications:read", args=[theirs.id]))  # someone else's: ignored
    assert Notification.objects.get(id=theirs.id).read_at is None
    client.post(reverse("notifications:read", args=[first.id]))
    assert services.unread_count(agent) == 1
    assert client.get(reverse("notifications:badge")).content.decode().startswith('<span class="bell-count">1</span>')
    client.post(reverse("notifications:read_all"))
    assert services.unread_count(agent) == 0 and services.unread_count(other) == 1
    assert "bell-count" not in client.get(reverse("notifications:badge")).content.decode()


def test_the_bell_is_in_the_staff_header_only(client, agent):
    client.force_login(agent)
    assert reverse("notifications:badge") in client.get(reverse("notifications:list")).content.decode()
    org = make_org()
    client.force_login(make_contact(org).user)
    assert reverse("notifications:badge") not in client.get(reverse("tickets:portal")).content.decode()


def test_page_query_count_does_not_grow(client, agent, django_assert_num_queries):
    client.force_login(agent)
    services.notify(agent, text="one", email=False)
    client.get(reverse("notifications:list"))
    org = make_org()
    ticket = make_ticket(make_contact(org), org)
    for n in range(30):
        services.notify(agent, text=f"n{n}", ticket=ticket, email=False)
    with django_assert_num_queries(3):  # session, user, the page with its tickets joined
        response = client.get(reverse("notifications:list"))
    assert response.content.decode().count('<li class="notification') == 31
