"""The vocabulary of the access matrix: personas, rows and expected answers.

Apps add rows in tests/<app>/access_rows.py (``ROWS: dict[str, Row]``); the
matrix test merges them and fails for any URL without a row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import World

# anonymous; alice analyst of A (this instance); bob analyst of B (a partner); charlie supervisor
# of A; dave police liaison; erin administrator of A; frank auditor of A; feed = ISP feed token;
# company = intake token
PERSONAS = ("anonymous", "alice", "bob", "charlie", "dave", "erin", "frank", "feed", "company")
STAFF = ("alice", "bob", "charlie", "dave", "erin", "frank")
LOGIN = "login"  # shorthand: a redirect to the staff sign-in page

Kwargs = dict[str, Any] | Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Row:
    expected: dict[str, int | str]
    kwargs: Kwargs = field(default_factory=dict)
    method: str = "get"
    json_body: Any = None


def staff(*allowed: str, status: int = 200) -> dict[str, int | str]:
    """A staff page: allowed personas get ``status``, other staff 403, everybody else a login."""
    result: dict[str, int | str] = {"anonymous": LOGIN, "feed": LOGIN, "company": LOGIN}
    for persona in STAFF:
        result[persona] = status if persona in allowed else 403
    return result


def everyone(status: int | str = 200) -> dict[str, int | str]:
    return dict.fromkeys(PERSONAS, status)


def api(**allowed: int) -> dict[str, int | str]:
    """An API endpoint: the named token personas get their status, other tokens 403, no token 401."""
    return {p: allowed.get(p, 403 if p in ("feed", "company") else 401) for p in PERSONAS}
