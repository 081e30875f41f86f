"""Two-factor enforcement and idle-session expiry for every signed-in request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import urlencode

OTP_SESSION_KEY = "hotline_otp_verified"
LAST_SEEN_KEY = "hotline_last_seen"

# Pages a signed-in but not yet verified user may reach: the 2FA pages, logout, static, health.
_EXEMPT_NAMES = ("accounts:totp_setup", "accounts:totp_verify", "accounts:logout")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY, now)
            if now - last_seen > settings.SESSION_IDLE_SECONDS:
                logout(request)
                return redirect(f"{reverse('accounts:login')}?expired=1")
            request.session[LAST_SEEN_KEY] = now
            if not settings.DEMO and not request.session.get(OTP_SESSION_KEY):
                exempt = {reverse(name) for name in _EXEMPT_NAMES}
                if request.path not in exempt and not request.path.startswith(
                    (settings.STATIC_URL, "/healthz", "/api/")
                ):
                    has_device = hasattr(user, "totp") and user.totp.confirmed
                    target = reverse(
                        "accounts:totp_verify" if has_device else "accounts:totp_setup"
                    )
                    # Come back to the page asked for (a GET only; the 2FA views check that
                    # ``next`` stays on this site); the landing page needs no ``next``.
                    wanted = request.get_full_path()
                    if request.method == "GET" and wanted != resolve_url(
                        settings.LOGIN_REDIRECT_URL
                    ):
                        target = f"{target}?{urlencode({'next': wanted})}"
                    return redirect(target)
        return self.get_response(request)
