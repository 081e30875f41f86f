"""Shared fixtures: personas for access control (Alice, Bob, ...), fast hashing, clean caches."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from hotline.accounts import actions
from hotline.accounts.middleware import OTP_SESSION_KEY
from hotline.accounts.models import ClientKind, Organisation, OrganisationKind, Role, Scope, User
from tests import ownership
from tests.ownership import _one_writer_per_model  # noqa: F401  (autouse: one writer per model)

ownership.install()

IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_unless_ci(reason: str) -> None:
    """Skip outside CI with a reason; in CI a missing component is a failure, not a skip."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_and_clean(settings: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
    # Never the internet: hosting lookups use fixed tables unless a test starts its own servers.
    settings.HOSTING_RESOLVER = "static"  # type: ignore[attr-defined]
    settings.HOSTING_RDAP_URL = ""  # type: ignore[attr-defined]
    # Media stays off unless a test turns it on; a throw-away key and folder when it does.
    settings.MEDIA_KEYS = "test:" + base64.b64encode(b"k" * 32).decode()  # type: ignore[attr-defined]
    settings.MEDIA_DIR = str(tmp_path_factory.mktemp("media"))  # type: ignore[attr-defined]
    cache.clear()
    translation.activate("en")  # a request in another language must not leak into the next test
    yield
    translation.deactivate()
    cache.clear()


@dataclass
class World:
    hotline_a: Organisation
    hotline_b: Organisation
    police: Organisation
    isp: Organisation
    alice: User  # analyst of hotline A (this instance's organisation)
    bob: User  # analyst of hotline B (a partner's staff member with an account here)
    charlie: User  # supervisor of A
    dave: User  # police liaison
    erin: User  # administrator of A
    frank: User  # auditor of A
    feed_token: str
    intake_token: str
    partner_token: str


PASSWORD = "correct horse battery staple"


@pytest.fixture
def world(db: None) -> World:
    a = actions.create_organisation(
        name="Hotline A", kind=OrganisationKind.HOTLINE, country="FR", is_own=True, acting_user=None
    )
    b = actions.create_organisation(
        name="Hotline B", kind=OrganisationKind.HOTLINE, country="DE", acting_user=None
    )
    police = actions.create_organisation(
        name="Police unit", kind=OrganisationKind.LAW_ENFORCEMENT, country="FR", acting_user=None
    )
    isp = actions.create_organisation(
        name="ISP", kind=OrganisationKind.ISP, country="FR", acting_user=None
    )

    def user(name: str, org: Organisation, *roles: str) -> User:
        return actions.create_user(
            username=name, password=PASSWORD, organisation=org, roles=roles, acting_user=None
        )

    feed = actions.issue_credential(
        organisation=isp,
        name="feed",
        kind=ClientKind.FEED_CONSUMER,
        scopes=[Scope.FEED_RPZ],
        acting_user=None,
    )
    intake = actions.issue_credential(
        organisation=b,
        name="intake",
        kind=ClientKind.COMPANY_INTAKE,
        scopes=[Scope.INTAKE],
        acting_user=None,
    )
    partner = actions.issue_credential(
        organisation=b,
        name="partner",
        kind=ClientKind.PARTNER,
        scopes=[Scope.PARTNER],
        acting_user=None,
    )
    return World(
        hotline_a=a,
        hotline_b=b,
        police=police,
        isp=isp,
        alice=user("alice", a, Role.ANALYST),
        bob=user("bob", b, Role.ANALYST),
        charlie=user("charlie", a, Role.SUPERVISOR, Role.ANALYST),
        dave=user("dave", police, Role.LAW_ENFORCEMENT_LIAISON),
        erin=user("erin", a, Role.ADMINISTRATOR),
        frank=user("frank", a, Role.AUDITOR),
        feed_token=feed.token,
        intake_token=intake.token,
        partner_token=partner.token,
    )


def signed_in(user: User, *, verified: bool = True) -> Client:
    """A browser signed in as ``user``; ``verified`` means the two-factor step was passed."""
    client = Client()
    client.force_login(user)
    if verified:
        session = client.session
        session[OTP_SESSION_KEY] = True
        session.save()
    return client


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


@pytest.fixture(autouse=True)
def _data_migrations_survive_flushes(request: pytest.FixtureRequest) -> None:
    """Transactional tests run last and empty every table afterwards, data migrations' rows
    included; put those rows (default routing rules, feed collections) back for each of them."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from importlib import import_module

    from django.apps import apps

    for module in (
        "hotline.routing.migrations.0002_default_rules",
        "hotline.feeds.migrations.0002_lists_and_collections",
    ):
        import_module(module).forwards(apps, None)
