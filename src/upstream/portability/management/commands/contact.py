"""`upstream contact export ID ARCHIVE` and `upstream contact erase ID --yes`: a contact's personal data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from upstream.accounts.models import User
from upstream.customers.models import Contact
from upstream.portability.personal import erase_contact, export_contact


class Command(BaseCommand):
    help = "Export everything about one contact, or erase (anonymise) them keeping ticket statistics."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write the contact's personal data to a tar.gz")
        export.add_argument("contact", type=int, help="contact id")
        export.add_argument("archive", help="path of the tar.gz to write")
        export.add_argument("--by", metavar="USERNAME", help="the admin on whose behalf (recorded in the audit log)")
        erase = sub.add_parser("erase", help="anonymise the contact (irreversible)")
        erase.add_argument("contact", type=int, help="contact id")
        erase.add_argument("--by", metavar="USERNAME", help="the admin on whose behalf (recorded in the audit log)")
        erase.add_argument("--yes", action="store_true", help="confirm: erasure cannot be undone")

    def handle(self, *args: Any, **options: Any) -> None:
        contact = Contact.objects.filter(pk=options["contact"]).select_related("user").first()
        if contact is None:
            raise CommandError(f"no contact with id {options['contact']}")
        by = self._actor(options.get("by"))
        if options["action"] == "export":
            path = Path(options["archive"])
            if path.exists():
                raise CommandError(f"{path} exists; choose another name")
            counts = export_contact(contact, path, by=by)
            self.stdout.write(
                self.style.SUCCESS(f"Wrote {sum(counts.values())} rows about contact #{contact.pk} to {path}.")
            )
            return
        if not options["yes"]:
            raise CommandError("erasure cannot be undone; add --yes to confirm")
        result = erase_contact(by=by, contact=contact)
        changed = ", ".join(f"{n} {what}" for what, n in result.changed.items()) or "no related text"
        self.stdout.write(self.style.SUCCESS(f"Contact #{contact.pk} erased ({changed})."))

    def _actor(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None or not user.is_admin:
            raise CommandError(f"{username!r} is not an active admin")
        return user
