"""The vPDQ frame ("feature") and the forms vPDQ hashes travel in.

* **Text**, as Meta's ``vpdq-hash-video`` writes its hash files: one line per sampled
  frame, ``frame_number,quality,pdq_hex,timestamp`` (timestamp in seconds, three
  decimals). The parser also takes the Python binding's ``frame_number,pdq_hex,
  quality,timestamp`` order (the 64-hex field says which is which).
* **Lines**: the text form as a JSON list of lines (``["0,100,<pdq>,0.000", ...]``), how
  VICS, STIX and our feeds carry it inside JSON, and ``;``-joined in a CSV cell.
* **threatexchange JSON**: python-threatexchange's ``vpdq_to_json``, the signal string of
  its ``vpdq`` signal type and of HMA: a list of ``"pdq_hex,quality,timestamp"`` strings
  (its older form, an object keyed by frame number, ``{"0": {"quality": 100, "hash":
  "<pdq hex>", "timestamp": 0.0}}``, and lists of objects are read too). The compact form
  has no frame numbers: frames are numbered in order when it is read.

Frames are returned in frame order; a frame number twice, a bad PDQ, a quality outside
0-100 or a negative timestamp is an :class:`InvalidHash` naming the line or frame.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hotline.matching.errors import InvalidHash

ALGORITHM = "vpdq"
HEX_LENGTH = 64  # a frame's PDQ hash (not imported from hashing, which imports this module)
TIMESTAMP_PRECISION = 3
# A cap on the frames one hash may carry: ten hours at one frame per second.
MAX_FRAMES = 36_000
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, order=True)
class VpdqFeature:
    """One sampled frame: its number, PDQ quality (0-100), PDQ hash (64 hex) and time (s)."""

    frame_number: int
    quality: int
    pdq: str
    timestamp: float

    def line(self) -> str:
        """This frame in the text form: ``frame_number,quality,pdq_hex,timestamp``."""
        return f"{self.frame_number},{self.quality},{self.pdq},{self.timestamp:.{TIMESTAMP_PRECISION}f}"


def _pdq(text: str, where: str) -> str:
    value = text.strip().lower()
    if len(value) != HEX_LENGTH or not _HEX.issuperset(value):
        raise InvalidHash(f"{where}: a frame's PDQ hash has 64 hexadecimal characters")
    return value


def _int(value: object, name: str, where: str) -> int:
    if isinstance(value, bool):
        raise InvalidHash(f"{where}: {name} must be a whole number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise InvalidHash(f"{where}: {name} must be a whole number, got {value!r}"[:200])
    return value


def make_feature(
    frame_number: object, quality: object, pdq: object, timestamp: object, *, where: str
) -> VpdqFeature:
    """A validated frame from loosely typed parts; :class:`InvalidHash` naming ``where``."""
    number = _int(frame_number, "frame_number", where)
    if number < 0:
        raise InvalidHash(f"{where}: frame_number must not be negative")
    level = _int(quality, "quality", where)
    if not 0 <= level <= 100:
        raise InvalidHash(f"{where}: quality must be 0 to 100, got {level}")
    if not isinstance(pdq, str):
        raise InvalidHash(f"{where}: a frame's PDQ hash has 64 hexadecimal characters")
    try:
        seconds = float(timestamp) if not isinstance(timestamp, bool) else math.nan  # type: ignore[arg-type]
    except (TypeError, ValueError):
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise InvalidHash(f"{where}: timestamp must be a number of seconds, 0 or more")
    return VpdqFeature(number, level, _pdq(pdq, where), round(seconds, TIMESTAMP_PRECISION))


def _checked(features: Iterable[VpdqFeature]) -> tuple[VpdqFeature, ...]:
    ordered = sorted(features)
    if not ordered:
        raise InvalidHash("a vPDQ hash has at least one frame")
    if len(ordered) > MAX_FRAMES:
        raise InvalidHash(f"a vPDQ hash has at most {MAX_FRAMES:,} frames, got {len(ordered):,}")
    for previous, current in itertools.pairwise(ordered):
        if previous.frame_number == current.frame_number:
            raise InvalidHash(f"frame {current.frame_number} appears twice")
    return tuple(ordered)


def parse_text(text: str) -> tuple[VpdqFeature, ...]:
    """Frames from the text form (blank lines and ``#`` comments skipped)."""
    features = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"line {number}"
        parts = [part.strip() for part in line.split(",")]
        if len(parts) != 4:
            raise InvalidHash(
                f"{where}: expected frame_number,quality,pdq_hex,timestamp, got {len(parts)} fields"
            )
        frame, second, third, timestamp = parts
        # Meta's hash files put quality second; its Python binding prints the hash second.
        quality, pdq = (third, second) if len(second) == HEX_LENGTH else (second, third)
        features.append(make_feature(frame, quality, pdq, timestamp, where=where))
        if len(features) > MAX_FRAMES:
            break
    return _checked(features)


def to_text(features: Sequence[VpdqFeature]) -> str:
    """The text form, one line per frame in frame order, ending with a newline."""
    return "".join(feature.line() + "\n" for feature in sorted(features))


def _from_strings(items: list[str]) -> tuple[VpdqFeature, ...]:
    """Frames from a list of lines: ours (four fields) or threatexchange's compact (three)."""
    features: list[VpdqFeature] = []
    for position, item in enumerate(items):
        where = f"frame #{position + 1}"
        parts = [part.strip() for part in item.split(",")]
        if len(parts) == 4:
            features.extend(parse_text(item))
            continue
        if len(parts) != 3:
            raise InvalidHash(f"{where}: expected pdq_hex,quality,timestamp")
        pdq, quality, timestamp = parts
        features.append(make_feature(position, quality, pdq, timestamp, where=where))
    return _checked(features)


def features_from_json(data: Any) -> tuple[VpdqFeature, ...]:
    """Frames from parsed JSON: threatexchange's list of strings or object keyed by frame,
    our list of lines, or a list of frame objects."""
    if isinstance(data, list) and data and all(isinstance(item, str) for item in data):
        if len(data) > MAX_FRAMES:
            raise InvalidHash(f"a vPDQ hash has at most {MAX_FRAMES:,} frames, got {len(data):,}")
        return _from_strings(data)
    if isinstance(data, dict):
        items = [(key, value) for key, value in data.items()]
    elif isinstance(data, list):
        items = [(None, value) for value in data]
    else:
        raise InvalidHash("a vPDQ hash in JSON is an object keyed by frame number or a list")
    if len(items) > MAX_FRAMES:
        raise InvalidHash(f"a vPDQ hash has at most {MAX_FRAMES:,} frames, got {len(items):,}")
    features = []
    for position, (key, value) in enumerate(items):
        where = f"frame {key}" if key is not None else f"frame #{position + 1}"
        if not isinstance(value, dict):
            raise InvalidHash(f"{where}: expected an object with quality, hash and timestamp")
        frame = key if key is not None else value.get("frame_number")
        pdq = value.get("hash", value.get("pdq_hex"))
        features.append(
            make_feature(frame, value.get("quality"), pdq, value.get("timestamp"), where=where)
        )
    return _checked(features)


def parse_json(text: str) -> tuple[VpdqFeature, ...]:
    """Frames from python-threatexchange's JSON text."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidHash(f"a vPDQ hash in JSON cannot be read: {exc}") from None
    return features_from_json(data)


def to_json_object(features: Sequence[VpdqFeature]) -> dict[str, dict[str, object]]:
    """python-threatexchange's JSON object, keyed by frame number as text."""
    return {
        str(feature.frame_number): {
            "quality": feature.quality,
            "hash": feature.pdq,
            "timestamp": feature.timestamp,
        }
        for feature in sorted(features)
    }


def to_json(features: Sequence[VpdqFeature]) -> str:
    """python-threatexchange's JSON text (compact, frames in order)."""
    return json.dumps(to_json_object(features), separators=(",", ":"))


def to_lines(features: Sequence[VpdqFeature]) -> list[str]:
    """The text form as a list of lines (frame order), for JSON documents."""
    return [feature.line() for feature in sorted(features)]


def to_threatexchange(features: Sequence[VpdqFeature]) -> str:
    """python-threatexchange's vPDQ signal string: a JSON list of ``pdq,quality,timestamp``."""
    return json.dumps(
        [f"{f.pdq},{f.quality},{f.timestamp:.{TIMESTAMP_PRECISION}f}" for f in sorted(features)]
    )


def parse(text: str) -> tuple[VpdqFeature, ...]:
    """Frames from either form: JSON when it starts with ``{`` or ``[``, else text."""
    stripped = text.lstrip()
    return parse_json(stripped) if stripped[:1] in ("{", "[") else parse_text(text)


def vpdq_id(features: Sequence[VpdqFeature]) -> str:
    """A stable id for a vPDQ hash whose video MD5 is not known: the MD5 of its text form."""
    return hashlib.md5(to_text(features).encode("ascii"), usedforsecurity=False).hexdigest()


def duration(features: Sequence[VpdqFeature]) -> float:
    """The time of the last frame (seconds): how much video the hash covers."""
    return max((feature.timestamp for feature in features), default=0.0)
