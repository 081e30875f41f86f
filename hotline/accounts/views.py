"""Staff sign-in with two-factor, and the administrators' pages for machine credentials."""

from __future__ import annotations

import secrets
from datetime import timedelta

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hotline.accounts import actions
from hotline.accounts.forms import (
    CredentialIssueForm,
    CredentialRevokeForm,
    CredentialRotateForm,
    ThrottledLoginForm,
    TOTPForm,
)
from hotline.accounts.middleware import OTP_SESSION_KEY
from hotline.accounts.models import SCOPE_HELP, ApiCredential, Role, Scope, TOTPDevice, User
from hotline.accounts.rules import role_required
from hotline.accounts.sections import CredentialSection, registered_sections
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
    signed_in = isinstance(request.user, User) and request.user.is_authenticated
    return render(
        request,
        "403.html",
        {"base_template": "staff_base.html" if signed_in else "base.html"},
        status=403,
    )


# --- machine credentials (administrators) --------------------------------------------------

# A form that shows a token carries a one-time value kept in the session. Sending it a second
# time (a reload of the page that showed the token) issues nothing and shows nothing: the
# token exists only in the one response that displayed it, never in the session or database.
ONCE_SESSION_KEY = "credential_forms"
ONCE_KEPT = 20


def _new_once(request: HttpRequest) -> str:
    value = secrets.token_urlsafe(16)
    pending = [*request.session.get(ONCE_SESSION_KEY, []), value][-ONCE_KEPT:]
    request.session[ONCE_SESSION_KEY] = pending
    return value


def _take_once(request: HttpRequest, value: str) -> bool:
    pending = list(request.session.get(ONCE_SESSION_KEY, []))
    if value not in pending:
        return False
    pending.remove(value)
    request.session[ONCE_SESSION_KEY] = pending
    return True


def _already_shown(request: HttpRequest, credential: ApiCredential | None = None) -> HttpResponse:
    messages.error(
        request,
        _(
            "This form was already sent and its token shown once; a token cannot be shown "
            "again. Rotate the credential to get a new one."
        ),
    )
    if credential is not None:
        return redirect("accounts:credential", pk=credential.pk)
    return redirect("accounts:credentials")


def _section_forms(
    data: QueryDict | None, credential: ApiCredential | None
) -> list[tuple[CredentialSection, forms.Form]]:
    return [
        (section, section.form(data=data, credential=credential))
        for section in registered_sections()
    ]


def _token_page(request: HttpRequest, issued: actions.IssuedCredential) -> HttpResponse:
    response = render(
        request,
        "accounts/credential_token.html",
        {"credential": issued.credential, "token": issued.token},
    )
    add_never_cache_headers(response)
    return response


administrators_only = role_required(Role.ADMINISTRATOR)


@never_cache
@administrators_only
def credential_list(request: HttpRequest) -> HttpResponse:
    """Every machine credential, active ones first, with its state and last use."""
    credentials = ApiCredential.objects.select_related("organisation", "replaced_by").order_by(
        F("revoked_at").desc(nulls_first=True), "organisation__name", "name"
    )
    return render(
        request, "accounts/credentials.html", {"credentials": credentials, "now": timezone.now()}
    )


@never_cache
@administrators_only
def credential_issue(request: HttpRequest) -> HttpResponse:
    """Issue a credential: organisation, kind, scopes and sections; the token is shown once."""
    user = _signed_in_user(request)
    data: QueryDict | None = None
    if request.method == "POST":
        data = request.POST.copy()
        if not data.get("once"):  # a client that never loaded the form: this post is the once
            data["once"] = _new_once(request)
    form = CredentialIssueForm(data)
    sections = _section_forms(data, None)
    if data is not None:
        once = str(data["once"])
        if once not in request.session.get(ONCE_SESSION_KEY, []):
            return _already_shown(request)
        if form.is_valid() and all(f.is_valid() for _s, f in sections):
            chosen = form.cleaned_data
            try:
                with transaction.atomic():
                    issued = actions.issue_credential(
                        organisation=chosen["organisation"],
                        name=chosen["name"],
                        kind=chosen["kind"],
                        scopes=chosen["scopes"],
                        acting_user=user,
                    )
                    for section, section_form in sections:
                        section.apply(section_form, credential=issued.credential, acting_user=user)
            except actions.CredentialInputError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                _take_once(request, once)
                return _token_page(request, issued)
    else:
        form = CredentialIssueForm(initial={"once": _new_once(request)})
    return render(
        request,
        "accounts/credential_issue.html",
        {"form": form, "sections": sections, "scope_help": _scope_help()},
    )


def _scope_help() -> list[tuple[str, str, str]]:
    return [(scope.value, str(scope.label), str(SCOPE_HELP[scope])) for scope in Scope]


@never_cache
@administrators_only
def credential_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One credential: its facts, its sections (editable), rotation and revocation."""
    user = _signed_in_user(request)
    credential = get_object_or_404(
        ApiCredential.objects.select_related("organisation", "replaced_by"), pk=pk
    )
    sections = _section_forms(request.POST or None, credential)
    if request.method == "POST" and all(f.is_valid() for _s, f in sections):
        with transaction.atomic():
            for section, section_form in sections:
                section.apply(section_form, credential=credential, acting_user=user)
        messages.success(request, _("The credential's access was saved."))
        return redirect("accounts:credential", pk=credential.pk)
    record("credential.view", actor=user, obj=credential)
    predecessors = ApiCredential.objects.filter(replaced_by=credential)
    return render(
        request,
        "accounts/credential.html",
        {
            "credential": credential,
            "sections": sections,
            "predecessors": predecessors,
            "rotate_form": CredentialRotateForm(initial={"once": _new_once(request)}),
            "revoke_form": CredentialRevokeForm(),
        },
    )


@never_cache
@require_POST
@administrators_only
def credential_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue the successor (token shown once); the old one works for the overlap chosen."""
    user = _signed_in_user(request)
    credential = get_object_or_404(ApiCredential, pk=pk)
    form = CredentialRotateForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(str(e) for e in errors)}")
        return redirect("accounts:credential", pk=credential.pk)
    if not _take_once(request, form.cleaned_data["once"]):
        return _already_shown(request, credential)
    try:
        issued = actions.rotate_credential(
            credential,
            acting_user=user,
            overlap=timedelta(hours=form.cleaned_data["overlap_hours"]),
        )
    except actions.CredentialInputError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:credential", pk=credential.pk)
    return _token_page(request, issued)


@require_POST
@administrators_only
def credential_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke at once: the next request with the token gets 401 ``revoked``."""
    user = _signed_in_user(request)
    credential = get_object_or_404(ApiCredential, pk=pk)
    form = CredentialRevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the revocation."))
        return redirect("accounts:credential", pk=credential.pk)
    actions.revoke_credential(credential, acting_user=user, reason=form.cleaned_data["reason"])
    messages.success(request, _("The credential is revoked; its token no longer works."))
    return redirect("accounts:credential", pk=credential.pk)
