"""The staff menu's operations entries: each role sees exactly the pages it may open, and every
entry it sees opens (the menu and the views' rules cannot drift apart)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from hotline.accounts import actions
from hotline.accounts.models import Role
from hotline.site.navigation import staff_navigation
from tests.conftest import PASSWORD, World, signed_in

OPERATIONS = {
    "outbox": "/staff/outbox/",
    "health": "/staff/health/",
    "audit": "/staff/audit/",
    "credentials": "/staff/credentials/",
    "partners": "/staff/routing/partners/",
}
MENU = re.compile(r'<nav class="staff-nav".*?</nav>', re.S)
HREF = re.compile(r'href="([^"]+)"')

# persona -> (a page of theirs that shows the menu, the operations entries they must see)
EXPECTED = {
    "alice": ("cases:queue", set()),  # analyst
    "charlie": ("cases:queue", {"outbox"}),  # supervisor
    "dave": ("routing:referrals", set()),  # police liaison
    "erin": ("health", {"outbox", "health", "credentials", "partners"}),  # administrator
    "frank": ("audit:log", {"audit"}),  # auditor
}


def _menu_entries(html: str) -> set[str]:
    [menu] = MENU.findall(html)
    hrefs = set(HREF.findall(menu))
    return {name for name, path in OPERATIONS.items() if path in hrefs}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_menu_shows_each_role_the_operations_pages_it_may_open(world: World, persona: str) -> None:
    user = getattr(world, persona)
    page, expected = EXPECTED[persona]
    client = signed_in(user)

    response = client.get(reverse(page))

    assert response.status_code == 200
    assert _menu_entries(response.content.decode()) == expected
    opened = {name: client.get(path).status_code for name, path in OPERATIONS.items()}
    assert {name for name, status in opened.items() if status == 200} == expected
    assert {status for name, status in opened.items() if name not in expected} <= {403, 404}


@pytest.mark.django_db
def test_a_partners_administrator_gets_no_operations_entries(world: World) -> None:
    # An administrator account of another organisation: our views refuse it, so must the menu.
    outsider = actions.create_user(
        username="olaf",
        password=PASSWORD,
        organisation=world.hotline_b,
        roles=[Role.ADMINISTRATOR, Role.SUPERVISOR, Role.AUDITOR],
        acting_user=None,
    )

    nav = staff_navigation(outsider)

    assert {
        name: nav[name] for name in ("outbox", "health", "audit_log", "credentials", "partners")
    } == {
        "outbox": False,
        "health": False,
        "audit_log": False,
        "credentials": False,
        "partners": False,
    }
    client = signed_in(outsider)
    assert {client.get(path).status_code for path in OPERATIONS.values()} == {403}
