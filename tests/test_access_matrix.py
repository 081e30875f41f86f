"""Who can reach what: every URL of the instance, for every persona.

Later features add their URLs to ``MATRIX``; the completeness test fails when a
URL has no row, so no page ships without a decision on who may see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import World, signed_in

PERSONAS = ("anonymous", "alice", "bob", "dave", "erin", "feed")
LOGIN = "login"  # shorthand: a redirect to the staff sign-in page


@dataclass(frozen=True)
class Row:
    expected: dict[str, int | str]
    kwargs: dict[str, object] = field(default_factory=dict)
    method: str = "get"


def staff(*allowed: str) -> dict[str, int | str]:
    """A staff page: the allowed personas get 200, other staff 403, everybody else a login."""
    result: dict[str, int | str] = {"anonymous": LOGIN, "feed": LOGIN}
    for persona in ("alice", "bob", "dave", "erin"):
        result[persona] = 200 if persona in allowed else 403
    return result


def everyone(status: int = 200) -> dict[str, int | str]:
    return dict.fromkeys(PERSONAS, status)


def api(*allowed: str) -> dict[str, int | str]:
    """An API endpoint: tokens with the scope get 200, others 403, no token 401."""
    return {p: (200 if p in allowed else (403 if p == "feed" else 401)) for p in PERSONAS}


MATRIX: dict[str, Row] = {
    "home": Row(everyone()),
    "healthz": Row(everyone()),
    "accounts:login": Row({**everyone(), "alice": 302, "bob": 302, "dave": 302, "erin": 302}),
    "accounts:logout": Row(everyone(302), method="post"),
    "accounts:totp_setup": Row(
        {**everyone(LOGIN), "alice": 200, "bob": 200, "dave": 200, "erin": 200}
    ),
    "accounts:totp_verify": Row(
        # signed-in personas have no confirmed authenticator yet, so verify sends them to setup
        {**everyone(LOGIN), "alice": 302, "bob": 302, "dave": 302, "erin": 302}
    ),
    "cases:queue": Row(staff("alice")),
    "admin:index": Row({**staff("erin")}),
    "api_whoami": Row({**api("feed"), "feed": 200}),
}

# Django admin's own URLs all sit behind admin:index's permission check.
IGNORED_PREFIXES = ("admin:",)
IGNORED = {"set_language"}  # POST-only language switch, open to all by design


def _all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns)
            elif p.name:
                names.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_has_an_access_decision() -> None:
    undecided = {
        name
        for name in _all_url_names() - set(MATRIX) - IGNORED
        if not name.startswith(IGNORED_PREFIXES)
    }

    assert undecided == set()


def _client(persona: str, world: World) -> tuple[Client, dict[str, str]]:
    if persona == "anonymous":
        return Client(), {}
    if persona == "feed":
        return Client(), {"HTTP_AUTHORIZATION": f"Bearer {world.feed_token}"}
    return signed_in(getattr(world, persona)), {}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(name: str, persona: str, world: World) -> None:
    row = MATRIX[name]
    client, headers = _client(persona, world)
    url = reverse(name, kwargs=row.kwargs)

    response = getattr(client, row.method)(url, **headers)

    expected = row.expected[persona]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected
