"""Classification schemes for assessments.

A scheme is a small class in a registry; adding one is adding one entry. Each
category maps to a common ``rank`` (0 = not illegal, higher = more severe) so
that statistics, routing and mappings between schemes work across hotlines.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Category:
    code: str
    label: str | Promise
    rank: int


@dataclass(frozen=True)
class Scheme:
    code: str
    label: str | Promise
    categories: tuple[Category, ...]

    def category(self, code: str) -> Category:
        for category in self.categories:
            if category.code == code:
                return category
        raise KeyError(f"{code!r} is not a category of the {self.code} scheme")

    def choices(self) -> list[tuple[str, str | Promise]]:
        return [(c.code, c.label) for c in self.categories]

    def map_rank(self, rank: int) -> Category:
        """The category of this scheme closest to a rank from another scheme (never milder)."""
        candidates = [c for c in self.categories if c.rank >= rank]
        if candidates:
            return min(candidates, key=lambda c: c.rank)
        return max(self.categories, key=lambda c: c.rank)


SCHEMES: dict[str, Scheme] = {}


def register(scheme: Scheme) -> Scheme:
    SCHEMES[scheme.code] = scheme
    return scheme


INHOPE = register(
    Scheme(
        "inhope",
        _("INHOPE baseline"),
        (
            Category("baseline", _("Baseline: internationally illegal"), 3),
            Category("national", _("Illegal under national law only"), 2),
            Category("not_baseline", _("Not illegal"), 0),
        ),
    )
)
NCMEC = register(
    Scheme(
        "ncmec",
        _("NCMEC industry classification (A1/A2/B1/B2)"),
        (
            Category("A1", _("A1: prepubescent minor, sex act"), 4),
            Category("A2", _("A2: prepubescent minor, lascivious exhibition"), 3),
            Category("B1", _("B1: pubescent minor, sex act"), 3),
            Category("B2", _("B2: pubescent minor, lascivious exhibition"), 2),
        ),
    )
)
UK = register(
    Scheme(
        "uk",
        _("UK sentencing categories (A/B/C)"),
        (
            Category("A", _("Category A: penetrative activity, sadism or bestiality"), 4),
            Category("B", _("Category B: non-penetrative sexual activity"), 3),
            Category("C", _("Category C: other indecent images"), 2),
        ),
    )
)


def get_scheme(code: str) -> Scheme:
    try:
        return SCHEMES[code]
    except KeyError:
        raise KeyError(
            f"unknown classification scheme {code!r}; known: {', '.join(SCHEMES)}"
        ) from None
