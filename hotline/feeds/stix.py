"""STIX 2.1 objects for the lists: one indicator per entry, revoked when the entry leaves.

* web pages: ``[url:value = '<canonical URL>']``; dedicated domains:
  ``[domain-name:value = '<domain>']``; files: their MD5, SHA-1 and SHA-256 joined by ``OR``,
  and the PDQ hash in ``x_pdq``, a top-level property declared by this instance's extension
  definition (STIX 2.1 section 7.3), so validators and consumers know what it is; a
  video's vPDQ likewise in ``x_vpdq`` (its frames, Meta's text lines);
* an entry that leaves its list gets a second version, ``revoked: true``, with ``modified``
  and ``valid_until`` at the moment it left;
* every object is marked with the collection's TLP 2.0 marking definition (the published
  OASIS objects, reproduced exactly) and created by this instance's ``identity``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings

from hotline.feeds.models import LIST_OF_KIND, EntryKind, Tlp
from hotline.feeds.queries import FeedRecord, Version

# What ``json.dumps`` (ASCII) writes for a string (the C encoder).
_q: Callable[[str], str] = json.encoder.encode_basestring_ascii

MEDIA_TYPE = "application/stix+json;version=2.1"
TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP_CREATED = "2022-10-01T00:00:00.000Z"
TLP_IDS = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
PDQ_EXTENSION = "extension-definition--47e90922-d60a-487b-bd47-3e7c8025a931"
VPDQ_EXTENSION = "extension-definition--83e68e34-18fc-4779-b899-10f94ea4a5c8"
STATIC_CREATED = "2026-01-01T00:00:00.000Z"
_ONE_MS = timedelta(milliseconds=1)
FILE_KINDS = (EntryKind.FILE, EntryKind.SELF_REPORTED_FILE)
_PATTERN_HASHES = (("md5", "MD5"), ("sha1", "'SHA-1'"), ("sha256", "'SHA-256'"))


def stix_time(moment: datetime) -> str:
    """A STIX timestamp: UTC, millisecond precision (truncated), ``Z``."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def _ms(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)


def identity_id() -> str:
    """This instance's identity: stable for its base URL, shaped as a UUIDv4 as STIX asks."""
    return _identity_for(settings.BASE_URL)


@functools.lru_cache(maxsize=8)
def _identity_for(base_url: str) -> str:
    digest = hashlib.sha256(f"hotline-identity:{base_url}".encode()).digest()
    return f"identity--{uuid.UUID(bytes=digest[:16], version=4)}"


def identity() -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id(),
        "created": STATIC_CREATED,
        "modified": STATIC_CREATED,
        "name": settings.INSTANCE_NAME,
        "description": "Hotline for reports of child sexual abuse material online.",
        "identity_class": "organization",
        "sectors": ["non-profit"],
    }


def tlp_marking(tlp: str) -> dict[str, Any]:
    """The OASIS TLP 2.0 marking definition, as published."""
    level = Tlp(tlp)
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP_IDS[level],
        "created": TLP_CREATED,
        "name": level.label,
        "extensions": {
            TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level.value}
        },
    }


def pdq_extension() -> dict[str, Any]:
    """Declares ``x_pdq`` (a file's PDQ perceptual hash) as a top-level property extension."""
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": PDQ_EXTENSION,
        "created": STATIC_CREATED,
        "modified": STATIC_CREATED,
        "created_by_ref": identity_id(),
        "name": "PDQ perceptual hash",
        "description": "x_pdq on an indicator: the PDQ hash of the file it describes.",
        "schema": (
            "x_pdq: 64 lower-case hexadecimal characters, the 256-bit PDQ hash of an image"
            " (Meta ThreatExchange); files within Hamming distance 31 are the same picture."
        ),
        "version": "1.0.0",
        "extension_types": ["toplevel-property-extension"],
        "extension_properties": ["x_pdq"],
    }


def vpdq_extension() -> dict[str, Any]:
    """Declares ``x_vpdq`` (a video's vPDQ frames) as a top-level property extension."""
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": VPDQ_EXTENSION,
        "created": STATIC_CREATED,
        "modified": STATIC_CREATED,
        "created_by_ref": identity_id(),
        "name": "vPDQ video hash",
        "description": "x_vpdq on an indicator: the vPDQ hash of the video it describes.",
        "schema": (
            "x_vpdq: a list of strings 'frame_number,quality,pdq_hex,timestamp', one per frame"
            " sampled each second (Meta ThreatExchange vPDQ); a video matches when enough of"
            " its frames are within PDQ distance 31 of frames of the other."
        ),
        "version": "1.0.0",
        "extension_types": ["toplevel-property-extension"],
        "extension_properties": ["x_vpdq"],
    }


def escape(value: str) -> str:
    """A string literal for a STIX pattern: backslashes and quotes escaped."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


def pattern(record: FeedRecord) -> str:
    """The STIX pattern of an entry. A file known only by its PDQ hash is matched on it (a
    custom hash name); otherwise PDQ travels in ``x_pdq`` beside the cryptographic hashes."""
    return pattern_of(record.kind, record.value, record.attributes)


def pattern_of(kind: str, value: str, attributes: dict[str, Any]) -> str:
    if kind == EntryKind.URL:
        return f"[url:value = '{escape(value)}']"
    if kind == EntryKind.DOMAIN:
        return f"[domain-name:value = '{escape(value)}']"
    if kind in FILE_KINDS:
        terms = [
            f"file:hashes.{key} = '{escape(str(attributes[name]))}'"
            for name, key in _PATTERN_HASHES
            if attributes.get(name)
        ]
        if not terms and attributes.get("pdq"):
            terms = [f"file:hashes.PDQ = '{escape(str(attributes['pdq']))}'"]
        return f"[{' OR '.join(terms)}]"
    raise ValueError(f"{kind} entries are not published as STIX indicators")


_NAMES: dict[str, str] = {
    EntryKind.URL: "Web page with child sexual abuse material",
    EntryKind.DOMAIN: "Domain dedicated to child sexual abuse material",
    EntryKind.FILE: "File confirmed as child sexual abuse material",
    EntryKind.SELF_REPORTED_FILE: "Image or video the person depicted asked to remove",
}
_DESCRIPTIONS: dict[str, str] = {
    EntryKind.URL: "Assessed by a hotline analyst; on the blocklist while the content is online.",
    EntryKind.DOMAIN: "An analyst found the whole domain dedicated to abuse material.",
    EntryKind.FILE: "Hashes of a file a hotline analyst confirmed; no content is shared.",
    EntryKind.SELF_REPORTED_FILE: (
        "Hashes computed on the device of the person depicted, who asked for removal;"
        " submitted by the person depicted, unverified. No content was ever sent."
    ),
}


def indicator(version: Version, *, tlp: str, creator: str | None = None) -> dict[str, Any]:
    """One version of an entry's indicator (the revoked one when ``version.revoked``);
    ``creator`` is this instance's identity id (looked up when not given)."""
    record = version.record
    created = _ms(record.added_at)
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{record.stix_id}",
        "created": stix_time(created),
        "modified": stix_time(created),
        "created_by_ref": creator or identity_id(),
        "name": _NAMES.get(record.kind, "Indicator"),
        "description": _DESCRIPTIONS.get(record.kind, ""),
        "indicator_types": ["malicious-activity"],
        "pattern": pattern(record),
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": stix_time(created),
        "object_marking_refs": [TLP_IDS[Tlp(tlp)]],
    }
    if record.kind in FILE_KINDS:
        if category := record.attributes.get("category"):
            obj["labels"] = [f"category:{category}"]
        extensions = {}
        if pdq := record.attributes.get("pdq"):
            extensions[PDQ_EXTENSION] = {"extension_type": "toplevel-property-extension"}
            obj["x_pdq"] = pdq
        if frames := record.attributes.get("vpdq"):
            extensions[VPDQ_EXTENSION] = {"extension_type": "toplevel-property-extension"}
            obj["x_vpdq"] = list(frames)
        if extensions:
            obj["extensions"] = extensions
    if version.revoked:
        ended = stix_time(revoked_at(record))
        obj["modified"] = ended
        obj["valid_until"] = ended
        obj["revoked"] = True
    return obj


def revoked_at(record: FeedRecord) -> datetime:
    """When the revoked version took effect: strictly after the first, at millisecond precision."""
    assert record.removed_at is not None
    return max(_ms(record.removed_at), _ms(record.added_at) + _ONE_MS)


def version_stamp(version: Version) -> str:
    """The TAXII ``version`` of an object version: its ``modified``."""
    if version.revoked:
        return stix_time(revoked_at(version.record))
    return stix_time(_ms(version.record.added_at))


# --- indicators stored with their entry, for pages of thousands -----------------------------
#
# A TAXII page of 10,000 indicators is a join of the texts stored on the entries
# (``Entry.stix_added``, ``Entry.stix_revoked``): building and encoding each object per request
# was most of a full collection's time. The stored text is ``json.dumps(indicator(...))`` with
# the runs every indicator of its kind shares, in every collection, abbreviated by one control
# character each: the JSON encoder escapes every control character inside strings, so they
# never occur in JSON text otherwise. The runs that differ between collections and instances
# (the TLP marking, ``created_by_ref``) are among them, so one stored text serves every
# collection; abbreviating the constant names and descriptions keeps it to a third of the
# object's size. A change to what ``indicator`` writes of each entry (its pattern, dates,
# labels, hashes) needs a data migration that renders the stored texts again, as 0005 does.

_HEAD = '{"type": "indicator", "spec_version": "2.1", "id": "indicator--'
_VALID_FROM = ', "pattern_type": "stix", "pattern_version": "2.1", "valid_from": "'
_HEAD_CODE, _VALID_FROM_CODE, _MARKING_CODE = "\x01", "\x02", "\x03"
_KIND_CODES: dict[str, str] = {
    EntryKind.URL: "\x04",
    EntryKind.DOMAIN: "\x05",
    EntryKind.FILE: "\x06",
    EntryKind.SELF_REPORTED_FILE: "\x07",
}
_MODIFIED = '"modified": "'


def _middle(kind: str, creator: str) -> str:
    """What an indicator of ``kind`` holds from ``created_by_ref`` up to its pattern."""
    return (
        f', "created_by_ref": {_q(creator)}, "name": {_q(_NAMES.get(kind, "Indicator"))}'
        f', "description": {_q(_DESCRIPTIONS.get(kind, ""))}'
        ', "indicator_types": ["malicious-activity"], "pattern": '
    )


@functools.lru_cache(maxsize=64)
def _runs(feed_list: str, tlp: str, creator: str) -> tuple[tuple[str, str], ...]:
    """Each abbreviation in the indicators of ``feed_list`` and the text it stands for, in the
    collection of ``tlp``."""
    marking = f'", "object_marking_refs": [{_q(TLP_IDS[Tlp(tlp)])}]'
    kinds = tuple(
        (code, _middle(kind, creator))
        for kind, code in _KIND_CODES.items()
        if LIST_OF_KIND[kind] == feed_list
    )
    return ((_HEAD_CODE, _HEAD), (_VALID_FROM_CODE, _VALID_FROM), (_MARKING_CODE, marking), *kinds)


def stored_indicator(version: Version) -> str:
    """The text stored for one version of an entry's indicator (``expand`` gives back
    ``json.dumps(indicator(version, ...))`` in any collection); empty for the kinds that are
    not published as STIX."""
    kind = version.record.kind
    if kind not in _KIND_CODES:
        return ""
    creator = identity_id()
    text = json.dumps(indicator(version, tlp=Tlp.CLEAR, creator=creator))
    runs = dict(_runs(LIST_OF_KIND[kind], Tlp.CLEAR, creator))
    for code in (_HEAD_CODE, _VALID_FROM_CODE, _MARKING_CODE, _KIND_CODES[kind]):
        if text.count(runs[code]) != 1:  # the layout of ``indicator`` changed: say so at once
            raise ValueError(f"an indicator of {kind} does not hold {runs[code]!r} once")
        text = text.replace(runs[code], code)
    return text


def expand(stored: str, *, feed_list: str, tlp: str, creator: str) -> str:
    """Stored indicator text of ``feed_list`` (one, or many joined) as the JSON ``indicator``
    writes, in the collection of ``tlp``, created by ``creator``: one pass over the text per
    abbreviation."""
    for code, run in _runs(feed_list, tlp, creator):
        stored = stored.replace(code, run)
    return stored


def stored_id(stored: str) -> str:
    """The STIX id of a stored indicator (it opens the text)."""
    return f"indicator--{stored[len(_HEAD_CODE) : len(_HEAD_CODE) + 36]}"


def stored_version(stored: str) -> str:
    """The TAXII ``version`` of a stored indicator: its ``modified``, the first timestamp
    after ``created`` (no string value comes before them that could hold the key)."""
    start = stored.index(_MODIFIED) + len(_MODIFIED)
    return stored[start : stored.index('"', start)]
