from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.matching.errors import InvalidHash
from hotline.matching.queries import find_matches, parse_query
from hotline.matching.sync import pdq_radius


class Command(BaseCommand):
    help = (
        "Look hashes up in every enabled hash list; one JSON line per hash and algorithm. "
        "MD5, SHA-1, SHA-256 and PDQ are told apart by length (64 hex: both SHA-256 and PDQ); "
        "write ALGORITHM:VALUE to choose."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("hashes", nargs="+", metavar="HASH")
        parser.add_argument(
            "--radius", type=int, default=None, help="PDQ distance (default: the setting, 31)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        radius = options["radius"]
        if radius is not None and not 0 <= radius <= pdq_radius():
            raise CommandError(f"--radius must be between 0 and {pdq_radius()}")
        for text in options["hashes"]:
            try:
                queries = parse_query(text)
            except InvalidHash as exc:
                raise CommandError(f"{text}: {exc}") from None
            for algorithm, value in queries:
                matches = find_matches(algorithm, value, radius=radius)
                line = {
                    "query": value,
                    "algorithm": algorithm,
                    "matches": [match.as_dict() for match in matches],
                }
                self.stdout.write(json.dumps(line, sort_keys=False))
