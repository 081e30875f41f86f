"""Operations pages while the database is unreachable: ``/readyz``, ``/metrics`` and
``/staff/health/`` answer 503 and say the database is unreachable, never a 500 or a traceback.

The outage is real for the process: its connection settings point at a database it cannot
reach (on PostgreSQL a port nothing listens on, so the driver's connect is refused; on SQLite
a file in a directory that does not exist, so SQLite cannot open it), and every request opens
a fresh connection against it, as after a database restart."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from hotline.accounts.actions import issue_credential
from hotline.accounts.models import ClientKind, Scope
from tests.conftest import World, signed_in
from tests.instances import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def _unreachable(tmp_path: Path) -> Iterator[None]:
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = str(free_port())
    else:
        connection.settings_dict["NAME"] = str(tmp_path / "missing" / "hotline.sqlite3")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def database_away(tmp_path: Path) -> Iterator[None]:
    with _unreachable(tmp_path):
        yield


def _browser(world: World) -> Client:
    browser = signed_in(world.erin)
    browser.raise_request_exception = False  # a 500 must show as a 500, not as an exception
    return browser


def test_readyz_answers_503_database_unreachable(database_away: None) -> None:
    client = Client(raise_request_exception=False)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "ready": False,
        "database": "unreachable",
        "live_workers": 0,
        "dead_workers": 0,
        "scheduler_alive": False,
        "scheduler_last_run": None,
    }


def test_healthz_answers_503_database_unreachable(database_away: None) -> None:
    response = Client(raise_request_exception=False).get("/healthz")

    assert (response.status_code, response.json()) == (
        503,
        {"status": "error", "database": "unreachable"},
    )


@pytest.fixture
def metrics_token(world: World) -> str:
    return issue_credential(
        organisation=world.hotline_a,
        name="prometheus",
        kind=ClientKind.FEED_CONSUMER,
        scopes=[Scope.METRICS],
        acting_user=None,
    ).token


def test_metrics_answers_503_in_plain_words(metrics_token: str, database_away: None) -> None:
    client = Client(raise_request_exception=False)

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == "database unreachable\n"


def test_health_page_says_database_unreachable(world: World, tmp_path: Path) -> None:
    browser = _browser(world)
    assert browser.get("/staff/health/").status_code == 200
    with _unreachable(tmp_path):
        page = browser.get("/staff/health/")

    html = page.content.decode()
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert 'id="outage-cause">The database is unreachable.' in html
    assert "Traceback" not in html
