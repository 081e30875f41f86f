"""The staff menu: each role sees exactly the pages it may open, and every link answers 200;
our own error pages keep the menu, in DEBUG (``make run``) too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.actions import create_user
from hotline.accounts.models import Role, User
from hotline.accounts.rules import access_rule
from hotline.site.navigation import MENUS, staff_menus
from tests.conftest import PASSWORD, World, signed_in

EXPECTED = {
    "alice": {  # analyst
        "Cases": ["Queue", "Referrals", "Notices", "Search", "Removal requests", "Blocklist"],
        "Travel": [
            "Travel cases",
            "Travel referrals",
            "Notices to companies",
            "The Code",
            "Travel statistics",
        ],
        "Figures": ["Legal matrix", "Gap report"],
        "Administration": ["Routing rules"],
    },
    "charlie": {  # supervisor
        "Cases": [
            "Queue",
            "Confirmations",
            "Referrals",
            "Notices",
            "Search",
            "Removal requests",
            "Blocklist",
        ],
        "Travel": [
            "Travel cases",
            "Travel referrals",
            "Notices to companies",
            "The Code",
            "Travel statistics",
        ],
        "Figures": [
            "Statistics",
            "National targets",
            "Annual report",
            "Legal matrix",
            "Gap report",
        ],
        "Administration": ["Routing rules", "Outbox"],
    },
}


def _code_monitor(world: World) -> User:
    return create_user(
        username="grace",
        password=PASSWORD,
        organisation=world.hotline_a,
        roles=(Role.CODE_MONITOR,),
        acting_user=None,
    )


def _personas(world: World) -> dict[str, User]:
    return {
        "alice": world.alice,
        "bob": world.bob,
        "charlie": world.charlie,
        "dave": world.dave,
        "erin": world.erin,
        "frank": world.frank,
        "grace": _code_monitor(world),
    }


def _menu_labels(user: User) -> dict[str, list[str]]:
    return {menu.label: [link.label for link in menu.links] for menu in staff_menus(user)}


@pytest.mark.django_db
def test_every_menu_link_of_every_role_answers_200(world: World) -> None:
    refused = []
    for name, user in _personas(world).items():
        client = signed_in(user)
        for menu in staff_menus(user):
            for link in menu.links:
                status = client.get(link.url).status_code
                if status != 200:
                    refused.append((name, link.url, status))

    assert refused == []


@pytest.mark.django_db
def test_each_role_sees_only_its_own_pages(world: World) -> None:
    shown = {name: _menu_labels(user) for name, user in _personas(world).items()}

    assert {name: shown[name] for name in EXPECTED} == EXPECTED
    # A partner's analyst and a police liaison see no case pages of ours.
    assert "Cases" not in shown["bob"]
    assert shown["dave"].get("Cases") == ["Referrals", "Search"]  # search finds referrals only
    # Auditors read the audit log; administrators do not (they are what it audits).
    assert "Audit log" in shown["frank"]["Administration"]
    assert "Audit log" not in shown["erin"]["Administration"]
    assert "All records" in shown["erin"]["Administration"]


def test_every_menu_link_leads_to_a_protected_view() -> None:
    # A link to a view without a rule would be shown to everyone (may_open says yes).
    from django.urls import resolve

    unprotected = [
        link.url_name
        for menu in MENUS
        for link in menu.links
        if access_rule(resolve(reverse(link.url_name)).func) is None
    ]

    assert unprotected == []


@pytest.mark.django_db
def test_header_shows_each_page_once_on_travel_pages(world: World) -> None:
    html = signed_in(world.charlie).get(reverse("tourism:cases")).content.decode()
    nav = html[html.index('<nav class="staff-nav"') : html.index("</nav>")]
    hrefs = re.findall(r'href="([^"]+)"', nav)

    assert len(hrefs) == len(set(hrefs))
    assert hrefs.count(reverse("tourism:cases")) == 1


@pytest.mark.django_db
def test_menus_open_without_javascript(world: World) -> None:
    html = signed_in(world.charlie).get(reverse("cases:queue")).content.decode()

    assert '<details class="menu" data-menu="cases">' in html
    assert f'<a href="{reverse("cases:queue")}" aria-current="page">Queue</a>' in html


@pytest.mark.django_db
def test_not_allowed_page_keeps_the_staff_menu(world: World) -> None:
    response = signed_in(world.alice).get(reverse("cases:confirmations"))
    html = response.content.decode()

    assert response.status_code == 403
    assert "Not allowed" in html
    assert '<nav class="staff-nav"' in html
    assert f'href="{reverse("cases:queue")}"' in html


@pytest.mark.django_db
def test_not_found_page_keeps_the_staff_menu(world: World) -> None:
    response = signed_in(world.alice).get("/staff/no-such-page/")

    assert response.status_code == 404
    assert '<nav class="staff-nav"' in response.content.decode()


@pytest.mark.django_db
def test_not_found_under_the_demo_settings_is_our_page_not_djangos(settings: Any) -> None:
    # `make run`: HOTLINE_DEMO=1 in development mode, so DEBUG is on.
    settings.DEBUG = True
    settings.DEMO = True

    response = Client().get("/no-such-page/")
    html = response.content.decode()

    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in html
    assert "URLconf" not in html
    assert "staff/admin/" not in html


@pytest.mark.django_db
def test_missing_slash_still_redirects_in_debug(settings: Any) -> None:
    settings.DEBUG = True

    response = Client().get("/report/online")

    assert (response.status_code, response["Location"]) == (301, "/report/online/")


@pytest.mark.django_db
@pytest.mark.urls("tests.site.failing_urls")
def test_server_error_in_debug_is_our_page(settings: Any) -> None:
    settings.DEBUG = True

    response = Client(raise_request_exception=False).get("/boom/")
    html = response.content.decode()

    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in html
    assert "Traceback" not in html


@pytest.mark.django_db
@pytest.mark.urls("tests.site.failing_urls")
def test_djangos_pages_come_back_when_asked_for(settings: Any) -> None:
    settings.DEBUG = True
    settings.DEBUG_ERROR_PAGES = True

    response = Client(raise_request_exception=False).get("/boom/")

    assert response.status_code == 500
    assert "Traceback" in response.content.decode()
