"""Who may do what. Views use these decorators; querysets use the ``visible_*`` helpers of each app."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.urls import get_urlconf, resolve, reverse

from hotline.accounts.models import Role, User

CASE_ROLES = (Role.ANALYST, Role.SUPERVISOR)
STAFF_ROLES = tuple(Role)

# HttpResponseBase: a view may stream (the audit log's CSV export).
ViewFunc = Callable[..., HttpResponseBase]


def _signed_in_view(refusal: Callable[[User], str | None]) -> Callable[[ViewFunc], ViewFunc]:
    """A view for signed-in users that ``refusal`` does not refuse (it returns why, or None).

    Two-factor verification is enforced for every signed-in request by
    ``TwoFactorMiddleware``; an anonymous visitor is sent to the sign-in page.
    """

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            assert isinstance(user, User)
            reason = refusal(user)
            if reason is not None:
                raise PermissionDenied(reason)
            return view(request, *args, **kwargs)

        # The menus ask the view itself who may open it (``may_open``): one rule, two uses.
        setattr(wrapped, ACCESS_RULE, refusal)
        return wrapped

    return decorator


# The attribute on a protected view holding its rule: ``(user) -> reason refused, or None``.
ACCESS_RULE = "hotline_access_rule"


def access_rule(view: Callable[..., Any]) -> Callable[[User], str | None] | None:
    """The access rule a view was decorated with, or None for a public view. An admin page's
    rule is its site's (Django wraps admin views only when they are called)."""
    rule = getattr(view, ACCESS_RULE, None) or getattr(
        getattr(view, "admin_site", None), ACCESS_RULE, None
    )
    return rule if callable(rule) else None


def may_open(user: User, url_name: str) -> bool:
    """Whether ``user`` may open the page named ``url_name`` (a URL without arguments), by
    the very rule its view enforces, so a menu never links to a page that answers 403."""
    rule = access_rule(_view_of(url_name, get_urlconf()))
    return rule is None or rule(user) is None


@lru_cache(maxsize=256)
def _view_of(url_name: str, urlconf: str | None) -> Callable[..., Any]:
    return resolve(reverse(url_name, urlconf=urlconf), urlconf=urlconf).func


def role_required(*roles: str, own_staff_only: bool = True) -> Callable[[ViewFunc], ViewFunc]:
    """Allow a signed-in, two-factor-verified user holding any of ``roles`` and, unless
    ``own_staff_only`` is False, belonging to the hotline that runs this instance (a
    partner's or police user never sees our case data)."""

    def refusal(user: User) -> str | None:
        if not user.has_role(*roles):
            return "Your role does not give access to this page."
        if own_staff_only and not is_own_hotline_staff(user):
            return "Only this hotline's own staff can open this page."
        return None

    return _signed_in_view(refusal)


def is_own_hotline_staff(user: User) -> bool:
    """Staff of the hotline that runs this instance (as opposed to police or partner users)."""
    return bool(user.organisation_id and user.organisation and user.organisation.is_own)


def can_see_referrals(user: User) -> bool:
    """Police liaisons (their referrals) and this hotline's analysts and supervisors."""
    return user.has_role(Role.LAW_ENFORCEMENT_LIAISON) or (
        is_own_hotline_staff(user) and user.has_role(Role.ANALYST, Role.SUPERVISOR)
    )


# Auditors read the audit log. Administrators do not: they are the people whose changes the
# log holds to account, and least privilege gives each role only what its work needs.
AUDIT_LOG_READERS = (Role.AUDITOR,)


def can_read_audit_log(user: User) -> bool:
    """This hotline's auditors (an auditor of a partner organisation reads nothing here)."""
    return is_own_hotline_staff(user) and user.has_role(*AUDIT_LOG_READERS)


# The outbox page (every outgoing message, retry / park / unpark): supervisors watch delivery,
# administrators run the system.
OUTBOX_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def rule_required(predicate: Callable[[User], bool]) -> Callable[[ViewFunc], ViewFunc]:
    """Allow a signed-in user for whom ``predicate`` holds (for rules that roles alone cannot say)."""
    return _signed_in_view(
        lambda user: None if predicate(user) else "Your account does not give access to this page."
    )


def navigation(user: User) -> dict[str, bool]:
    """Which sections a user's menu shows (each also enforced by its views)."""
    own = is_own_hotline_staff(user)
    administrator = own and user.has_role(Role.ADMINISTRATOR)
    return {
        "cases": own and user.has_role(*CASE_ROLES),
        "referrals": can_see_referrals(user),
        "supervisor": own and user.has_role(Role.SUPERVISOR),
        "admin": user.has_role(Role.ADMINISTRATOR),
        "audit_log": can_read_audit_log(user),
        # Each as its views' ``role_required`` (this hotline's own staff only).
        "outbox": own and user.has_role(*OUTBOX_ROLES),
        "health": administrator,
        "credentials": administrator,
        "partners": administrator,
    }
