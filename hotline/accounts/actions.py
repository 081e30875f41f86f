"""Every write to organisations, users, roles, 2FA devices and API credentials."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import pyotp
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from hotline.accounts import throttle
from hotline.accounts.models import (
    ApiCredential,
    ClientKind,
    CredentialNetwork,
    Organisation,
    Role,
    Scope,
    TOTPDevice,
    User,
    UserRole,
    hash_secret,
)
from hotline.audit.actions import record
from hotline.fast_select import columns, load

TOKEN_PREFIX = "hl"  # noqa: S105  (a public prefix, not a secret)


@transaction.atomic
def create_organisation(
    *, name: str, kind: str, country: str, is_own: bool = False, acting_user: User | None
) -> Organisation:
    """Register an organisation (hotline, police unit, ISP, ...)."""
    organisation = Organisation(name=name, kind=kind, country=country.upper(), is_own=is_own)
    organisation.full_clean()
    organisation.save(force_insert=True)
    record("organisation.create", actor=acting_user, obj=organisation, detail={"kind": kind})
    return organisation


@transaction.atomic
def create_user(
    *,
    username: str,
    password: str | None,
    organisation: Organisation,
    roles: Iterable[str] = (),
    email: str = "",
    django_admin: bool = False,
    acting_user: User | None,
) -> User:
    """Create a staff user in an organisation with the given roles; ``django_admin`` also opens
    the Django administration site to them (superuser)."""
    user = User(
        username=username,
        email=email,
        organisation=organisation,
        is_staff=django_admin,
        is_superuser=django_admin,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save(force_insert=True)
    for role in roles:
        Role(role)  # an unknown role fails here, before anything is granted
        UserRole.objects.create(user=user, role=role)
    detail: dict[str, object] = {"roles": sorted(roles)}
    if django_admin:
        detail["django_admin"] = True
    record("user.create", actor=acting_user, obj=user, detail=detail)
    return user


@transaction.atomic
def grant_role(user: User, role: str, *, acting_user: User | None) -> None:
    """Give a user a role (idempotent)."""
    Role(role)
    UserRole.objects.get_or_create(user=user, role=role)
    user.__dict__.pop("_role_cache", None)
    record("user.grant_role", actor=acting_user, obj=user, detail={"role": role})


@transaction.atomic
def revoke_role(user: User, role: str, *, acting_user: User | None) -> None:
    """Take a role away from a user."""
    UserRole.objects.filter(user=user, role=role).delete()
    user.__dict__.pop("_role_cache", None)
    record("user.revoke_role", actor=acting_user, obj=user, detail={"role": role})


# --- two-factor authentication -------------------------------------------------------------


def totp_uri(device: TOTPDevice, *, issuer: str) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(
        name=device.user.get_username(), issuer_name=issuer
    )


@transaction.atomic
def start_totp_enrolment(user: User) -> TOTPDevice:
    """Create (or restart) an unconfirmed authenticator for the user; nothing is trusted yet."""
    device, created = TOTPDevice.objects.get_or_create(
        user=user, defaults={"secret": pyotp.random_base32()}
    )
    if not created and not device.confirmed:
        device.secret = pyotp.random_base32()
        device.save(update_fields=["secret"])
    return device


def _accept_code(device: TOTPDevice, code: str) -> bool:
    """Check a code within one 30 s step of drift; refuse any step already used (replay)."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(device.secret)
    now = timezone.now()
    current = totp.timecode(now)
    for counter in (current - 1, current, current + 1):
        if counter <= device.last_counter:
            continue
        if secrets.compare_digest(totp.generate_otp(counter), code):
            device.last_counter = counter
            device.save(update_fields=["last_counter"])
            return True
    return False


@transaction.atomic
def confirm_totp(user: User, code: str) -> bool:
    """Confirm enrolment with a first valid code."""
    device = TOTPDevice.objects.select_for_update().get(user=user)
    if device.confirmed or not _accept_code(device, code):
        return False
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    record("user.totp_enrolled", actor=user, obj=user)
    return True


@transaction.atomic
def verify_totp(user: User, code: str) -> bool:
    """Check a login code against the user's confirmed authenticator (no throttling: callers
    facing a client use ``check_totp_sign_in``)."""
    device = (
        TOTPDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    )
    ok = device is not None and _accept_code(device, code)
    record("user.totp_verify", actor=user, obj=user, detail={"ok": ok})
    return ok


class TOTPCheck(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"  # a wrong or replayed code; more tries left
    LOCKED = "locked"  # too many failures for this account or client; even a right code waits


@transaction.atomic
def check_totp_sign_in(user: User, code: str, *, request: HttpRequest) -> TOTPCheck:
    """Check the second sign-in step under the same throttle as passwords.

    A six-digit code falls to guessing without a limit, so failures count per account and
    per client (``throttle``, scope ``totp``); once either reaches ``LOGIN_MAX_FAILURES``
    every code, the right one included, is refused until the window passes. Every failure,
    the lockout itself and every attempt while locked are audited.
    """
    username = user.get_username()
    if throttle.is_locked(request, username, scope="totp"):
        record("user.totp_verify", actor=user, obj=user, detail={"ok": False, "reason": "locked"})
        return TOTPCheck.LOCKED
    if verify_totp(user, code):
        throttle.clear(request, username, scope="totp")
        return TOTPCheck.ACCEPTED
    if throttle.note_failure(request, username, scope="totp"):
        record(
            "user.totp_lockout",
            actor=user,
            obj=user,
            detail={
                "failures": settings.LOGIN_MAX_FAILURES,
                "minutes": settings.LOGIN_LOCKOUT_SECONDS // 60,
            },
        )
        return TOTPCheck.LOCKED
    return TOTPCheck.REFUSED


@transaction.atomic
def note_password_failure(request: HttpRequest, username: str, *, locked: bool) -> None:
    """Count and audit a refused password sign-in (``locked``: refused unchecked, while locked).

    The typed name is audited only when it names an account: people type passwords into
    the user-name field, and those must never reach the log.
    """
    user = User.objects.filter(username=username).first()
    detail = {"known_account": user is not None, "reason": "locked" if locked else "wrong"}
    record("user.login_failed", actor=None, obj=user, detail=detail)
    if not locked and throttle.note_failure(request, username):
        record(
            "user.login_lockout",
            actor=None,
            obj=user,
            detail={
                "known_account": user is not None,
                "failures": settings.LOGIN_MAX_FAILURES,
                "minutes": settings.LOGIN_LOCKOUT_SECONDS // 60,
            },
        )


@transaction.atomic
def reset_totp(user: User, *, acting_user: User | None) -> None:
    """Remove a user's authenticator so they enrol again (lost phone)."""
    TOTPDevice.objects.filter(user=user).delete()
    record("user.totp_reset", actor=acting_user, obj=user)


# --- machine clients ----------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCredential:
    credential: ApiCredential
    token: str  # shown once; only its hash is stored


class CredentialInputError(ValueError):
    """A credential cannot be issued or rotated as asked; ``field`` names the input to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


MAX_OVERLAP = timedelta(days=30)


def _new_token() -> tuple[str, str, str]:
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return key_id, secret, f"{TOKEN_PREFIX}_{key_id}_{secret}"


def _checked_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = sorted(set(scopes))
    unknown = [s for s in chosen if s not in Scope.values]
    if unknown:
        raise CredentialInputError(
            "scopes",
            f"{unknown[0]!r} is not a valid Scope; choose from {', '.join(Scope.values)}",
        )
    if not chosen:
        raise CredentialInputError("scopes", "choose at least one scope")
    return chosen


@transaction.atomic
def issue_credential(
    *,
    organisation: Organisation,
    name: str,
    kind: str,
    scopes: Iterable[str],
    acting_user: User | None,
) -> IssuedCredential:
    """Create an API credential for a machine client; the token is returned once.

    An unknown scope or kind, an empty scope list or an empty name raises
    ``CredentialInputError`` naming the field, and nothing is stored.
    """
    return _issue(
        organisation=organisation,
        name=name,
        kind=kind,
        scopes=scopes,
        acting_user=acting_user,
        token=_new_token(),
    )


def _issue(
    *,
    organisation: Organisation,
    name: str,
    kind: str,
    scopes: Iterable[str],
    acting_user: User | None,
    token: tuple[str, str, str],
    demo: bool = False,
) -> IssuedCredential:
    scope_list = _checked_scopes(scopes)
    if kind not in ClientKind.values:
        raise CredentialInputError(
            "kind", f"{kind!r} is not a client kind; choose from {', '.join(ClientKind.values)}"
        )
    name = name.strip()
    if not name or len(name) > 200:
        raise CredentialInputError("name", "give the credential a name of 1 to 200 characters")
    key_id, secret, text = token
    credential = ApiCredential.objects.create(
        organisation=organisation,
        name=name,
        kind=kind,
        scopes=scope_list,
        key_id=key_id,
        secret_hash=hash_secret(secret),
    )
    detail: dict[str, object] = {
        "scopes": scope_list,
        "organisation": organisation.name,
        "kind": kind,
    }
    if demo:
        detail["demo"] = True
    record("credential.issue", actor=acting_user, obj=credential, detail=detail)
    return IssuedCredential(credential, text)


def demo_token(name: str) -> str:
    """The fixed token of the demo credential ``name``: derived from the instance's secret key,
    so ``make run`` can print working tokens every time although only their hashes are
    stored. Demo mode only (production refuses demo mode): anywhere else this raises."""
    return _demo_token_parts(name)[2]


def _demo_token_parts(name: str) -> tuple[str, str, str]:
    if not settings.DEMO:
        raise ImproperlyConfigured("demo credentials exist only in demo mode (HOTLINE_DEMO=1)")
    key = settings.SECRET_KEY.encode()
    key_id = hmac.new(key, b"hotline demo key id:" + name.encode(), hashlib.sha256).hexdigest()
    digest = hmac.new(key, b"hotline demo secret:" + name.encode(), hashlib.sha256).digest()
    secret = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return key_id[:16], secret, f"{TOKEN_PREFIX}_{key_id[:16]}_{secret}"


@transaction.atomic
def ensure_demo_credential(
    *, organisation: Organisation, name: str, kind: str, scopes: Iterable[str]
) -> IssuedCredential | None:
    """The demo credential ``name`` with its fixed token (``demo_token``), issued (and audited)
    the first time. None if an administrator revoked it or it expired after a rotation: its
    token no longer works and is not shown. Demo mode only."""
    parts = _demo_token_parts(name)
    existing = ApiCredential.objects.filter(key_id=parts[0]).first()
    if existing is not None:
        if existing.revoked_at is not None or existing.expired:
            return None
        return IssuedCredential(existing, parts[2])
    return _issue(
        organisation=organisation,
        name=name,
        kind=kind,
        scopes=scopes,
        acting_user=None,
        token=parts,
        demo=True,
    )


@transaction.atomic
def revoke_credential(
    credential: ApiCredential, *, acting_user: User | None, reason: str = ""
) -> None:
    """Revoke a credential at once; requests with it are refused from now on."""
    credential = ApiCredential.objects.select_for_update().get(pk=credential.pk)
    if credential.revoked_at is None:
        credential.revoked_at = timezone.now()
        credential.save(update_fields=["revoked_at"])
    record("credential.revoke", actor=acting_user, obj=credential, detail={"reason": reason})


@transaction.atomic
def rotate_credential(
    credential: ApiCredential,
    *,
    acting_user: User | None,
    overlap: timedelta = timedelta(0),
) -> IssuedCredential:
    """Issue a successor with the same scopes; the old token works for ``overlap`` more.

    With no overlap the old credential is revoked at once; with one it expires at the end of
    the overlap (its 401 then says ``expired``), so a consumer can deploy the new token first.
    A revoked or already replaced credential cannot be rotated (rotate its successor).
    """
    if overlap < timedelta(0) or overlap > MAX_OVERLAP:
        raise CredentialInputError(
            "overlap", f"the overlap must be between 0 and {MAX_OVERLAP.days} days"
        )
    credential = ApiCredential.objects.select_for_update().get(pk=credential.pk)
    if not credential.active:
        raise CredentialInputError("credential", "this credential is revoked or expired")
    if credential.replaced_by_id is not None:
        raise CredentialInputError(
            "credential", "this credential was already rotated; rotate its successor"
        )
    issued = issue_credential(
        organisation=credential.organisation,
        name=credential.name,
        kind=credential.kind,
        scopes=credential.scopes,
        acting_user=acting_user,
    )
    credential.replaced_by = issued.credential
    update = ["replaced_by"]
    if overlap:
        credential.expires_at = timezone.now() + overlap
        update.append("expires_at")
    credential.save(update_fields=update)
    record(
        "credential.rotate",
        actor=acting_user,
        obj=credential,
        detail={
            "successor": issued.credential.key_id,
            "overlap_seconds": int(overlap.total_seconds()),
        },
    )
    if not overlap:
        revoke_credential(credential, acting_user=acting_user, reason="rotated")
    return issued


class CredentialError(Exception):
    """A token that is malformed, unknown, revoked, expired or lacks a scope.

    The message says which in words; ``reason`` says it as a code clients can branch on
    (``malformed``, ``unknown``, ``revoked``, ``expired``, ``insufficient_scope``).
    """

    def __init__(self, message: str, status: int = 401, *, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


@functools.cache
def _credential_statement() -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT {columns(ApiCredential, 'c')}, {columns(Organisation, 'o')} "  # noqa: S608 - the models' names
        f"FROM {quote(ApiCredential._meta.db_table)} c "
        f"JOIN {quote(Organisation._meta.db_table)} o ON o.id = c.organisation_id "
        "WHERE c.key_id = %s"
    )


def _credential_by_key_id(key_id: str) -> ApiCredential | None:
    """``ApiCredential.objects.select_related("organisation").filter(key_id=key_id).first()``
    from a statement written once (``hotline.fast_select``): every API request asks it, and
    Django's compiler made it a sixth of the CPU of filing a single company report."""
    statement = _credential_statement()
    for credential, organisation in load(statement, [key_id], ApiCredential, Organisation):
        ApiCredential.organisation.field.set_cached_value(credential, organisation)
        return credential
    return None


def authenticate_token(token: str, *, scope: str | None) -> ApiCredential:
    """Return the active credential for a bearer token that carries ``scope`` (None: any)."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise CredentialError("malformed token: expected hl_<key id>_<secret>", reason="malformed")
    credential = _credential_by_key_id(parts[1])
    if credential is None or not secrets.compare_digest(
        credential.secret_hash, hash_secret(parts[2])
    ):
        raise CredentialError("unknown credential", reason="unknown")
    if credential.revoked_at is not None:
        raise CredentialError(
            "credential revoked; ask the instance administrator for a new one", reason="revoked"
        )
    if credential.expired:
        raise CredentialError(
            "credential expired (it was rotated); use its successor's token", reason="expired"
        )
    if scope is not None and not credential.has_scope(scope):
        raise CredentialError(
            f"credential lacks the '{scope}' scope", status=403, reason="insufficient_scope"
        )
    now = timezone.now()
    if credential.last_used_at is None or (now - credential.last_used_at).total_seconds() > 60:
        ApiCredential.objects.filter(pk=credential.pk).update(last_used_at=now)
    return credential


def client_network(address: str) -> str | None:
    """The network an address belongs to for "seen before?" (IPv4 /24, IPv6 /48), or None
    for something that is not an address."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def credential_network_hash(credential: ApiCredential, network: str) -> str:
    key = f"{settings.SECRET_KEY}:credential-network:{credential.key_id}".encode()
    return hmac.new(key, network.encode(), hashlib.sha256).hexdigest()


# A network known for a credential is remembered in the cache this long, so the database is
# asked once a day per client network rather than on every API request.
_KNOWN_NETWORK_SECONDS = 24 * 3600


def note_credential_use(credential: ApiCredential, *, client_address: str) -> bool:
    """Remember the client network a credential was used from; audit a network not seen
    before for it (``credential.new_network``, with ``first_use`` for its very first).

    Returns True when the network was new. A token copied to somewhere else shows up here
    the first time it is used from there, whatever the thief does afterwards.
    """
    network = client_network(client_address)
    if network is None:
        return False
    digest = credential_network_hash(credential, network)
    cache_key = f"credential-network:{credential.pk}:{digest}"
    if cache.get(cache_key):
        return False
    with transaction.atomic():
        first_use = not CredentialNetwork.objects.filter(credential=credential).exists()
        try:
            with transaction.atomic():  # a savepoint: another request may insert it first
                CredentialNetwork.objects.create(credential=credential, network_hash=digest)
        except IntegrityError:
            created = False
        else:
            created = True
            record(
                "credential.new_network",
                actor=credential,
                obj=credential,
                # A prefix of the keyed hash: enough to tell networks apart in the log.
                detail={"network": digest[:16], "first_use": first_use},
            )
    cache.set(cache_key, True, timeout=_KNOWN_NETWORK_SECONDS)
    return created


@transaction.atomic
def note_permission_refused(user: User | None, *, path: str, method: str, reason: str) -> None:
    """Audit a refused request (the 403 handler calls this for every ``PermissionDenied``).

    Only the path is kept, never the query string: searches and filters may carry what the
    person typed.
    """
    record(
        "access.denied",
        actor=user,
        detail={
            "path": path[:300],
            "method": method,
            "reason": reason[:300],
            "signed_in": user is not None,
        },
    )
