"""Who may do what in the tourism app (views use these with ``rule_required``)."""

from __future__ import annotations

from hotline.accounts.models import Role, User
from hotline.accounts.rules import is_own_hotline_staff


def handles_travel_cases(user: User) -> bool:
    """This hotline's analysts and supervisors work travel cases."""
    return is_own_hotline_staff(user) and user.has_role(Role.ANALYST, Role.SUPERVISOR)


def sees_travel_referrals(user: User) -> bool:
    """Our case workers, and police liaisons (who see only their own referrals)."""
    return handles_travel_cases(user) or (
        user.has_role(Role.LAW_ENFORCEMENT_LIAISON) and user.organisation_id is not None
    )


def keeps_code_registry(user: User) -> bool:
    """This hotline's Code monitors keep the registry of companies and annual reports."""
    return is_own_hotline_staff(user) and user.has_role(Role.CODE_MONITOR)


def reads_company_registry(user: User) -> bool:
    """Code monitors, and case workers who link reports to companies."""
    return keeps_code_registry(user) or handles_travel_cases(user)


def sees_statistics(user: User) -> bool:
    return is_own_hotline_staff(user) and user.has_role(
        Role.ANALYST, Role.SUPERVISOR, Role.CODE_MONITOR
    )


def tourism_navigation(user: User) -> dict[str, bool]:
    """Which tourism pages a user's menu shows (each also enforced by its view)."""
    return {
        "cases": handles_travel_cases(user),
        "referrals": sees_travel_referrals(user),
        "companies": reads_company_registry(user),
        "statistics": sees_statistics(user),
    }
