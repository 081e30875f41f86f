from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from hotline.site.demo import load_demo_data


class Command(BaseCommand):
    help = "Load demo organisations, users (one per role) and credentials, and print the logins."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = load_demo_data()
        self.stdout.write("Demo data loaded (synthetic; reserved names only).")
        self.stdout.write("Staff logins (user / password):")
        for username, password, roles, organisation in summary.logins:
            self.stdout.write(f"  {username:<12} {password:<22} {roles} @ {organisation}")
        if summary.tokens:
            self.stdout.write("API credentials (fixed demo tokens; demo mode only):")
            for name, token in summary.tokens:
                self.stdout.write(f"  {name:<24} {token or '(revoked or expired)'}")
        else:
            self.stdout.write("API credentials: none printed (demo tokens need HOTLINE_DEMO=1).")
