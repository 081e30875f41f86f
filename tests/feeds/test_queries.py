from __future__ import annotations

from typing import NamedTuple

import pytest

from hotline.feeds import actions, queries, stix
from hotline.feeds.models import Entry, FeedList
from tests.conftest import World

pytestmark = pytest.mark.django_db

BLOCKLIST = FeedList.BLOCKLIST


def _values(entries: object) -> list[str]:
    return [r.value for r in queries.records(entries)]  # type: ignore[arg-type]


@pytest.fixture
def history(blocking: World) -> dict[str, Entry]:
    """Serial 1: a added; 2: b added; 3: a lifted; 4: c added; 5: c lifted."""
    alice = blocking.alice
    a = actions.mark_domain_dedicated("a.example.test", reason="r", acting_user=alice)
    b = actions.mark_domain_dedicated("b.example.test", reason="r", acting_user=alice)
    actions.lift_entry(a, reason="r", acting_user=alice)
    c = actions.mark_domain_dedicated("c.example.test", reason="r", acting_user=alice)
    actions.lift_entry(c, reason="r", acting_user=alice)
    return {"a": a, "b": b, "c": c}


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (0, []),
        (1, ["a.example.test"]),
        (2, ["a.example.test", "b.example.test"]),
        (3, ["b.example.test"]),
        (4, ["b.example.test", "c.example.test"]),
        (5, ["b.example.test"]),
    ],
)
def test_list_at_any_serial_is_what_it_was_then(
    history: dict[str, Entry], serial: int, expected: list[str]
) -> None:
    assert _values(queries.live_at(BLOCKLIST, serial)) == expected


@pytest.mark.parametrize(
    ("since", "serial", "removed", "added"),
    [
        (0, 5, [], ["b.example.test"]),
        (1, 5, ["a.example.test"], ["b.example.test"]),
        (3, 4, [], ["c.example.test"]),
        (2, 5, ["a.example.test"], []),  # c came and went in between: not in the delta
        (4, 5, ["c.example.test"], []),
        (5, 5, [], []),
    ],
)
def test_delta_between_two_serials_turns_one_list_into_the_other(
    history: dict[str, Entry], since: int, serial: int, removed: list[str], added: list[str]
) -> None:
    assert _values(queries.removed_between(BLOCKLIST, since, serial)) == removed
    assert _values(queries.added_between(BLOCKLIST, since, serial)) == added


def test_delta_applied_to_every_earlier_list_gives_the_later_list(
    history: dict[str, Entry],
) -> None:
    for since in range(6):
        for serial in range(since, 6):
            old = set(_values(queries.live_at(BLOCKLIST, since)))
            removed = set(_values(queries.removed_between(BLOCKLIST, since, serial)))
            added = set(_values(queries.added_between(BLOCKLIST, since, serial)))

            assert (old - removed) | added == set(_values(queries.live_at(BLOCKLIST, serial)))


def test_serial_beyond_the_current_one_is_unknown(history: dict[str, Entry]) -> None:
    with pytest.raises(queries.UnknownSerial, match="at serial 5; serial 6 does not exist"):
        queries.check_serial(BLOCKLIST, 6)


def test_current_serial_of_each_list_is_its_own(history: dict[str, Entry]) -> None:
    assert [queries.current_serial(fl) for fl in FeedList] == [5, 0, 0, 0, 0]


class _Version(NamedTuple):
    key: int
    value: str
    revoked: bool


def _versions(flt: queries.VersionFilter, *, limit: int) -> list[_Version]:
    """``version_rows`` with each row's entry value, and whether it is the revocation (the
    entry's revoked text)."""
    found = []
    for key, _, text in queries.version_rows(BLOCKLIST, flt, limit=limit):
        entry = Entry.objects.get(stix_id=stix.stored_id(text).removeprefix("indicator--"))
        found.append(_Version(key, entry.value, text == entry.stix_revoked))
    return found


def test_versions_merge_additions_and_revocations_in_serial_order(
    history: dict[str, Entry],
) -> None:
    every = _versions(queries.VersionFilter(versions="all"), limit=10)
    last = _versions(queries.VersionFilter(), limit=10)
    page = _versions(queries.VersionFilter(after=2, versions="all"), limit=2)

    assert [(v.key, v.value, v.revoked) for v in every] == [
        (1, "a.example.test", False),
        (2, "b.example.test", False),
        (3, "a.example.test", True),
        (4, "c.example.test", False),
        (5, "c.example.test", True),
    ]
    assert [(v.key, v.revoked) for v in last] == [(2, False), (3, True), (5, True)]
    assert [(v.key, v.revoked) for v in page] == [(3, True), (4, False)]
