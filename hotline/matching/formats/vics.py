"""Project VIC VICS JSON (OData), versions 1.x and 2.0: what ICSE and Griffeye-style tools exchange.

Read, streaming with ``ijson`` (a 1 GB export never sits in memory whole):

* 1.x: ``{"odata.metadata": ..., "value": [{case..., "Media": [{...}, ...]}]}``
* 2.0: ``{"@odata.context": ..., "value": [{case..., "Media": [...]}]}``, or ``value``
  holding the media records themselves (``...$metadata#Media``).

Quirks of real exports that are tolerated: a UTF-8 byte-order mark; OData
``/Date(1400000000000)/`` timestamps and ISO ones with seven fractional digits;
declared counts (``odata.count``, ``Media@odata.count``, ``MediaCount``) that do
not match the media present (reported as a notice, the actual media imported);
``Category`` as a number or a string; field names in any letter case.

Written: VICS 2.0, one media record per hash, ``Category`` always an integer
(:func:`vics_category`). PDQ hashes, which VICS has no
field for, go in a ``PDQ`` property (with ``PDQQuality``) that VICS tools ignore; a
video's vPDQ likewise in ``VPDQ`` (a list of Meta's ``frame_number,quality,pdq_hex,
timestamp`` lines, or python-threatexchange's JSON when read) with its id in ``VPDQID``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

import ijson
from ijson.common import ObjectBuilder

from hotline.matching.errors import InvalidHash
from hotline.matching.formats.base import (
    HashRecord,
    ParseItem,
    ParseNotice,
    ParseProblem,
    format_timestamp,
    make_record,
    normalise_category,
    parse_timestamp,
    register,
)
from hotline.matching.vpdq.features import features_from_json, parse, to_lines

CONTEXT = "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/CUSTOM/$metadata#Media"
_BOM = b"\xef\xbb\xbf"
# VICS field (lower case) for each algorithm we read and write.
_FIELDS = {"md5": "MD5", "sha1": "SHA1", "sha256": "SHA256", "pdq": "PDQ"}
_COUNT_KEYS = ("media@odata.count", "mediacount", "odata.count", "@odata.count")
_MEDIA_ARRAYS = ("Media", "media")
_CONTAINERS = ("value.item", "item")
# VICS categories are integers (readers refuse text). Project VIC's 1 is child abuse
# material, which our assessments call "baseline"; 0 is "uncategorised".
VICS_CATEGORIES = {"baseline": 1}
UNCATEGORISED = 0


def vics_category(category: str) -> int:
    """The VICS ``Category`` number for a stored category label.

    Numbers (as imported from VICS or CSV lists) are kept; our own labels are
    mapped by :data:`VICS_CATEGORIES`; any other label has no VICS number and is
    written as uncategorised, so the receiving analyst categorises it.
    """
    if category.isdigit():
        return int(category)
    return VICS_CATEGORIES.get(category, UNCATEGORISED)


class _WithoutBom:
    """A read-only stream that drops a leading UTF-8 byte-order mark."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        head = stream.read(len(_BOM))
        self._head = b"" if head == _BOM else head

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""  # ijson probes with read(0) for the stream's type
        if self._head:
            head, self._head = self._head, b""
            if size < 0:
                return head + self._stream.read()
            return head + self._stream.read(max(0, size - len(head)))
        return self._stream.read(size)


def _media_records(media: dict[str, Any], number: int) -> Iterator[ParseItem]:
    fields = {str(key).lower(): value for key, value in media.items()}
    reference = fields.get("mediaid")
    reference_text = "" if reference is None else str(reference)[:200]
    location = f"media #{number}" + (f" (MediaID {reference_text})" if reference_text else "")
    first_seen = None
    updated = fields.get("dateupdated")
    if isinstance(updated, str) and updated.strip():
        try:
            first_seen = parse_timestamp(updated)
        except ValueError:
            first_seen = None  # a bad date does not make the hash any less known
    category = normalise_category(fields.get("category"))
    quality = fields.get("pdqquality")
    found = False
    frames = fields.get("vpdq")
    if frames:
        found = True
        try:
            features = features_from_json(frames) if not isinstance(frames, str) else parse(frames)
        except InvalidHash as exc:
            yield ParseProblem(location, f"VPDQ: {exc}")
        else:
            video_id = fields.get("vpdqid")
            yield make_record(
                "vpdq",
                video_id if isinstance(video_id, str) else "",
                location=location,
                category=category,
                reference=reference_text,
                first_seen=first_seen,
                features=features,
            )
    for algorithm, field in _FIELDS.items():
        value = fields.get(field.lower())
        if not isinstance(value, str) or not value.strip():
            continue
        found = True
        yield make_record(
            algorithm,
            value,
            location=location,
            quality=int(quality) if isinstance(quality, int | float) else None,
            category=category,
            reference=reference_text,
            first_seen=first_seen,
        )
    if not found:
        yield ParseProblem(location, "no MD5, SHA1, SHA256, PDQ or VPDQ value in this media record")


def _declared_count(container: dict[str, Any]) -> int | None:
    for key, value in container.items():
        if str(key).lower() in _COUNT_KEYS and isinstance(value, int | float):
            return int(value)
    return None


class VicsFormat:
    """Project VIC VICS JSON 1.x and 2.0 (read), 2.0 (write)."""

    name = "vics"
    description = "Project VIC VICS JSON (1.x and 2.0 read, 2.0 written)"
    extension = "json"

    def parse(self, stream: BinaryIO) -> Iterator[ParseItem]:
        media_number = 0
        media_prefixes = {f"{c}.{a}.item" for c in _CONTAINERS for a in _MEDIA_ARRAYS}
        media_prefixes |= {f"{a}.item" for a in _MEDIA_ARRAYS}
        media_arrays = {f"{c}.{a}" for c in _CONTAINERS for a in _MEDIA_ARRAYS}
        skip_prefixes = tuple(f"{array}." for array in media_arrays)
        media: ObjectBuilder | None = None
        media_prefix = ""
        container: ObjectBuilder | None = None
        container_prefix = ""
        container_media = 0
        declared_total: int | None = None
        try:
            for prefix, event, value in ijson.parse(_WithoutBom(stream), use_float=True):
                if media is not None:
                    media.event(event, value)
                    if event == "end_map" and prefix == media_prefix:
                        media_number += 1
                        container_media += 1
                        yield from _media_records(media.value, media_number)
                        media = None
                    continue
                if event == "start_map" and prefix in media_prefixes:
                    media, media_prefix = ObjectBuilder(), prefix
                    media.event(event, value)
                    continue
                if container is not None:
                    skipping = (
                        prefix in media_arrays
                        or prefix.startswith(skip_prefixes)
                        or (
                            event == "map_key"
                            and prefix == container_prefix
                            and value in _MEDIA_ARRAYS
                        )
                    )
                    if not skipping:
                        container.event(event, value)
                    if event == "end_map" and prefix == container_prefix:
                        item: dict[str, Any] = container.value
                        container = None
                        lowered = {str(key).lower() for key in item}
                        if lowered & (set(_FIELDS) | {"vpdq"}):
                            # VICS 2.0 with media records straight under "value".
                            media_number += 1
                            yield from _media_records(item, media_number)
                            continue
                        declared = _declared_count(item)
                        if declared is not None and declared != container_media:
                            yield ParseNotice(
                                f"a case declares {declared} media but holds {container_media};"
                                " the media present were read"
                            )
                    continue
                if event == "start_map" and prefix in _CONTAINERS:
                    container, container_prefix, container_media = ObjectBuilder(), prefix, 0
                    container.event(event, value)
                    continue
                if prefix in ("odata.count", "@odata.count") and event == "number":
                    declared_total = int(value)
        except ijson.JSONError as exc:
            yield ParseProblem(f"after media #{media_number}", f"not valid JSON: {exc}")
            return
        if media_number == 0:
            yield ParseNotice("no media records found: is this a VICS JSON file?")
        if declared_total is not None and declared_total != media_number:
            yield ParseNotice(
                f"the file declares {declared_total} records but holds {media_number};"
                " the records present were read"
            )

    def export(self, records: Iterable[HashRecord], out: BinaryIO) -> int:
        out.write(b'{"@odata.context":' + json.dumps(CONTEXT).encode() + b',"value":[')
        written = 0
        for record in records:
            media: dict[str, Any] = {"MediaID": written + 1}
            category = vics_category(record.category)
            media["Category"] = category
            if record.algorithm == "vpdq":
                media["VPDQID"] = record.value
                media["VPDQ"] = to_lines(record.features)
            else:
                media[_FIELDS[record.algorithm]] = (
                    record.value.upper() if record.algorithm != "pdq" else record.value
                )
            if record.algorithm == "pdq" and record.quality is not None:
                media["PDQQuality"] = record.quality
            if record.first_seen is not None:
                media["DateUpdated"] = format_timestamp(record.first_seen)
            media["IsPrecategorized"] = category != UNCATEGORISED
            out.write((b"\n" if written == 0 else b",\n") + json.dumps(media).encode())
            written += 1
        out.write(b"\n]}\n")
        return written


register(VicsFormat())
