from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.hosting.canonical import InvalidUrl, canonicalize, expression_hashes
from hotline.hosting.domains import registrable_domain


def describe_url(raw: str) -> dict[str, Any]:
    """The JSON-ready description of one URL: canonical form, host, registrable domain and the
    Safe Browsing lookup expressions with their SHA-256; or the reason it is not a web address."""
    try:
        canonical = canonicalize(raw)
    except InvalidUrl as exc:
        return {"input": raw, "error": str(exc)}
    return {
        "input": raw,
        "canonical": canonical.url,
        "host": canonical.host,
        "registrable_domain": registrable_domain(canonical.host),
        "expressions": [
            {"expression": item.expression, "sha256": item.sha256_hex, "prefix": item.prefix_hex}
            for item in expression_hashes(canonical)
        ],
    }


class Command(BaseCommand):
    help = (
        "Print, one JSON line per URL, its canonical form (Safe Browsing), host, registrable "
        "domain and lookup expressions with their SHA-256. Exits 1 if any URL is invalid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("urls", nargs="+", metavar="URL")

    def handle(self, *args: Any, **options: Any) -> None:
        invalid = 0
        for raw in options["urls"]:
            description = describe_url(raw)
            invalid += "error" in description
            self.stdout.write(json.dumps(description, ensure_ascii=False))
        if invalid:
            raise CommandError(f"{invalid} of {len(options['urls'])} URLs are not web addresses")
