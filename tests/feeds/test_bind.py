"""End to end with Debian's BIND: our zone file served by a primary, taken over AXFR/IXFR with
TSIG by a resolver that applies it as a response-policy zone; ``dig`` asks the resolver."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

from hotline.feeds import actions, rpz
from tests.conftest import World, skip_unless_ci
from tests.feeds.servers import Answer, bind_pair, dig, shared_directory, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

ZONE = "rpz.hotline.invalid"


def _a(answer: Answer) -> tuple[str, list[tuple[str, str, str]]]:
    return answer.status, answer.records


def test_resolver_blocks_dedicated_domains_and_unblocks_them_when_they_leave(
    blocking: World, settings: Any
) -> None:
    if not (shutil.which("named") and shutil.which("dig") and shutil.which("rndc")):
        skip_unless_ci("BIND (Debian packages bind9 and bind9-dnsutils) is not installed")
    feeds_dir = shared_directory("hotline-feeds-")
    settings.FEEDS_DIR = feeds_dir
    settings.FEEDS_RPZ_ZONE = ZONE
    shop = actions.mark_domain_dedicated(
        "shop.example.test", reason="whole shop", acting_user=blocking.alice
    )
    first = actions.publish_rpz_zone()
    zone_file = rpz.zone_path(rpz.zone_config())
    try:
        with bind_pair(zone_file, ZONE) as servers:
            settings.FEEDS_RPZ_RELOAD_COMMAND = servers.reload_command(ZONE)
            port = servers.resolver_port

            blocked = dig(port, "shop.example.test")
            below = dig(port, "www.shop.example.test")
            open_name = dig(port, "ok.example.test")
            unsigned_transfer = subprocess.run(
                ["dig", "@127.0.0.1", "-p", str(servers.primary_port), "+tries=1", ZONE, "AXFR"],
                capture_output=True,
                text=True,
                timeout=15,
                check=False,
            ).stdout

            assert first.serial == 1
            assert _a(blocked) == ("NXDOMAIN", [])
            assert _a(below) == ("NXDOMAIN", [])
            assert _a(open_name) == ("NOERROR", [("ok.example.test.", "A", "192.0.2.10")])
            assert "Transfer failed." in unsigned_transfer  # only the TSIG key may transfer
            assert "TSIG hotline-xfr" in (servers.directory / "resolver.log").read_text()

            actions.lift_entry(shop, reason="site gone for good", acting_user=blocking.alice)
            second = actions.publish_rpz_zone()
            wait_until(
                lambda: dig(port, "shop.example.test").status == "NOERROR",
                timeout=30,
                what="the resolver to transfer serial 2 and stop blocking",
            )

            assert (second.serial, second.domains, second.reloaded) == (2, 0, True)
            assert _a(dig(port, "shop.example.test")) == (
                "NOERROR",
                [("shop.example.test.", "A", "192.0.2.20")],
            )
            assert dig(port, ZONE, "SOA").records[0][2] == "localhost."

            settings.FEEDS_RPZ_ACTION = "cname"
            settings.FEEDS_RPZ_STOP_NAME = "stop.example.test"
            actions.mark_domain_dedicated(
                "www.shop.example.test", reason="mirror", acting_user=blocking.alice
            )
            actions.publish_rpz_zone()
            wait_until(
                lambda: (
                    dig(port, "www.shop.example.test").records[:1]
                    == [("www.shop.example.test.", "CNAME", "stop.example.test.")]
                ),
                timeout=30,
                what="the resolver to answer with the stop page",
            )

            assert _a(dig(port, "www.shop.example.test")) == (
                "NOERROR",
                [
                    ("www.shop.example.test.", "CNAME", "stop.example.test."),
                    ("stop.example.test.", "A", "192.0.2.80"),
                ],
            )
    finally:
        shutil.rmtree(feeds_dir, ignore_errors=True)
