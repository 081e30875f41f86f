from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_POST

from hotline.accounts import actions
from hotline.accounts.forms import ThrottledLoginForm, TOTPForm
from hotline.accounts.middleware import OTP_SESSION_KEY
from hotline.accounts.models import TOTPDevice, User
from hotline.audit.actions import record


class StaffLoginView(LoginView):
    form_class = ThrottledLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        record("user.login", actor=form.get_user(), obj=form.get_user())
        return response


def safe_next(request: HttpRequest) -> str:
    """Where to go after a sign-in step: ``next`` if it stays on this site, else the landing.

    ``next`` comes from the request, so anyone can write a link with ``next`` pointing at a
    phishing page; only a relative path or this host (https when the request is) is followed.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _signed_in_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    user = _signed_in_user(request)
    if hasattr(user, "totp") and user.totp.confirmed:
        return redirect("accounts:totp_verify")
    device = TOTPDevice.objects.filter(user=user).first()
    form = TOTPForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        if actions.confirm_totp(user, form.cleaned_data["code"]):
            request.session[OTP_SESSION_KEY] = True
            messages.success(request, _("Two-factor authentication is set up."))
            return redirect(safe_next(request))
        form.add_error(
            "code", _("That code is not valid. Check the time on your phone and try again.")
        )
    if device is None or request.method == "GET":
        device = actions.start_totp_enrolment(user)
    uri = actions.totp_uri(device, issuer=settings.INSTANCE_NAME)
    qr = segno.make(uri, error="m").svg_data_uri(scale=4)
    return render(
        request,
        "accounts/totp_setup.html",
        {"form": form, "qr": qr, "secret": device.secret, "uri": uri},
    )


@login_required
def totp_verify(request: HttpRequest) -> HttpResponse:
    user = _signed_in_user(request)
    if not (hasattr(user, "totp") and user.totp.confirmed):
        return redirect("accounts:totp_setup")
    form = TOTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = actions.check_totp_sign_in(user, form.cleaned_data["code"], request=request)
        if outcome == actions.TOTPCheck.ACCEPTED:
            request.session.cycle_key()
            request.session[OTP_SESSION_KEY] = True
            return redirect(safe_next(request))
        if outcome == actions.TOTPCheck.LOCKED:
            form.add_error(
                "code",
                _(
                    "Too many wrong codes. Wait a quarter of an hour, or ask an administrator "
                    "to help."
                ),
            )
        else:
            form.add_error("code", _("That code is not valid or was already used."))
    return render(request, "accounts/totp_verify.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        record("user.logout", actor=_signed_in_user(request), obj=request.user)
    logout(request)
    return redirect("accounts:login")


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 403 handler: every refusal (``role_required``, a view's own check) is audited,
    then the plain "not allowed" page is shown. The handler runs after the view, outside
    its transaction, so a refusal stays recorded whatever the view had begun."""
    user = request.user if isinstance(request.user, User) else None
    actions.note_permission_refused(
        user, path=request.path, method=request.method or "", reason=str(exception)
    )
    return defaults.permission_denied(request, exception)
