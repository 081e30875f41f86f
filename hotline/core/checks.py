"""Production refuses to start with an unsafe configuration.

``production_safety`` runs with every management command (``runserver``, ``migrate``,
``hotline run``) and ``check --deploy``; in production mode each finding is an error, so the
process stops. ``deployment_readiness`` runs only with ``hotline check --deploy`` (run it,
with ``--fail-level WARNING``, after ``collectstatic`` and before starting a release): what
it finds would not stop a process but would break or weaken the running site.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from hotline.audit import checkpoint


@register(Tags.security, deploy=False)
def production_safety(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    errors = []
    if settings.DEBUG:
        errors.append(
            Error(
                "HOTLINE_DEBUG is on in production mode.",
                hint="Unset HOTLINE_DEBUG.",
                id="hotline.E001",
            )
        )
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY or len(settings.SECRET_KEY) < 50:
        errors.append(
            Error(
                "HOTLINE_SECRET_KEY is the development default or shorter than 50 characters.",
                hint="Set HOTLINE_SECRET_KEY (or HOTLINE_SECRET_KEY_FILE) to 50+ random characters.",
                id="hotline.E002",
            )
        )
    if not settings.ALLOWED_HOSTS:
        errors.append(
            Error(
                "HOTLINE_ALLOWED_HOSTS is empty in production mode.",
                hint="Set HOTLINE_ALLOWED_HOSTS to this instance's host names, comma-separated.",
                id="hotline.E003",
            )
        )
    if not settings.FEDERATION_PRIVATE_KEY:
        errors.append(
            Error(
                "HOTLINE_FEDERATION_PRIVATE_KEY is not set in production mode.",
                hint="Create an Ed25519 key (openssl genpkey -algorithm ed25519 -out key.pem) and set "
                "HOTLINE_FEDERATION_PRIVATE_KEY_FILE to its path; partners verify your messages with it.",
                id="hotline.E005",
            )
        )
    if not settings.AUDIT_SIGNING_KEY:
        errors.append(
            Error(
                "HOTLINE_AUDIT_SIGNING_KEY is not set in production mode.",
                hint="Create an Ed25519 key (openssl genpkey -algorithm ed25519 -out audit.pem) and "
                "set HOTLINE_AUDIT_SIGNING_KEY_FILE to its path; it signs the audit log's tree heads.",
                id="hotline.E014",
            )
        )
    if settings.DEMO:
        errors.append(
            Error(
                "HOTLINE_DEMO is on in production mode.",
                hint="Unset HOTLINE_DEMO.",
                id="hotline.E004",
            )
        )
    return errors


def _static_manifest_findings() -> list[CheckMessage]:
    """The manifest storage 500s every page that links a file missing from its manifest."""
    storage = staticfiles_storage
    if not isinstance(storage, ManifestFilesMixin):
        return []
    hint = "Run `hotline collectstatic --noinput` for this release, then check again."
    try:
        manifest, _manifest_hash = storage.load_manifest()
    except ValueError as exc:
        return [
            Error(f"The static files manifest is unreadable ({exc}).", hint=hint, id="hotline.E011")
        ]
    if not manifest:
        return [
            Error(
                f"No static files manifest in {settings.STATIC_ROOT}: collectstatic was not run, "
                "so every HTML page would fail with a server error.",
                hint=hint,
                id="hotline.E010",
            )
        ]
    missing = sorted(
        path
        for finder in finders.get_finders()
        for path, _storage in finder.list(["CVS", ".*", "*~"])
        if path not in manifest
    )
    if missing:
        return [
            Error(
                f"The static files manifest lacks {len(missing)} file(s) of this release "
                f"(first: {missing[0]}): collectstatic was run for an older release.",
                hint=hint,
                id="hotline.E011",
            )
        ]
    return []


def _proxy_findings() -> list[CheckMessage]:
    findings: list[CheckMessage] = []
    if settings.BEHIND_PROXY and not settings.TRUSTED_PROXIES:
        findings.append(
            Error(
                "HOTLINE_BEHIND_PROXY is on but HOTLINE_TRUSTED_PROXIES is empty: the proxy's "
                "X-Forwarded-Proto is dropped, so every request is redirected to https again "
                "and again, and no HSTS header is sent.",
                hint="Set HOTLINE_TRUSTED_PROXIES to the proxy's address(es) as the web process "
                "sees them, e.g. 127.0.0.1 for nginx on the same machine.",
                id="hotline.E013",
            )
        )
    for proxy in settings.TRUSTED_PROXIES:
        if ipaddress.ip_network(proxy, strict=False).prefixlen == 0:
            findings.append(
                Warning(
                    f"HOTLINE_TRUSTED_PROXIES contains {proxy}: every client may then set its "
                    "own address and scheme, defeating sign-in throttling and HTTPS checks.",
                    hint="List only the proxies' own addresses or their subnet.",
                    id="hotline.W014",
                )
            )
    return findings


@register(Tags.security, deploy=True)
def deployment_readiness(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``check --deploy``: static files collected, host names pinned, proxies trusted."""
    findings: list[CheckMessage] = []
    if "*" in settings.ALLOWED_HOSTS:
        findings.append(
            Error(
                "HOTLINE_ALLOWED_HOSTS contains '*': any Host header is accepted, so links "
                "built from the request can point anywhere.",
                hint="List this instance's host names, comma-separated.",
                id="hotline.E012",
            )
        )
    findings.extend(_proxy_findings())
    findings.extend(_static_manifest_findings())
    findings.extend(_checkpoint_findings())
    return findings


def _checkpoint_findings() -> list[CheckMessage]:
    """Witnesses name the log by its origin: one no checkpoint can carry leaves them none."""
    try:
        checkpoint.origin_of(settings.AUDIT_LOG_ORIGIN)
    except ValueError as exc:
        return [
            Warning(
                str(exc),
                hint="Set HOTLINE_AUDIT_LOG_ORIGIN to this instance's URL and '/audit', e.g. "
                "https://hotline.example.test/audit.",
                id="hotline.W015",
            )
        ]
    return []
