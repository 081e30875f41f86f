"""Plain PDQ lists: one 64-hex hash per line, optionally followed by its quality.

The layout of Meta's test lists (``haystack.txt``) and of most PDQ exchanges.
Blank lines and lines starting with ``#`` are skipped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from hotline.matching.formats.base import HashRecord, ParseItem, ParseProblem, make_record, register

_SEPARATOR = re.compile(r"[\s,;]+")


class PdqFormat:
    """Plain text, one PDQ hash per line (``hex`` or ``hex,quality``)."""

    name = "pdq"
    description = "plain text: one 64-hex PDQ hash per line, optionally ',quality'"
    extension = "txt"

    def parse(self, stream: BinaryIO) -> Iterator[ParseItem]:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
        for number, line in enumerate(text, start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            fields = _SEPARATOR.split(stripped)
            location = f"line {number}"
            quality: int | None = None
            if len(fields) > 2:
                yield ParseProblem(location, "expected a PDQ hash and at most a quality")
                continue
            if len(fields) == 2:
                if not fields[1].isdigit():
                    yield ParseProblem(location, f"quality must be a number, got {fields[1]!r}")
                    continue
                quality = int(fields[1])
            yield make_record("pdq", fields[0], location=location, quality=quality)
        text.detach()

    def export(self, records: Iterable[HashRecord], out: BinaryIO) -> int:
        written = 0
        for record in records:
            if record.algorithm != "pdq":
                continue
            suffix = "" if record.quality is None else f",{record.quality}"
            out.write(f"{record.value}{suffix}\n".encode())
            written += 1
        return written


register(PdqFormat())
