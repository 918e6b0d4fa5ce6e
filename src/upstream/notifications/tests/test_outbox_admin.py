"""The outbox in the Django admin: listed read-only, and failed mail can be put back in the queue."""

import pytest
from django.urls import reverse

from upstream.core.testing import make_admin
from upstream.notifications import outbox
from upstream.notifications.models import OutboundEmail, OutboundStatus

pytestmark = pytest.mark.django_db


def test_admin_lists_and_retries(client):
    user = make_admin(is_staff=True, is_superuser=True)
    client.force_login(user)
    email = outbox.queue_email(to=["a@customer.test"], subject="Stuck mail", text="t")
    OutboundEmail.objects.filter(id=email.id).update(status=OutboundStatus.FAILED, attempts=10, last_error="550 no")
    changelist = reverse("admin:notifications_outboundemail_changelist")
    assert "Stuck mail" in client.get(changelist).content.decode()
    assert client.get(reverse("admin:notifications_outboundemail_change", args=[email.id])).status_code == 200
    client.post(changelist, {"action": "retry_now", "_selected_action": [email.id]})
    row = OutboundEmail.objects.get(id=email.id)
    assert row.status == OutboundStatus.PENDING and row.attempts == 0 and row.last_error == ""
