"""The hash list format extension point: parsers and exporters registered by name.

A format is one module in this package that calls :func:`register`. Parsers
stream: they yield one :class:`HashRecord` (or :class:`ParseProblem`) at a time
and never hold the whole file, so a 1 GB export imports in constant memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO, Protocol

from hotline.core.registry import Registry
from hotline.matching.errors import InvalidHash
from hotline.matching.hashing import normalise_value
from hotline.matching.vpdq.features import VpdqFeature, vpdq_id


@dataclass(frozen=True)
class HashRecord:
    """One hash read from or written to a list file.

    ``location`` says where in the file it was (``line 12``, ``media #3``). A ``vpdq``
    record's ``value`` is the video's id (its MD5) and ``features`` are its frames.
    """

    algorithm: str
    value: str
    quality: int | None = None
    category: str = ""
    reference: str = ""
    first_seen: datetime | None = None
    location: str = ""
    features: tuple[VpdqFeature, ...] = ()


@dataclass(frozen=True)
class ParseProblem:
    """A part of the file that could not be read, and why; the rest still imports."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True)
class ParseNotice:
    """Something worth telling the importer that is not an error (e.g. a wrong declared count)."""

    message: str


ParseItem = HashRecord | ParseProblem | ParseNotice


class HashListFormat(Protocol):
    """A file format for hash lists: a name, a parser and an exporter."""

    name: str
    description: str
    extension: str

    def parse(self, stream: BinaryIO) -> Iterator[ParseItem]:
        """Yield each record or problem of a binary stream, in file order."""
        ...

    def export(self, records: Iterable[HashRecord], out: BinaryIO) -> int:
        """Write records to ``out``; return how many were written."""
        ...


_REGISTRY: Registry[HashListFormat] = Registry("hash list format")


def register(fmt: HashListFormat) -> HashListFormat:
    """Add a format to the registry under its name."""
    if fmt.name in _REGISTRY:
        raise ValueError(f"hash list format {fmt.name!r} is already registered")
    return _REGISTRY.register(fmt.name, fmt)


def registered() -> Registry[HashListFormat]:
    return _REGISTRY


def make_record(
    algorithm: str,
    value: str,
    *,
    location: str,
    quality: int | None = None,
    category: str = "",
    reference: str = "",
    first_seen: datetime | None = None,
    features: tuple[VpdqFeature, ...] = (),
) -> HashRecord | ParseProblem:
    """A validated record (canonical lowercase hex), or the problem with it.

    A ``vpdq`` record needs its frames; without a value its id is the MD5 of the frames.
    """
    algorithm = algorithm.strip().lower()
    if algorithm == "vpdq":
        if not features:
            return ParseProblem(location, "a vpdq hash needs its frames")
        if not value.strip():
            value = vpdq_id(features)
    elif features:
        return ParseProblem(location, f"only vpdq hashes carry frames, not {algorithm}")
    try:
        canonical = normalise_value(algorithm, value)
    except InvalidHash as exc:
        return ParseProblem(location, str(exc))
    if quality is not None and not 0 <= quality <= 100:
        return ParseProblem(location, f"quality must be 0 to 100, got {quality}")
    if algorithm != "pdq":
        quality = None
    return HashRecord(
        algorithm=algorithm,
        value=canonical,
        quality=quality,
        category=category,
        reference=reference,
        first_seen=first_seen,
        location=location,
        features=features,
    )


_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_FRACTION = re.compile(r"\.(\d+)")


def parse_timestamp(text: str) -> datetime:
    """A timezone-aware datetime from ISO 8601 or the OData ``/Date(ms)/`` form.

    Accepts what real exports contain: ``Z``, more than six fractional digits,
    no zone (taken as UTC). Raises ``ValueError`` otherwise.
    """
    text = text.strip()
    match = _MS_DATE.match(text)
    if match:
        # The optional +hhmm is the producer's zone for display; the milliseconds are UTC.
        return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def format_timestamp(moment: datetime | None) -> str:
    """ISO 8601 in UTC with a ``Z``, or '' for none."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalise_category(raw: object) -> str:
    """A category label as text: numbers in canonical decimal (``1``, ``"01"`` and ``1.0`` alike)."""
    if raw is None or isinstance(raw, bool):
        return ""
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    text = str(raw).strip()
    if text.isdigit():
        return str(int(text))
    return text[:64]
