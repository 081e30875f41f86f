"""The staff menu: which sections a user's roles open, gathered from each app's rules.

Every section is also enforced by its own views; the menu only shows the way.
"""

from __future__ import annotations

from hotline.accounts.models import Role, User
from hotline.accounts.rules import navigation as case_navigation
from hotline.monitoring.rules import LEGAL_READERS, can_read_statistics
from hotline.tourism.rules import tourism_navigation

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
