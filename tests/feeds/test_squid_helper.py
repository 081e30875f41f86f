from __future__ import annotations

import importlib
import io
import json
import os
import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import Scope
from hotline.feeds import actions
from hotline.feeds.squid_helper import Blocklist, Feed, Helper
from tests.conftest import World, skip_unless_ci
from tests.feeds.conftest import Consumer, consumer, listed_page
from tests.feeds.servers import shared_directory, squid
from tests.httpserver import Recorder, serve
from tests.processes import ROOT

PAGE = "http://gallery.example.test/album/b.html?id=1"


def _document(who: Consumer, *, hashed: bool) -> dict[str, Any]:
    client, headers = who.client()
    response = client.get(reverse("api_feeds_urls"), {"hashed": int(hashed)}, **headers)
    return json.loads(b"".join(response.streaming_content))  # type: ignore[attr-defined]


@pytest.fixture
def proxy(blocking: World) -> Consumer:
    listed_page(PAGE, blocking)
    actions.mark_domain_dedicated("shop.example.test", reason="r", acting_user=blocking.alice)
    return consumer("Proxy ISP", Scope.FEED_URLS)


@pytest.mark.django_db
@pytest.mark.parametrize("hashed", [False, True])
@pytest.mark.parametrize(
    ("url", "blocked"),
    [
        (PAGE, True),
        ("HTTPS://Gallery.Example.Test:8443/album/./b.html?id=1#frag", True),
        ("http://gallery.example.test/album/b%2Ehtml?id=1", True),
        ("http://gallery.example.test/album/b.html?id=2", False),
        ("http://gallery.example.test/album/b.html", False),
        ("http://gallery.example.test/album/", False),
        ("http://www.gallery.example.test/album/b.html?id=1", False),
        ("gallery.example.test:443", False),  # CONNECT: the host is not blocked whole
        ("http://shop.example.test/", True),
        ("http://a.b.shop.example.test/any/page?x=1", True),
        ("shop.example.test:443", True),  # CONNECT to a dedicated domain
        ("http://notshop.example.test/", False),
        ("not a url at all", False),
    ],
)
def test_helper_blocks_listed_pages_exactly_and_dedicated_domains_whole(
    proxy: Consumer, hashed: bool, url: str, blocked: bool
) -> None:
    blocklist = Blocklist.from_full(_document(proxy, hashed=hashed))

    assert blocklist.blocks(url) is blocked


def test_helper_speaks_the_concurrency_channel_protocol(tmp_path: Path) -> None:
    helper = Helper(Feed("http://127.0.0.1:9/", "t", tmp_path / "c.json", hashed=False), refresh=60)
    helper.blocklist = Blocklist.from_full(
        {
            "serial": 1,
            "entries": [
                {"type": "domain", "value": "shop.example.test", "expression": "shop.example.test/"}
            ],
        }
    )
    out = io.StringIO()

    for line in [
        "0 http://shop.example.test/x",
        "1 http://ok.example.test/",
        "http://shop.example.test/",
        "",
    ]:
        out.write(helper.answer(line) + "\n")

    assert out.getvalue().splitlines() == ["0 OK", "1 ERR", "OK", "ERR"]


def test_delta_must_start_at_the_serial_held() -> None:
    blocklist = Blocklist.from_full({"serial": 4, "entries": []})

    with pytest.raises(ValueError, match="does not start at this list's serial"):
        blocklist.apply_delta({"from_serial": 3, "serial": 5, "removed": [], "added": []})


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_helper_refreshes_its_shared_copy_with_deltas(
    proxy: Consumer, live_server: Any, blocking: World, tmp_path: Path
) -> None:
    cache = tmp_path / "urls.json"
    feed = Feed(f"{live_server.url}/api/v1/feeds/urls", proxy.token, cache, hashed=True)
    helper = Helper(feed, refresh=0, log=io.StringIO())

    helper.refresh_once()
    before = helper.blocklist.blocks("http://cdn.example.test/")
    actions.mark_domain_dedicated("cdn.example.test", reason="r", acting_user=blocking.alice)
    helper.refresh_once()

    assert (
        before,
        helper.blocklist.serial,
        helper.blocklist.blocks("http://cdn.example.test/"),
    ) == (
        False,
        3,
        True,
    )
    assert json.loads(cache.read_text())["serial"] == 3
    assert [e.detail["view"] for e in _pulls()] == ["full", "delta"]


def _pulls() -> list[Any]:
    from hotline.audit.models import AuditEvent

    return list(AuditEvent.objects.filter(action="feeds.pull").order_by("pk"))


def test_helper_keeps_its_copy_when_hotline_is_unreachable(tmp_path: Path) -> None:
    cache = tmp_path / "urls.json"
    cache.write_text(
        json.dumps(
            {
                "serial": 7,
                "entries": [
                    {
                        "type": "domain",
                        "value": "shop.example.test",
                        "expression": "shop.example.test/",
                    }
                ],
            }
        )
    )
    log = io.StringIO()
    feed = Feed("http://127.0.0.1:9/api/v1/feeds/urls", "t", cache, hashed=False, timeout=2)
    helper = Helper(feed, refresh=0, log=log)

    helper.refresh_once()

    assert (helper.blocklist.serial, helper.blocklist.blocks("http://shop.example.test/")) == (
        7,
        True,
    )
    assert log.getvalue().startswith("hotline helper: keeping serial 7:")


# What the helper needs on a proxy: its own module, the canonicaliser, the file replacement, and
# two pure-Python packages.
HELPER_MODULES = (
    "hotline/__init__.py",
    "hotline/files.py",
    "hotline/feeds/__init__.py",
    "hotline/feeds/squid_helper.py",
    "hotline/hosting/__init__.py",
    "hotline/hosting/canonical.py",
    "hotline/hosting/domains.py",
    "hotline/hosting/ipv4.py",
)
HELPER_PACKAGES = ("idna", "publicsuffixlist")


def _helper_python(install_dir: Path) -> str:
    """How the proxy's user starts the helper. Squid started as root runs helpers as nobody,
    who may not read this checkout or its virtualenv (a CI clone can sit in a 0700 folder):
    then the helper is installed into ``install_dir``, as an ISP would install it on the
    proxy, and Debian's python3 runs it from there."""
    if os.geteuid() != 0:
        return sys.executable
    system_python = shutil.which("python3", path="/usr/bin:/bin")
    if system_python is None:
        skip_unless_ci("Debian's python3 is needed to run the helper as the proxy's user")
    assert system_python is not None
    for module in HELPER_MODULES:
        target = install_dir / module
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / module, target)
    for package in HELPER_PACKAGES:
        source = Path(importlib.import_module(package).__file__ or "").parent
        shutil.copytree(source, install_dir / package, ignore=shutil.ignore_patterns("__pycache__"))
    for path in [install_dir, *install_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return f"/usr/bin/env PYTHONPATH={install_dir} {system_python}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_squid_with_the_helper_blocks_a_listed_url_and_passes_an_unlisted_one(
    proxy: Consumer, live_server: Any
) -> None:
    if shutil.which("squid") is None:
        skip_unless_ci("Squid (Debian package squid) is not installed")
    state = shared_directory("hotline-helper-")
    token = state / "token"
    token.write_text(proxy.token)
    token.chmod(0o644)
    helper = (
        f"{_helper_python(state / 'lib')} -m hotline.feeds.squid_helper"
        f" --feed {live_server.url}/api/v1/feeds/urls"
        f" --token-file {token} --cache {state}/urls.json --hashed"
    )
    origin = Recorder(respond=lambda received: (200, b'{"page": "served"}'))
    try:
        with serve(origin) as (origin_url, _):
            origin_port = origin_url.rsplit(":", 1)[1]
            with squid(
                helper_command=helper,
                hosts={"gallery.example.test": "127.0.0.1", "ok.example.test": "127.0.0.1"},
                deny_info=f"307:{live_server.url}/feeds/blocked/",
            ) as (port, _):
                opener = urllib.request.build_opener(
                    urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"}), _NoRedirect
                )
                with opener.open(f"http://ok.example.test:{origin_port}/page", timeout=20) as ok:
                    passed = (ok.status, ok.read())
                with pytest.raises(urllib.error.HTTPError) as refused:
                    opener.open(
                        f"http://gallery.example.test:{origin_port}/album/b.html?id=1", timeout=20
                    )
                refused.value.close()

                assert passed == (200, b'{"page": "served"}')
                assert refused.value.code == 307
                assert refused.value.headers["Location"] == f"{live_server.url}/feeds/blocked/"
                assert [r.path for r in origin.requests] == ["/page"]  # the listed one never left
    finally:
        shutil.rmtree(state, ignore_errors=True)


@pytest.mark.django_db
def test_stop_page_says_why_and_where_to_complain(settings: Any) -> None:
    settings.FEEDS_COMPLAINTS_EMAIL = "complaints@example.test"

    response = Client().get(reverse("feeds:stop_page"))

    text = response.content.decode()
    assert response.status_code == 200
    assert "found such material there" in text
    assert "under the law of France" in text
    assert '<a href="mailto:complaints@example.test">complaints@example.test</a>' in text
