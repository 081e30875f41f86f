from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from hotline.feeds import stix
from hotline.feeds.queries import FeedRecord, Version

ADDED = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _record(**changes: Any) -> FeedRecord:
    base = FeedRecord(
        pk=1,
        kind="url",
        value="http://gallery.example.test/a.html",
        value_hash="0" * 64,
        attributes={},
        stix_id=uuid.UUID("8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
        added_serial=1,
        added_at=ADDED,
        removed_serial=None,
        removed_at=None,
        removal_reason="",
    )
    return base._replace(**changes)


def test_tlp_marking_is_the_published_oasis_object() -> None:
    assert stix.tlp_marking("amber+strict") == {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "created": "2022-10-01T00:00:00.000Z",
        "name": "TLP:AMBER+STRICT",
        "extensions": {
            "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                "extension_type": "property-extension",
                "tlp_2_0": "amber+strict",
            }
        },
    }


def test_revoked_version_is_later_and_ends_validity() -> None:
    record = _record(removed_serial=2, removed_at=ADDED, removal_reason="lifted")

    first = stix.indicator(Version(1, record, False), tlp="green")
    last = stix.indicator(Version(2, record, True), tlp="green")

    assert (first["created"], first["modified"], "revoked" in first) == (
        "2026-03-01T12:00:00.123Z",
        "2026-03-01T12:00:00.123Z",
        False,
    )
    assert (last["created"], last["modified"], last["valid_until"], last["revoked"]) == (
        "2026-03-01T12:00:00.123Z",
        "2026-03-01T12:00:00.124Z",  # removed within the same millisecond: still a later version
        "2026-03-01T12:00:00.124Z",
        True,
    )
    assert last["object_marking_refs"] == [
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://a.example.test/it's", "[url:value = 'http://a.example.test/it\\'s']"),
        (
            "http://a.example.test/back\\slash",
            "[url:value = 'http://a.example.test/back\\\\slash']",
        ),
    ],
)
def test_pattern_literals_are_escaped(value: str, expected: str) -> None:
    assert stix.pattern(_record(value=value)) == expected


def test_payment_entries_are_not_stix_indicators() -> None:
    with pytest.raises(ValueError, match="not published as STIX indicators"):
        stix.pattern(_record(kind="phone", value="+447700900123"))
