from __future__ import annotations

import csv
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.matching.errors import MatchingError
from hotline.matching.hashing import hash_file

COLUMNS = ["path", "pdq", "quality", "md5", "sha1", "sha256"]
# vPDQ is many lines per video: ``hotline vpdq`` prints it.
ALGORITHMS = ["pdq", "md5", "sha1", "sha256"]


class Command(BaseCommand):
    help = (
        "Hash files: one CSV line per file, path,pdq,quality,md5,sha1,sha256 "
        "(pdq and quality empty for videos; `hotline vpdq` hashes videos). Types are detected"
        " by content."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--header", action="store_true", help="print a header line first")

    def handle(self, *args: Any, **options: Any) -> None:
        writer = csv.writer(self.stdout, lineterminator="\n")
        if options["header"]:
            writer.writerow(COLUMNS)
        failed = 0
        for path in options["files"]:
            try:
                hashes = hash_file(path, names=ALGORITHMS)
            except (MatchingError, OSError) as exc:
                failed += 1
                message = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                print(f"hotline hash: {path}: {message}", file=sys.stderr)
                continue
            pdq = hashes.get("pdq")
            digests = [hashes.get(name) for name in ("md5", "sha1", "sha256")]
            writer.writerow(
                [path, pdq.value if pdq else "", pdq.quality if pdq else ""]
                + [digest.value if digest else "" for digest in digests]
            )
        if failed:
            raise CommandError(f"{failed} of {len(options['files'])} files could not be hashed")
