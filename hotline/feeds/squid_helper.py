"""A Squid ``external_acl_type`` helper that blocks what is on Hotline's URL list.

Runs on the ISP's proxy, without Django: it needs only this file, ``hotline.hosting.canonical``
and ``hotline.files`` (and ``idna``, ``publicsuffixlist``). It answers from a local copy of the
list, kept in a JSON file that every helper process shares, and refreshes that copy in the
background with deltas (``/api/v1/feeds/urls/delta?since=<serial>``), falling back to the full
list. When Hotline is unreachable it keeps answering from the last copy.

Protocol (Squid's concurrency channel protocol): each input line is ``<channel> <URL>``
(URL-escaped by Squid); each answer is ``<channel> OK`` when the URL is listed (the ACL
matches, so ``http_access deny`` blocks it) or ``<channel> ERR`` when it is not. Without
``concurrency=`` in squid.conf lines have no channel, and neither do the answers.

Matching is Safe Browsing v4's: the URL is canonicalised and its lookup expressions hashed
with SHA-256. A web-page entry matches the request's own host with its exact path (with or
without the query); a dedicated-domain entry (``<domain>/``) matches any URL on the domain or
below it. For ``CONNECT host:443`` (HTTPS through the proxy) only domain entries can match.
The list may be fetched hashed (``--hashed``): the proxy then never holds it in clear.

squid.conf::

    external_acl_type hotline_block ttl=300 negative_ttl=300 concurrency=100 children-max=2 \\
        %URI /opt/hotline/venv/bin/python -m hotline.feeds.squid_helper \\
        --feed https://hotline.example.test/api/v1/feeds/urls \\
        --token-file /etc/squid/hotline.token --cache /var/lib/squid/hotline-urls.json --hashed
    acl hotline_blocked external hotline_block
    deny_info 307:https://hotline.example.test/feeds/blocked/ hotline_blocked
    http_access deny hotline_blocked
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from hotline.files import replaced
from hotline.hosting.canonical import InvalidUrl, canonicalize, expression_hashes

USER_AGENT = "hotline-squid-helper/1"


@dataclass
class Blocklist:
    """The sets the helper answers from: SHA-256 digests of page and domain expressions."""

    serial: int = -1
    pages: set[bytes] = field(default_factory=set)
    domains: set[bytes] = field(default_factory=set)
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)  # key → entry, as fetched

    @staticmethod
    def _key(entry: dict[str, Any]) -> str:
        return f"{entry['type']}:{entry.get('sha256') or entry.get('value')}"

    @staticmethod
    def _digest(entry: dict[str, Any]) -> bytes | None:
        if "sha256" in entry:
            return bytes.fromhex(str(entry["sha256"]))
        if "expression" in entry:
            return hashlib.sha256(str(entry["expression"]).encode()).digest()
        return None

    def _index(self) -> None:
        self.pages, self.domains = set(), set()
        for entry in self.entries.values():
            digest = self._digest(entry)
            if digest is None:
                continue
            if entry["type"] == "domain":
                self.domains.add(digest)
            elif entry["type"] == "url":
                self.pages.add(digest)

    @classmethod
    def from_full(cls, document: dict[str, Any]) -> Blocklist:
        blocklist = cls(serial=int(document["serial"]))
        blocklist.entries = {cls._key(e): e for e in document.get("entries", [])}
        blocklist._index()
        return blocklist

    def apply_delta(self, document: dict[str, Any]) -> Blocklist:
        """A new list: this one with the delta's removals, then its additions, applied."""
        if int(document["from_serial"]) != self.serial:
            raise ValueError("the delta does not start at this list's serial")
        result = Blocklist(serial=int(document["serial"]), entries=dict(self.entries))
        for entry in document.get("removed", []):
            result.entries.pop(self._key(entry), None)
        for entry in document.get("added", []):
            result.entries[self._key(entry)] = entry
        result._index()
        return result

    def as_full(self) -> dict[str, Any]:
        return {"serial": self.serial, "entries": list(self.entries.values())}

    def blocks(self, url: str) -> bool:
        """Whether ``url`` (or ``host:port`` of a CONNECT) is on the list."""
        text = url.strip()
        connect = "://" not in text and "/" not in text
        try:
            canonical = canonicalize(text)
        except InvalidUrl:
            return False
        exact_page = {canonical.netloc + canonical.path}
        if canonical.query is not None:
            exact_page.add(f"{canonical.netloc}{canonical.path}?{canonical.query}")
        for expression in expression_hashes(canonical):
            path = expression.expression.partition("/")[2]
            if path == "" and expression.digest in self.domains:
                return True  # "<suffix>/": a dedicated domain at or above the host
            if (
                not connect
                and expression.expression in exact_page
                and expression.digest in self.pages
            ):
                return True
        return False


class Feed:
    """Fetches the list from Hotline and keeps the shared local copy."""

    def __init__(
        self, url: str, token: str, cache: Path, *, hashed: bool, timeout: float = 30
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.cache = cache
        self.hashed = hashed
        self.timeout = timeout

    def _get(self, url: str, params: dict[str, str]) -> dict[str, Any]:
        query = urllib.parse.urlencode({**params, "hashed": "1" if self.hashed else "0"})
        request = urllib.request.Request(  # noqa: S310 (the configured feed URL)
            f"{url}?{query}",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            document: dict[str, Any] = json.load(response)
        return document

    def fetch(self, current: Blocklist) -> Blocklist:
        """The list as it is now: a delta from ``current`` when possible, else in full."""
        if current.serial >= 0:
            try:
                delta = self._get(f"{self.url}/delta", {"since": str(current.serial)})
                return current.apply_delta(delta)
            except urllib.error.HTTPError as exc:
                if exc.code not in (400, 404):
                    raise  # 404: the serial is unknown there (e.g. a restored database)
            except ValueError:
                pass
        return Blocklist.from_full(self._get(self.url, {}))

    def load(self) -> Blocklist | None:
        try:
            with self.cache.open(encoding="utf-8") as handle:
                return Blocklist.from_full(json.load(handle))
        except (OSError, ValueError, KeyError):
            return None

    def save(self, blocklist: Blocklist) -> None:
        """Replace the shared copy atomically (helpers reading it never see half a file)."""
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        with replaced(self.cache, mode=0o600) as out:
            json.dump(blocklist.as_full(), out)


class Helper:
    """Answers Squid from the current list; a background thread keeps the list fresh."""

    def __init__(self, feed: Feed, *, refresh: float, log: TextIO = sys.stderr) -> None:
        self.feed = feed
        self.refresh = refresh
        self.log = log
        self.blocklist = feed.load() or Blocklist()
        self._seen_mtime = self._mtime()

    def _mtime(self) -> float:
        try:
            return self.feed.cache.stat().st_mtime
        except OSError:
            return 0.0

    def refresh_once(self) -> None:
        """Take a newer shared copy if another helper wrote one; else fetch if it is stale."""
        mtime = self._mtime()
        if mtime > self._seen_mtime and (loaded := self.feed.load()) is not None:
            self.blocklist, self._seen_mtime = loaded, mtime
        if time.time() - mtime < self.refresh and self.blocklist.serial >= 0:
            return
        try:
            fresh = self.feed.fetch(self.blocklist)
        except (OSError, ValueError, KeyError) as exc:
            print(f"hotline helper: keeping serial {self.blocklist.serial}: {exc}", file=self.log)
            return
        self.feed.save(fresh)
        self.blocklist, self._seen_mtime = fresh, self._mtime()

    def _refresher(self) -> None:
        while True:
            self.refresh_once()
            time.sleep(self.refresh * random.uniform(0.5, 1.0))

    def answer(self, line: str) -> str:
        parts = line.split()
        channel = ""
        if len(parts) >= 2 and parts[0].isdigit():
            channel, parts = parts[0] + " ", parts[1:]
        if not parts:
            return f"{channel}ERR"
        try:
            # Squid URL-escapes the URL; the canonicaliser unescapes it byte for byte.
            listed = self.blocklist.blocks(parts[0])
        except Exception as exc:  # never take the proxy down for one odd URL
            print(f"hotline helper: {exc!r} for one request", file=self.log)
            listed = False
        return f"{channel}{'OK' if listed else 'ERR'}"

    def serve(self, stdin: TextIO, stdout: TextIO) -> None:
        self.refresh_once()
        threading.Thread(target=self._refresher, daemon=True).start()
        for line in stdin:
            stdout.write(self.answer(line) + "\n")
            stdout.flush()


def _token(args: argparse.Namespace) -> str:
    if args.token_file:
        return Path(args.token_file).read_text(encoding="utf-8").strip()
    token = os.environ.get("HOTLINE_FEED_TOKEN", "")
    if not token:
        raise SystemExit("hotline helper: give --token-file or set HOTLINE_FEED_TOKEN")
    return token


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feed", required=True, help="the URL list feed, .../api/v1/feeds/urls")
    parser.add_argument("--token-file", help="a file holding the feed:urls token")
    parser.add_argument("--cache", required=True, help="the shared local copy (a JSON file)")
    parser.add_argument("--refresh", type=float, default=300, help="seconds between refreshes")
    parser.add_argument("--hashed", action="store_true", help="fetch SHA-256 hashes, not URLs")
    parser.add_argument("--check", metavar="URL", help="print BLOCKED or ALLOWED for one URL")
    args = parser.parse_args(argv)
    feed = Feed(args.feed, _token(args), Path(args.cache), hashed=args.hashed)
    helper = Helper(feed, refresh=args.refresh)
    if args.check:
        helper.refresh_once()
        print("BLOCKED" if helper.blocklist.blocks(args.check) else "ALLOWED")
        return
    helper.serve(sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
