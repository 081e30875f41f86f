from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import Any

import dns.rdataclass
import dns.rdatatype
import dns.zone
import pytest
from django.core.exceptions import ImproperlyConfigured

from hotline.audit.models import AuditEvent
from hotline.feeds import actions, rpz
from hotline.feeds.values import InvalidValue
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _config(settings: Any, **overrides: Any) -> rpz.ZoneConfig:
    for name, value in overrides.items():
        setattr(settings, name, value)
    return rpz.zone_config()


def test_zone_has_a_qname_and_a_wildcard_trigger_per_domain(settings: Any) -> None:
    config = _config(settings)

    text = "".join(rpz.zone_lines(["a.example.test", "b.example.test"], 7, config))

    assert text.splitlines() == [
        "; hotline rpz serial=7 action=nxdomain",
        "$ORIGIN rpz.hotline.invalid.",
        "$TTL 300",
        "@ IN SOA localhost. hostmaster.rpz.hotline.invalid. 7 3600 600 604800 300",
        "@ IN NS localhost.",
        "a.example.test CNAME .",
        "*.a.example.test CNAME .",
        "b.example.test CNAME .",
        "*.b.example.test CNAME .",
    ]


def test_cname_action_points_every_trigger_at_the_stop_page(settings: Any) -> None:
    config = _config(
        settings,
        FEEDS_RPZ_ACTION="cname",
        FEEDS_RPZ_STOP_NAME="stop.example.test",
        FEEDS_RPZ_ZONE="blocked.example.test",
    )

    zone = dns.zone.from_text(
        "".join(rpz.zone_lines(["a.example.test"], 3, config)), origin=config.origin
    )

    targets = {
        name.to_text(): [r.target.to_text() for r in rdataset]
        for name, node in zone.nodes.items()
        if (rdataset := node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)) is not None
    }
    assert targets == {
        "a.example.test": ["stop.example.test."],
        "*.a.example.test": ["stop.example.test."],
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"FEEDS_RPZ_ACTION": "drop"}, "FEEDS_RPZ_ACTION: expected nxdomain or cname, got 'drop'"),
        (
            {"FEEDS_RPZ_ACTION": "cname", "FEEDS_RPZ_STOP_NAME": ""},
            "FEEDS_RPZ_STOP_NAME: the cname action needs the stop page's host name",
        ),
        ({"FEEDS_RPZ_ZONE": "a..b"}, "FEEDS_RPZ_ZONE: 'a..b' is not a DNS name"),
    ],
)
def test_bad_zone_settings_name_the_setting(
    settings: Any, overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(")):
        _config(settings, **overrides)


def test_domain_too_long_for_the_zone_is_refused(settings: Any) -> None:
    long_name = ".".join(["x" * 60] * 4) + ".example.test"

    with pytest.raises(InvalidValue, match="too long to fit under the zone"):
        rpz.check_owner_fits(long_name, _config(settings))


def test_zone_file_is_replaced_atomically_and_readable_by_the_dns_server(
    settings: Any, tmp_path: Path
) -> None:
    config = _config(settings, FEEDS_DIR=tmp_path)
    path = rpz.zone_path(config)

    rpz.write_zone(path, ["a.example.test"], 1, config)
    count = rpz.write_zone(path, ["a.example.test", "b.example.test"], 2, config)

    assert count == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rpz.hotline.invalid.zone"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert rpz.published_serial(path) == 2


def test_publishing_writes_once_per_serial_and_runs_the_reload_command(
    blocking: World, settings: Any, tmp_path: Path
) -> None:
    marker = tmp_path / "reloaded"
    settings.FEEDS_RPZ_RELOAD_COMMAND = (
        f"{sys.executable} -c \"import pathlib; pathlib.Path('{marker}').write_text('yes')\""
    )
    actions.mark_domain_dedicated("a.example.test", reason="r", acting_user=blocking.alice)

    first = actions.publish_rpz_zone()
    second = actions.publish_rpz_zone()

    assert (first.serial, first.domains, first.written, first.reloaded) == (1, 1, True, True)
    assert (second.written, second.reloaded) == (False, None)
    assert marker.read_text() == "yes"
    assert AuditEvent.objects.filter(action="feeds.rpz.publish").count() == 1


def test_failing_reload_command_is_reported(blocking: World, settings: Any, tmp_path: Path) -> None:
    settings.FEEDS_RPZ_RELOAD_COMMAND = f"{sys.executable} -c 'raise SystemExit(3)'"

    done = actions.publish_rpz_zone()

    assert (done.written, done.reloaded) == (True, False)
