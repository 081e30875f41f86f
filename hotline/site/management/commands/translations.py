from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline import languages
from hotline.site import translations


class Command(BaseCommand):
    help = (
        "Translation workflow. `status`: completeness of every language's catalogue for the "
        "public pages, how it was produced and whether a native speaker reviewed it. "
        "`missing LANG`: the public strings LANG still lacks. See docs/translations.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        status = sub.add_parser("status", help="completeness per language")
        status.add_argument(
            "--all", action="store_true", help="every shipped language, not only enabled ones"
        )
        missing = sub.add_parser("missing", help="the public strings a language lacks")
        missing.add_argument("language")
        sync = sub.add_parser(
            "sync", help="add every public string to each shipped catalogue (translations kept)"
        )
        sync.add_argument("languages", nargs="*", help="codes (default: every shipped language)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "sync":
            for code in options["languages"] or [c for c in languages.BY_CODE if c != "en"]:
                if code not in languages.BY_CODE:
                    raise CommandError(f"unknown language {code!r}")
                path, added = translations.sync_catalogue(code)
                self.stdout.write(f"{code:<8} {added:>4} added  {path}")
            self.stdout.write("Translate the empty entries, then run `hotline compilemessages`.")
            return
        if action == "missing":
            code = options["language"]
            if code not in languages.BY_CODE:
                raise CommandError(
                    f"unknown language {code!r}; known: {', '.join(languages.BY_CODE)}"
                )
            for msgid in translations.status(code, settings.STAFF_LANGUAGES).public_missing:
                self.stdout.write(msgid)
            return
        codes = list(languages.BY_CODE) if options["all"] else settings.PUBLIC_LANGUAGES
        self.stdout.write(
            f"{'code':<8} {'language':<20} {'public':>9} {'missing':>7} {'placeh.':>7} "
            f"{'staff':<5} {'reviewed':<9} produced by"
        )
        incomplete = 0
        for code in codes:
            row = translations.status(code, settings.STAFF_LANGUAGES)
            done = row.public_total - len(row.public_missing)
            incomplete += not row.complete
            self.stdout.write(
                f"{code:<8} {row.english:<20} {done:>4}/{row.public_total:<4} "
                f"{len(row.public_missing):>7} {len(row.placeholder_errors):>7} "
                f"{'yes' if row.staff else '':<5} {row.reviewed or '?':<9} {row.produced_by or '?'}"
            )
        if incomplete:
            raise CommandError(
                f"{incomplete} language(s) incomplete: `hotline translations missing LANG`"
            )
