from __future__ import annotations

import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.hosting.canonical import InvalidUrl, canonicalize, expression_hashes
from hotline.hosting.domains import registrable_domain


def argument_bytes(argument: str) -> bytes:
    """The bytes given on the command line for ``argument``.

    Python decodes ``argv`` with the file-system encoding and ``surrogateescape``, so a
    byte that is not UTF-8 (``\x80``) arrives as a lone surrogate; ``os.fsencode`` gives
    the original byte back, which is what the canonicaliser must escape (``%80``), not
    the surrogate's UTF-8 spelling (``%ED%B2%80``).
    """
    try:
        return os.fsencode(argument)
    except UnicodeEncodeError:  # a surrogate that did not come from argv (call_command)
        return argument.encode("utf-8", "surrogatepass")


def describe_url(raw: str | bytes) -> dict[str, Any]:
    """The JSON-ready description of one URL: canonical form, host, registrable domain and the
    Safe Browsing lookup expressions with their SHA-256; or the reason it is not a web address.

    ``bytes`` are canonicalised byte for byte; ``input`` shows bytes that are not UTF-8 as
    ``\\xNN`` so the line stays printable JSON."""
    data = raw if isinstance(raw, bytes) else argument_bytes(raw)
    shown = data.decode("utf-8", "backslashreplace")
    try:
        canonical = canonicalize(data)
    except InvalidUrl as exc:
        return {"input": shown, "error": str(exc)}
    return {
        "input": shown,
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
