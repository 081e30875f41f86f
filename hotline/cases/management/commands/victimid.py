from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.audit.actions import record
from hotline.cases.victim_id import export


class Command(BaseCommand):
    help = "Export confirmed baseline material's hashes as Project VIC VICS 2.0 JSON, new material flagged."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["export"])
        parser.add_argument(
            "--since", default="", help="only assessments from this date (YYYY-MM-DD)"
        )
        parser.add_argument(
            "-o", "--output", default="-", help="file to write (default: standard output)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            try:
                since = datetime.fromisoformat(options["since"]).astimezone()
            except ValueError:
                raise CommandError("--since: expected a date such as 2026-01-31") from None
        if options["output"] == "-":
            written, new = export(sys.stdout.buffer, since=since)
        else:
            with open(options["output"], "wb") as out:
                written, new = export(out, since=since)
        record("matching.victim_id.export", actor=None, detail={"records": written, "new": new})
        self.stderr.write(f"{written} records exported, {new} of them new material")
