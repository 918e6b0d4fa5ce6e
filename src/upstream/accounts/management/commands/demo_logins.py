"""`upstream demo_logins`: print the demo sign-ins created by `upstream generate --demo`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from upstream.accounts.demo import DEMO_LOGINS
from upstream.accounts.models import User


class Command(BaseCommand):
    help = "Print the demo logins (role, username, password, what they see)."

    def handle(self, *args: Any, **options: Any) -> None:
        existing = set(
            User.objects.filter(username__in=[d.username for d in DEMO_LOGINS]).values_list("username", flat=True)
        )
        if not existing:
            self.stdout.write("No demo logins in this database; load them with: upstream generate --demo")
            return
        self.stdout.write("Demo logins (demo data only; change or remove them before real use):")
        width = max(len(d.username) for d in DEMO_LOGINS)
        for demo in DEMO_LOGINS:
            if demo.username not in existing:
                continue
            self.stdout.write(f"  {demo.role:<8}  {demo.username:<{width}}  password: {demo.password:<6}  {demo.sees}")
