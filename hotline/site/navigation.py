"""The staff menu: a few menus of links, each link shown only to those its page admits.

Whether a link shows is asked of the page's own view (``accounts.rules.may_open``): the menu
and the page cannot disagree, and ``tests/site/test_navigation.py`` opens every link of
every role's menu. Adding a page to the menu is adding one ``Link``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import Role, User
from hotline.accounts.rules import may_open
from hotline.accounts.rules import navigation as case_navigation
from hotline.monitoring.rules import LEGAL_READERS, can_read_statistics
from hotline.tourism.rules import tourism_navigation


@dataclass(frozen=True)
class Link:
    label: str | Promise
    url_name: str


@dataclass(frozen=True)
class Menu:
    key: str
    label: str | Promise
    links: tuple[Link, ...]


MENUS: tuple[Menu, ...] = (
    Menu(
        "cases",
        _("Cases"),
        (
            Link(_("Queue"), "cases:queue"),
            Link(_("Confirmations"), "cases:confirmations"),
            Link(_("Referrals"), "routing:referrals"),
            Link(_("Notices"), "takedown:notices"),
            Link(_("Search"), "search"),
            Link(_("Removal requests"), "removal_staff:list"),
            Link(_("Blocklist"), "feeds:blocklist"),
        ),
    ),
    Menu(
        "travel",
        _("Travel"),
        (
            Link(_("Travel cases"), "tourism:cases"),
            Link(_("Travel referrals"), "tourism:referrals"),
            Link(_("Notices to companies"), "tourism:notices"),
            Link(_("The Code"), "tourism:companies"),
            Link(_("Travel statistics"), "tourism:statistics"),
        ),
    ),
    Menu(
        "figures",
        _("Figures"),
        (
            Link(_("Statistics"), "monitoring:dashboard"),
            Link(_("National targets"), "monitoring:targets"),
            Link(_("Annual report"), "monitoring:report_index"),
            Link(_("Legal matrix"), "monitoring:legal_matrix"),
            Link(_("Gap report"), "monitoring:gaps"),
        ),
    ),
    Menu(
        "admin",
        _("Administration"),
        (
            Link(_("Routing rules"), "routing:rules"),
            Link(_("Partners"), "routing:partners"),
            Link(_("API credentials"), "accounts:credentials"),
            Link(_("Outbox"), "outbox:outbox"),
            Link(_("System health"), "health"),
            Link(_("Audit log"), "audit:log"),
            Link(_("All records"), "admin:index"),
        ),
    ),
)


@dataclass(frozen=True)
class MenuLink:
    label: str
    url: str


@dataclass(frozen=True)
class ShownMenu:
    key: str
    label: str
    links: tuple[MenuLink, ...]


def staff_menus(user: User) -> list[ShownMenu]:
    """The menus ``user`` sees: only the links their roles open, empty menus left out."""
    shown = []
    for menu in MENUS:
        links = tuple(
            MenuLink(str(link.label), reverse(link.url_name))
            for link in menu.links
            if may_open(user, link.url_name)
        )
        if links:
            shown.append(ShownMenu(menu.key, str(menu.label), links))
    return shown


# Where a user lands after signing in: the first section (in this order) they may open.
LANDING = (
    ("cases", "cases:queue"),
    ("referrals", "routing:referrals"),
    ("travel_referrals", "tourism:referrals"),
    ("companies", "tourism:companies"),
    ("statistics", "monitoring:dashboard"),
    ("admin", "admin:index"),
)


def staff_navigation(user: User) -> dict[str, bool]:
    """Sections by name, for the landing page and for pages that link across sections."""
    nav = dict(case_navigation(user))
    travel = tourism_navigation(user)
    nav.update(
        {
            "travel_cases": travel["cases"],
            "travel_referrals": travel["referrals"],
            "companies": travel["companies"],
            "travel_statistics": travel["statistics"],
            "statistics": can_read_statistics(user),
            "legal_matrix": user.has_role(*LEGAL_READERS),
            "targets": can_read_statistics(user),
            "auditor": user.has_role(Role.AUDITOR),
        }
    )
    return nav


def landing(user: User) -> str | None:
    nav = staff_navigation(user)
    return next((target for section, target in LANDING if nav.get(section)), None)
