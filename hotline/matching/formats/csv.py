"""CSV hash lists, with a header row, in either of two layouts.

* one hash per row: ``algorithm,value[,quality][,category][,first_seen][,reference][,vpdq]``
  (what ``hotline hashlist export --format csv`` writes); a ``vpdq`` row's value is the
  video's id (its MD5) and its ``vpdq`` cell holds the frames, Meta's
  ``frame_number,quality,pdq_hex,timestamp`` lines joined by ``;``;
* one file per row, a column per algorithm: ``md5``, ``sha1``, ``sha256``, ``pdq``
  (and ``quality``, ``category``...), as ``hotline hash`` prints with ``--header``.

Column names are case-insensitive; unknown columns are ignored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import BinaryIO

from hotline.matching.errors import InvalidHash
from hotline.matching.formats.base import (
    HashRecord,
    ParseItem,
    ParseProblem,
    format_timestamp,
    make_record,
    normalise_category,
    parse_timestamp,
    register,
)
from hotline.matching.hashing import registered as registered_algorithms
from hotline.matching.vpdq.features import parse_text, to_lines

EXPORT_COLUMNS = ["algorithm", "value", "quality", "category", "first_seen", "reference", "vpdq"]
FRAME_SEPARATOR = ";"


def _optional_fields(row: dict[str, str], location: str) -> tuple[dict[str, object], str | None]:
    fields: dict[str, object] = {
        "category": normalise_category(row.get("category") or ""),
        "reference": (row.get("reference") or "").strip()[:200],
    }
    quality_text = (row.get("quality") or "").strip()
    if quality_text:
        if not quality_text.isdigit():
            return fields, f"quality must be a number, got {quality_text!r}"
        fields["quality"] = int(quality_text)
    seen_text = (row.get("first_seen") or "").strip()
    if seen_text:
        try:
            fields["first_seen"] = parse_timestamp(seen_text)
        except ValueError:
            return fields, f"first_seen is not a date: {seen_text!r}"
    return fields, None


def _column_algorithms() -> list[str]:
    """Algorithms that can have a column of their own (a video's vPDQ is many frames)."""
    return [name for name in registered_algorithms() if name != "vpdq"]


class CsvFormat:
    """Comma-separated values with a header row (see the module docstring for layouts)."""

    name = "csv"
    description = "CSV with a header: algorithm,value,... or a column per algorithm"
    extension = "csv"

    def parse(self, stream: BinaryIO) -> Iterator[ParseItem]:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        header = [column.strip().lower() for column in next(reader, [])]
        algorithms = [name for name in _column_algorithms() if name in header]
        long_form = "algorithm" in header and "value" in header
        if not long_form and not algorithms:
            known = ", ".join(_column_algorithms())
            yield ParseProblem(
                "line 1", f"the header must name 'algorithm,value' or hash columns ({known})"
            )
            return
        for cells in reader:
            location = f"line {reader.line_num}"
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                yield ParseProblem(location, f"{len(cells)} fields, the header has {len(header)}")
                continue
            row = dict(zip(header, cells, strict=False))
            fields, error = _optional_fields(row, location)
            if error:
                yield ParseProblem(location, error)
                continue
            quality = fields.get("quality")
            common = {
                "location": location,
                "category": str(fields["category"]),
                "reference": str(fields["reference"]),
                "first_seen": fields.get("first_seen"),
            }
            if long_form:
                algorithm = row.get("algorithm", "").strip().lower()
                frames_text = (row.get("vpdq") or "").strip()
                if algorithm == "vpdq" or frames_text:
                    try:
                        features = parse_text(frames_text.replace(FRAME_SEPARATOR, "\n"))
                    except InvalidHash as exc:
                        yield ParseProblem(location, f"vpdq: {exc}")
                        continue
                    common = {**common, "features": features}
                yield self._record(algorithm, row.get("value", ""), quality, common)
                continue
            present = [name for name in algorithms if (row.get(name) or "").strip()]
            if not present:
                yield ParseProblem(location, "no hash in this row")
            for algorithm in present:
                yield self._record(algorithm, row[algorithm], quality, common)
        text.detach()

    @staticmethod
    def _record(
        algorithm: str, value: str, quality: object, common: dict[str, object]
    ) -> HashRecord | ParseProblem:
        first_seen = common["first_seen"]
        features = common.get("features", ())
        return make_record(
            algorithm,
            value,
            location=str(common["location"]),
            quality=quality if isinstance(quality, int) and algorithm == "pdq" else None,
            category=str(common["category"]),
            reference=str(common["reference"]),
            first_seen=first_seen if isinstance(first_seen, datetime) else None,
            features=features if isinstance(features, tuple) else (),
        )

    def export(self, records: Iterable[HashRecord], out: BinaryIO) -> int:
        text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        written = 0
        for record in records:
            writer.writerow(
                [
                    record.algorithm,
                    record.value,
                    "" if record.quality is None else record.quality,
                    record.category,
                    format_timestamp(record.first_seen),
                    record.reference,
                    FRAME_SEPARATOR.join(to_lines(record.features)),
                ]
            )
            written += 1
        text.flush()
        text.detach()
        return written


register(CsvFormat())
