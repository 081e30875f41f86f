"""The fast renderers of large feeds write exactly what the reference renderers write.

URL lists are written from database text through templates (``ListFeed.json_renderer``/
``line_renderer``); the dict-building ``ListFeed.entry``/``line`` are the reference. Each test
compares the two on the same entries, read from this run's database engine (so SQLite's and
PostgreSQL's timestamp and UUID text are both covered), or on values with characters JSON must
escape. TAXII pages join indicator text stored with each entry: test_stored_indicators.py.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from hotline.feeds import actions, queries
from hotline.feeds.formats import FEEDS
from hotline.feeds.queries import FeedRecord
from tests.conftest import World
from tests.feeds.conftest import confirmed_file, listed_page

ADDED = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
STIX_ID = uuid.UUID("8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
AWKWARD = 'a"quoted\\back\tslash, é, 日本, \x01'


@pytest.fixture
def filled(blocking: World) -> World:
    """Pages, a dedicated domain, a wallet with its network, a phone number, two files (one
    known only by PDQ), and a lifted page: every kind the feeds render."""
    page = listed_page("http://gallery.example.test/a.html?x=1", blocking)
    lifted = listed_page("http://gallery.example.test/b.html", blocking)
    actions.mark_domain_dedicated(
        "shop.example.test", reason="whole shop", acting_user=blocking.alice
    )
    assert page.item is not None
    actions.record_indicator(
        page.item,
        kind="crypto_wallet",
        value="bc1qexample0000000000000000000000000000000",
        network="réseau lightning",
        acting_user=blocking.alice,
    )
    actions.record_indicator(
        page.item, kind="phone", value="+44 7700 900123", acting_user=blocking.alice
    )
    confirmed_file(blocking, md5="1" * 32, sha256="2" * 64, pdq="f" * 64, pdq_quality=90)
    confirmed_file(blocking, pdq="e" * 64)
    actions.lift_entry(lifted, reason="content gone", acting_user=blocking.alice)
    return blocking


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "hashed"), [("urls", False), ("urls", True), ("payment", False), ("phone", False)]
)
def test_list_rows_render_as_the_reference_entries(filled: World, name: str, hashed: bool) -> None:
    """Catches a template that drifts from ``entry``/``line`` (a missing network, a wrong
    separator or escape, a timestamp read wrongly from this engine's text)."""
    feed = FEEDS[name]
    serial = queries.current_serial(feed.feed_list)
    live = queries.live_at(feed.feed_list, serial)
    references = list(queries.records(live))
    rows = list(queries.list_rows(live, attributes=feed.attributes))

    assert references, "the fixture lists something on every feed"
    assert [feed.json_renderer(hashed=hashed)(row) for row in rows] == [
        json.dumps(feed.entry(record, hashed=hashed), ensure_ascii=False) for record in references
    ]
    assert [feed.line_renderer(hashed=hashed)(row) for row in rows] == [
        feed.line(record, hashed=hashed) for record in references
    ]


def test_json_renderer_escapes_as_json_dumps() -> None:
    """Catches values written into the template without JSON escaping."""
    feed = FEEDS["payment"]
    record = FeedRecord(
        1, "merchant_id", AWKWARD, "0" * 64, {"network": AWKWARD}, STIX_ID, 7, ADDED, None, None, ""
    )
    row = (
        "merchant_id",
        AWKWARD,
        "0" * 64,
        7,
        "2026-03-01 12:00:00.123456",
        json.dumps(record.attributes),
    )

    assert feed.json_renderer(hashed=False)(row) == json.dumps(
        feed.entry(record, hashed=False), ensure_ascii=False
    )
    assert json.loads(feed.json_renderer(hashed=False)(row))["value"] == AWKWARD


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01 12:00:00.123456", "2026-03-01T12:00:00.123456Z"),  # SQLite
        ("2026-03-01 12:00:00", "2026-03-01T12:00:00.000000Z"),  # SQLite, whole second
        ("2026-03-01 12:00:00.5+00", "2026-03-01T12:00:00.500000Z"),  # PostgreSQL trims zeros
        # PostgreSQL's milliseconds: as long as SQLite's microseconds (26 characters)
        ("2026-03-01 12:00:00.517+00", "2026-03-01T12:00:00.517000Z"),
        ("2026-03-01 12:00:00+00", "2026-03-01T12:00:00.000000Z"),
        ("2026-03-01 14:00:00.25+02:00", "2026-03-01T12:00:00.250000Z"),  # another zone
    ],
)
def test_database_timestamp_text_reads_as_rfc3339_utc(text: str, expected: str) -> None:
    """Catches a timestamp text read as UTC when it is not, or its fraction lost."""
    assert queries.db_time(text) == expected
