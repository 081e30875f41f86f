"""Sign-in throttling, keyed on the account and on a salted hash of the client address.

The same counters guard each step of signing in (``scope``: the password, then the TOTP
code): this many failures per account, or per client, lock that step for the window.
The client address is never stored: only an HMAC with a salt that rotates daily,
kept in the cache, so counts expire and cannot be reversed. Behind a proxy the client
address is the one the trusted proxy forwarded (``hotline.core.proxy``), never a header
the client wrote itself.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone


def client_fingerprint(request: HttpRequest, *, purpose: str) -> str:
    """An unlinkable-across-days token for rate limits; never persisted."""
    address = request.META.get("REMOTE_ADDR", "")
    salt = f"{settings.SECRET_KEY}:{purpose}:{timezone.now():%Y-%m-%d}"
    return hmac.new(salt.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


def _keys(request: HttpRequest, username: str, scope: str) -> list[str]:
    user_key = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [
        f"{scope}-fail:user:{user_key}",
        f"{scope}-fail:client:{client_fingerprint(request, purpose=scope)}",
    ]


def is_locked(request: HttpRequest, username: str, *, scope: str = "login") -> bool:
    """True while the account or the client has used up its failures for this step."""
    return any(
        (cache.get(key) or 0) >= settings.LOGIN_MAX_FAILURES
        for key in _keys(request, username, scope)
    )


def note_failure(request: HttpRequest, username: str, *, scope: str = "login") -> bool:
    """Count one failure; True when this failure locks the account or the client."""
    locked = False
    for key in _keys(request, username, scope):
        cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)
            count = 1
        locked = locked or count == settings.LOGIN_MAX_FAILURES
    return locked


def clear(request: HttpRequest, username: str, *, scope: str = "login") -> None:
    cache.delete_many(_keys(request, username, scope))


def hit_rate_limit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit on ``key``; True when the caller is over ``limit`` in the window."""
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count > limit
