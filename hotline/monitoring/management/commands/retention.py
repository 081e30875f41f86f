from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.monitoring.retention import run_retention


class Command(BaseCommand):
    help = (
        "Retention: 'purge' clears every kind of record past its HOTLINE_RETENTION_* period "
        "(--dry-run: only counts, --list: with the ids)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["purge"])
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would go, change nothing"
        )
        parser.add_argument("--list", action="store_true", help="also print the ids per kind")

    def handle(self, *args: Any, **options: Any) -> None:
        run = run_retention(dry_run=options["dry_run"])
        verb = "would be purged" if run.dry_run else "purged"
        for result in run.results:
            period = "kept forever" if result.days == 0 else f"after {result.days} days"
            self.stdout.write(f"{result.kind}: {result.count} {verb} ({period})")
            if options["list"] and result.ids:
                self.stdout.write("  ids: " + " ".join(str(pk) for pk in result.ids))
        self.stdout.write(f"total: {run.total} {verb}")
