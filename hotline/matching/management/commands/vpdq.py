from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.matching.errors import MatchingError
from hotline.matching.hashing.vpdq import hash_video
from hotline.matching.vpdq.features import to_json, to_text


class Command(BaseCommand):
    help = (
        "Hash videos with vPDQ: per sampled frame frame_number,quality,pdq_hex,timestamp, as"
        " Meta's vpdq-hash-video writes them (or python-threatexchange's JSON with --json)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="VIDEO")
        parser.add_argument("--json", action="store_true", help="one JSON object per video")
        parser.add_argument(
            "--seconds-per-hash",
            type=float,
            default=None,
            help="seconds between hashed frames (default HOTLINE_VPDQ_SECONDS_PER_HASH)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        failed = 0
        many = len(options["files"]) > 1
        for path in options["files"]:
            try:
                features = hash_video(path, seconds_per_hash=options["seconds_per_hash"])
            except (MatchingError, OSError) as exc:
                failed += 1
                message = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                print(f"hotline vpdq: {path}: {message}", file=sys.stderr)
                continue
            if options["json"]:
                self.stdout.write(to_json(features))
                continue
            if many:
                self.stdout.write(f"# {path}")
            self.stdout.write(to_text(features), ending="")
        if failed:
            raise CommandError(f"{failed} of {len(options['files'])} videos could not be hashed")
