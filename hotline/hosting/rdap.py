"""Abuse contacts from RDAP (RFC 9082 queries, RFC 9083 responses).

The abuse contact of an IP network is the hosting provider's; the abuse contact of a domain
is its registrar's. Both are the entity with the ``abuse`` role in the RDAP record (often nested
inside the registrar or network owner entity), and the address is that entity's vCard ``email``.

``HOSTING_RDAP_URL`` is the bootstrap service asked (``https://rdap.org/`` by default, which
redirects to the registry that holds the record; an empty value turns lookups off);
``HOSTING_RDAP_TIMEOUT`` bounds each request; answers are kept in Django's cache for
``HOSTING_RDAP_CACHE_SECONDS`` (failures for a tenth of that), so a burst of reports on one
network asks the registry once.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

__all__ = ["AbuseLookup", "RdapClient", "find_abuse_email"]

DEFAULT_RDAP_URL = "https://rdap.org/"
DEFAULT_TIMEOUT = 10.0
DEFAULT_CACHE_SECONDS = 86400
MAX_RESPONSE_BYTES = 2 * 1024 * 1024
USER_AGENT = "Hotline RDAP client (abuse contact lookup)"

QueryKind = Literal["ip", "domain"]


@dataclass(frozen=True)
class AbuseLookup:
    """The outcome of one abuse-contact lookup; ``email`` is empty when none was found."""

    kind: QueryKind
    query: str
    email: str
    name: str
    source: str  # the RDAP URL asked
    fetched_at: datetime
    error: str = ""
    from_cache: bool = False


class RdapClient:
    """Looks up abuse contacts over RDAP, with a timeout and a shared cache."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        cache_seconds: int = DEFAULT_CACHE_SECONDS,
    ) -> None:
        scheme = urllib.parse.urlsplit(base_url).scheme
        if scheme not in ("http", "https"):
            raise ImproperlyConfigured(
                f"HOSTING_RDAP_URL: expected an http(s) URL such as {DEFAULT_RDAP_URL}, "
                f"got {base_url!r}"
            )
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout = timeout
        self.cache_seconds = cache_seconds

    @classmethod
    def from_settings(cls) -> RdapClient | None:
        """The client the settings describe, or ``None`` when ``HOSTING_RDAP_URL`` is empty."""
        base_url = settings.HOSTING_RDAP_URL
        if not base_url:
            return None
        return cls(
            base_url,
            timeout=float(settings.HOSTING_RDAP_TIMEOUT),
            cache_seconds=int(settings.HOSTING_RDAP_CACHE_SECONDS),
        )

    def query_url(self, kind: QueryKind, query: str) -> str:
        """The RDAP URL for an ``ip`` or ``domain`` query (RFC 9082 paths)."""
        return urllib.parse.urljoin(self.base_url, f"{kind}/{urllib.parse.quote(query, safe=':')}")

    def abuse_contact(self, kind: QueryKind, query: str) -> AbuseLookup:
        """The abuse contact for an IP address or a domain, from the cache or RDAP; never raises."""
        url = self.query_url(kind, query)
        key = "hosting:rdap:" + hashlib.sha256(url.encode()).hexdigest()
        cached = cache.get(key)
        if isinstance(cached, AbuseLookup):
            return replace(cached, from_cache=True)
        lookup = self._fetch(kind, query, url)
        seconds = self.cache_seconds if not lookup.error else max(1, self.cache_seconds // 10)
        cache.set(key, lookup, seconds)
        return lookup

    def _fetch(self, kind: QueryKind, query: str, url: str) -> AbuseLookup:
        fetched_at = timezone.now()

        def failed(error: str) -> AbuseLookup:
            return AbuseLookup(kind, query, "", "", url, fetched_at, error)

        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            url,
            headers={"Accept": "application/rdap+json, application/json", "User-Agent": USER_AGENT},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return failed(f"no RDAP record for {query}")
            return failed(f"the RDAP server answered HTTP {exc.code}")
        except TimeoutError:
            return failed(f"no RDAP answer within {self.timeout:g} s")
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                return failed(f"no RDAP answer within {self.timeout:g} s")
            return failed(f"the RDAP server could not be reached ({exc.reason})")
        except OSError as exc:
            return failed(f"the RDAP request failed ({exc})")
        if len(body) > MAX_RESPONSE_BYTES:
            return failed("the RDAP answer is too large")
        try:
            document = json.loads(body)
        except ValueError:
            return failed("the RDAP answer is not JSON")
        found = find_abuse_email(document)
        if found is None:
            return failed("the RDAP record names no abuse contact with an e-mail address")
        email, name = found
        return AbuseLookup(kind, query, email, name, url, fetched_at)


def find_abuse_email(document: Any) -> tuple[str, str] | None:
    """``(email, name)`` of the first entity with the ``abuse`` role that has an e-mail address,
    searching nested entities breadth first (the nearest abuse contact wins)."""
    for entity in _entities(document):
        roles = entity.get("roles")
        if not isinstance(roles, list) or "abuse" not in roles:
            continue
        email = _vcard_value(entity, "email")
        if email:
            return email.removeprefix("mailto:"), _vcard_value(entity, "fn")
    return None


def _entities(document: Any) -> Iterator[dict[str, Any]]:
    queue: deque[Any] = deque([document])
    while queue:
        node = queue.popleft()
        if not isinstance(node, dict):
            continue
        if node is not document:
            yield node
        children = node.get("entities")
        if isinstance(children, list):
            queue.extend(children)


def _vcard_value(entity: dict[str, Any], prop: str) -> str:
    """The first text value of a vCard property in jCard form (RFC 7095)."""
    vcard = entity.get("vcardArray")
    if not (isinstance(vcard, list) and len(vcard) == 2 and isinstance(vcard[1], list)):
        return ""
    for item in vcard[1]:
        if (
            isinstance(item, list)
            and len(item) >= 4
            and isinstance(item[0], str)
            and item[0].lower() == prop
            and isinstance(item[3], str)
        ):
            return item[3].strip()
    return ""
