"""Feed publication state for the health page, metrics and alerts (registered with
``hotline.core.health`` in this app's ``ready``).

The RPZ zone is the one feed published as a file (for BIND to load); every other feed is built
from the database at each pull, so it is always at its list's current serial.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hotline.core.health import FeedPublication
from hotline.feeds import rpz
from hotline.feeds.models import FeedList, Serial


def publications() -> list[FeedPublication]:
    """Each list's serial and when it changed; for the RPZ zone, the serial in the file BIND
    loads and when that file was written."""
    serials = {row.feed_list: row for row in Serial.objects.all()}
    feeds = []
    for feed_list in FeedList:
        row = serials.get(feed_list.value)
        serial, changed_at = (row.value, row.changed_at) if row else (0, None)
        feeds.append(FeedPublication(feed_list.value, serial, changed_at, serial, changed_at))
    path = rpz.zone_path(rpz.zone_config())
    blocklist = serials.get(FeedList.BLOCKLIST.value)
    try:
        written: datetime | None = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError:
        written = None
    feeds.append(
        FeedPublication(
            "rpz",
            blocklist.value if blocklist else 0,
            blocklist.changed_at if blocklist else None,
            rpz.published_serial(path),
            written,
        )
    )
    return feeds
