"""List feeds and the formats they are served in: two small registries.

A *list feed* (``urls``, ``payment``, ``phone``) is a list with its scope and how one entry
reads; a *format* (``json``, ``text``) writes a full list or a delta, streaming. Adding a
feed or a format is adding one ``register_*`` call.

Hashed URL lists publish, for each entry, the SHA-256 of its Safe Browsing lookup expression
(``hotline.feeds.values``) instead of the URL, so the list cannot be read in clear; a proxy
hashes the lookup expressions of each request (``hotline.hosting.canonical``) and compares.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from hotline.accounts.models import Scope
from hotline.core.registry import Registry
from hotline.feeds.models import EntryKind, FeedList
from hotline.feeds.queries import FeedRecord, ListRow, db_time
from hotline.feeds.values import domain_expression, url_expression

# What ``json.dumps(..., ensure_ascii=False)`` writes for a string (the C encoder).
_quote: Callable[[str], str] = json.encoder.encode_basestring


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds and ``Z``."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# --- feeds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListFeed:
    """A list served to one kind of consumer, under one scope."""

    name: str
    feed_list: str
    scope: str
    title: str
    hashable: bool = False
    attributes: bool = False  # whether entries carry attributes worth reading (the network)

    def entry(self, record: FeedRecord, *, hashed: bool) -> dict[str, Any]:
        """One entry as JSON: type and value (or its SHA-256), since which serial."""
        body: dict[str, Any] = {"type": record.kind}
        if hashed:
            body["sha256"] = record.value_hash
        else:
            body["value"] = record.value
            if record.kind == EntryKind.URL:
                body["expression"] = url_expression(record.value)
            elif record.kind == EntryKind.DOMAIN:
                body["expression"] = domain_expression(record.value)
        if network := record.attributes.get("network"):
            body["network"] = network
        body["serial"] = record.added_serial
        body["added_at"] = timestamp(record.added_at)
        return body

    def line(self, record: FeedRecord, *, hashed: bool) -> str:
        """One entry as a text line: ``type<TAB>value`` (payment: ``<TAB>network`` after)."""
        value = record.value_hash if hashed else record.value
        network = record.attributes.get("network", "")
        return f"{record.kind}\t{value}\t{network}" if network else f"{record.kind}\t{value}"

    # The same two renderings from ``queries.list_rows`` tuples, as text templates: byte for
    # byte what ``json.dumps(self.entry(...), ensure_ascii=False)`` and ``self.line(...)``
    # write (tests/feeds/test_formats.py holds them to it), several times faster per entry.

    def json_renderer(self, *, hashed: bool) -> Callable[[ListRow], str]:
        """``row -> JSON text of the entry``."""
        with_attributes = self.attributes
        url, domain = EntryKind.URL.value, EntryKind.DOMAIN.value

        def render(row: ListRow) -> str:
            kind = row[0]
            if hashed:
                body = f'{{"type": {_quote(kind)}, "sha256": {_quote(row[2])}'
            else:
                value = row[1]
                body = f'{{"type": {_quote(kind)}, "value": {_quote(value)}'
                if kind == url:
                    body += f', "expression": {_quote(url_expression(value))}'
                elif kind == domain:
                    body += f', "expression": {_quote(domain_expression(value))}'
            if with_attributes and (network := _attributes(row).get("network")):
                body += f', "network": {json.dumps(network, ensure_ascii=False)}'
            return f'{body}, "serial": {row[3]}, "added_at": "{db_time(row[4])}"}}'

        return render

    def line_renderer(self, *, hashed: bool) -> Callable[[ListRow], str]:
        """``row -> text line of the entry``."""
        column = 2 if hashed else 1
        if not self.attributes:
            return lambda row: f"{row[0]}\t{row[column]}"

        def render(row: ListRow) -> str:
            network = _attributes(row).get("network", "")
            return f"{row[0]}\t{row[column]}\t{network}" if network else f"{row[0]}\t{row[column]}"

        return render


def _attributes(row: ListRow) -> dict[str, Any]:
    text = row[5]
    if not text or text == "{}":
        return {}
    decoded = json.loads(text)
    return decoded if isinstance(decoded, dict) else {}


FEEDS: Registry[ListFeed] = Registry("feed")


def register_feed(feed: ListFeed) -> ListFeed:
    """Publish ``feed`` under its name (a module registers its feeds on import)."""
    return FEEDS.register(feed.name, feed)


register_feed(
    ListFeed(
        "urls",
        FeedList.BLOCKLIST,
        Scope.FEED_URLS,
        "Blocked web pages and dedicated domains, for proxies",
        hashable=True,
    )
)
register_feed(
    ListFeed(
        "payment",
        FeedList.PAYMENT,
        Scope.FEED_PAYMENT,
        "Merchant identifiers and cryptocurrency wallets, for payment companies",
        attributes=True,
    )
)
register_feed(
    ListFeed("phone", FeedList.PHONE, Scope.FEED_PHONE, "Phone numbers, for mobile operators")
)


# --- formats ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    feed: ListFeed
    serial: int
    generated_at: datetime
    hashed: bool
    from_serial: int | None = None  # deltas only


class ListFormat(Protocol):
    name: str
    media_type: str

    def full(self, header: Header, rows: Iterable[ListRow]) -> Iterator[bytes]:
        """The whole list at ``header.serial`` (rows from ``queries.list_rows``)."""
        ...

    def delta(
        self, header: Header, removed: Iterable[ListRow], added: Iterable[ListRow]
    ) -> Iterator[bytes]:
        """What changed from ``header.from_serial`` to ``header.serial``: apply removals first."""
        ...


FORMATS: Registry[ListFormat] = Registry("feed format")


def register_format(fmt: ListFormat) -> ListFormat:
    """Serve feeds in ``fmt`` under its name (a module registers its formats on import)."""
    return FORMATS.register(fmt.name, fmt)


BATCH = 5000


def _batched(
    items: Iterable[ListRow], render: Callable[[ListRow], str], separator: str
) -> Iterator[tuple[int, str]]:
    """Rendered entries joined in batches (fewer, larger writes); yields (count, text)."""
    rows = iter(items)
    while batch := list(map(render, itertools.islice(rows, BATCH))):
        yield len(batch), separator.join(batch)


class JsonFormat:
    """``{"feed", "serial", ..., "entries": [...], "count"}``; deltas have ``removed`` and
    ``added`` lists and ``from_serial``."""

    name = "json"
    media_type = "application/json"

    def _head(self, header: Header) -> dict[str, Any]:
        head: dict[str, Any] = {"feed": header.feed.name, "list": header.feed.feed_list}
        if header.from_serial is not None:
            head["from_serial"] = header.from_serial
        head["serial"] = header.serial
        head["generated_at"] = timestamp(header.generated_at)
        head["hashed"] = header.hashed
        return head

    def _array(self, header: Header, rows: Iterable[ListRow], counts: list[int]) -> Iterator[bytes]:
        render = header.feed.json_renderer(hashed=header.hashed)
        first = True
        for count, text in _batched(rows, render, ",\n"):
            counts.append(count)
            yield (("\n" if first else ",\n") + text).encode()
            first = False

    def full(self, header: Header, rows: Iterable[ListRow]) -> Iterator[bytes]:
        counts: list[int] = []
        yield json.dumps(self._head(header))[:-1].encode() + b', "entries": ['
        yield from self._array(header, rows, counts)
        yield f'\n], "count": {sum(counts)}}}\n'.encode()

    def delta(
        self, header: Header, removed: Iterable[ListRow], added: Iterable[ListRow]
    ) -> Iterator[bytes]:
        removed_counts: list[int] = []
        added_counts: list[int] = []
        yield json.dumps(self._head(header))[:-1].encode() + b', "removed": ['
        yield from self._array(header, removed, removed_counts)
        yield b'\n], "added": ['
        yield from self._array(header, added, added_counts)
        yield (
            f'\n], "removed_count": {sum(removed_counts)}, "added_count": {sum(added_counts)}}}\n'
        ).encode()


class TextFormat:
    """Comment lines (``#``) with the serial, then one ``type<TAB>value`` line per entry; in
    deltas each line starts with ``-`` (remove) or ``+`` (add), removals first."""

    name = "text"
    media_type = "text/plain; charset=utf-8"

    def _head(self, header: Header) -> bytes:
        span = f"from_serial={header.from_serial} " if header.from_serial is not None else ""
        return (
            f"# hotline feed={header.feed.name} {span}serial={header.serial}"
            f" hashed={'yes' if header.hashed else 'no'}"
            f" generated={timestamp(header.generated_at)}\n"
        ).encode()

    def full(self, header: Header, rows: Iterable[ListRow]) -> Iterator[bytes]:
        yield self._head(header)
        for _, text in _batched(rows, header.feed.line_renderer(hashed=header.hashed), "\n"):
            yield (text + "\n").encode()

    def delta(
        self, header: Header, removed: Iterable[ListRow], added: Iterable[ListRow]
    ) -> Iterator[bytes]:
        yield self._head(header)
        line = header.feed.line_renderer(hashed=header.hashed)
        for sign, rows in (("-", removed), ("+", added)):

            def render(row: ListRow, sign: str = sign) -> str:
                return sign + line(row)

            for _, text in _batched(rows, render, "\n"):
                yield (text + "\n").encode()


register_format(JsonFormat())
register_format(TextFormat())
