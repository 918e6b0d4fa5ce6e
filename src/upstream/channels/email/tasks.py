"""Tasks-API tasks: IDs in, a service call out."""

from __future__ import annotations

from django_tasks import task

from upstream.channels.email import fetching
from upstream.channels.email.models import Mailbox


@task()
def fetch_mailboxes() -> int:
    """Every minute (the clock): one fetch task per active IMAP mailbox, so a slow server delays only itself."""
    ids = list(Mailbox.objects.filter(active=True).exclude(imap_host="").values_list("id", flat=True))
    for mailbox_id in ids:
        fetch_mailbox.enqueue(mailbox_id)
    return len(ids)


@task()
def fetch_mailbox(mailbox_id: int) -> str:
    mailbox = Mailbox.objects.filter(id=mailbox_id, active=True).first()
    if mailbox is None:
        return "gone"
    return fetching.fetch_mailbox(mailbox)
