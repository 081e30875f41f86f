from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.matching.uploads import purge_expired, rotate_keys


class Command(BaseCommand):
    help = "Stored media: 'rotate' re-encrypts everything with the current key; 'purge' deletes expired files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rotate", "purge"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rotate":
            self.stdout.write(f"{rotate_keys()} file(s) re-encrypted with the current key")
        else:
            self.stdout.write(f"{purge_expired()} file(s) purged")
