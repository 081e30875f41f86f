"""Partner key replacement and deactivation between two live instances over loopback.

Hotline DE replaces its federation key: Hotline FR's administrator pins the new key with an
overlap (``hotline federation replace-key``), so DE's messages are accepted with either key
while it switches; FR retires the old key, which is refused from then on; FR deactivates DE,
whose correctly signed ping is then refused with ``partner_deactivated`` in words. Every step
is in FR's audit log. DE signs with ``hotline federation ping`` (a process of its own, reading
its key file), FR answers with its web server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.routing.federation.keys import (
    generate_private_key,
    key_id_for,
    private_key_to_pem,
    public_key_to_text,
)
from tests.instances import COMMAND_TIMEOUT, Instance, in_parallel, script_args
from tests.routing.test_federation_instances import FAST, SET_UP, _add_partner

pytestmark = pytest.mark.slow


@pytest.fixture
def fr_and_de(tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    """FR and DE, each the other's partner; FR's web server runs (DE only sends pings)."""
    fr = Instance("Hotline FR", "FR", tmp_path / "fr", extra_env=FAST)
    de = Instance("Hotline DE", "DE", tmp_path / "de", extra_env=FAST)
    try:
        in_parallel((fr, ["migrate", "--verbosity", "0"]), (de, ["migrate", "--verbosity", "0"]))
        in_parallel((fr, script_args(SET_UP)), (de, script_args(SET_UP)))
        in_parallel((fr, _add_partner(de, countries="DE")), (de, _add_partner(fr, countries="FR")))
        fr.start()
        yield fr, de
    finally:
        fr.stop()
        print(fr.logs())  # shown by pytest when the test fails


def _ping(de: Instance, key_file: Path) -> tuple[int, str]:
    """DE pings FR, signing with the key in ``key_file``: exit code and output."""
    de.extra_env["HOTLINE_FEDERATION_PRIVATE_KEY_FILE"] = str(key_file)
    process = de.popen("federation", "ping", "Hotline FR")
    output, _ = process.communicate(timeout=COMMAND_TIMEOUT)
    return process.returncode, output.decode(errors="replace").strip()


def test_partner_key_replacement_with_overlap_then_deactivation(
    fr_and_de: tuple[Instance, Instance],
) -> None:
    fr, de = fr_and_de
    old_key_file = de.key_file
    new_key = generate_private_key()
    new_key_file = de.directory / "federation-key-2.pem"
    descriptor = os.open(new_key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(private_key_to_pem(new_key))
    new_key_id = key_id_for(new_key.public_key())

    assert _ping(de, old_key_file) == (0, "ping Hotline FR: ok, answered by Hotline FR")

    # FR pins DE's new key; the old one stays accepted for the overlap.
    replaced = fr.command(
        "federation",
        "replace-key",
        "Hotline DE",
        f"--public-key={public_key_to_text(new_key.public_key())}",
        f"--key-id={new_key_id}",
        "--overlap-hours=1",
    )
    assert replaced.startswith(f"Hotline DE: new key {new_key_id} pinned; old key {de.key_id}")
    assert _ping(de, old_key_file)[0] == 0  # DE has not switched yet
    assert _ping(de, new_key_file)[0] == 0  # DE switched

    # The overlap ends: the old key is refused.
    fr.command("federation", "retire-key", "Hotline DE")
    code, output = _ping(de, old_key_file)
    assert code != 0
    assert "ping Hotline FR: HTTP 401 (unknown key)" in output
    assert _ping(de, new_key_file)[0] == 0

    # FR stops trusting DE: a correctly signed message is refused, saying why.
    fr.command("federation", "deactivate", "Hotline DE", "--reason=partnership suspended")
    code, output = _ping(de, new_key_file)
    assert code != 0
    assert "ping Hotline FR: HTTP 403 (partner_deactivated)" in output
    assert "Hotline FR has deactivated its partnership with Hotline DE" in output

    assert [
        row[0]
        for row in fr.query(
            "SELECT action FROM audit_auditevent WHERE action LIKE 'partner.%' AND "
            "action != 'partner.ping' ORDER BY seq"
        )
    ] == ["partner.add", "partner.key_replace", "partner.key_retire", "partner.deactivate"]
    assert (
        fr.value("SELECT COUNT(*) FROM routing_partner WHERE key_id = ? AND active = 0", new_key_id)
        == 1
    )
