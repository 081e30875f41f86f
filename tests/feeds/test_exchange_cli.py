"""The real ``threatexchange`` CLI, in its own virtualenv with our extension
(``clients/threatexchange``), fetching from a live Hotline on loopback: a listed benign image
matches, and stops matching once Hotline takes it off the list; a revoked token fails clearly
and a new one resumes from the last good checkpoint.

The virtualenv is built once per test session under pytest's temporary directory; pip takes
``threatexchange`` from PyPI (or its cache)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hotline.accounts.actions import revoke_credential
from hotline.accounts.models import ApiCredential, Scope
from hotline.feeds import actions
from hotline.feeds.models import Entry, Serial
from hotline.matching.hashing.pdq import pdq_hash_image
from hotline.matching.media import detect_media_type
from hotline.matching.synthetic import encode, synthetic_image
from tests.conftest import World
from tests.feeds.conftest import confirmed_file, consumer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# threatexchange 1.2.17's PDQ index loses its only hash when the CLI stores and reloads it
# (a one-hash index round-trips to no matches), so every test keeps two or more PDQ hashes
# listed while it matches.
CLIENT = Path(__file__).resolve().parents[2] / "clients" / "threatexchange"
STEP_TIMEOUT = 120


@pytest.fixture(scope="session")
def tx_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv holding threatexchange and our extension (not Hotline, not Django)."""
    venv = tmp_path_factory.mktemp("threatexchange-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=STEP_TIMEOUT)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", str(CLIENT)],
        check=True,
        timeout=600,
    )
    return venv / "bin"


@dataclass
class Cli:
    """``threatexchange`` with its state and home in one temporary directory."""

    bin: Path
    home: Path

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": f"{self.bin}:{os.environ.get('PATH', '')}",
            "HOME": str(self.home),
            "TX_STATEDIR": str(self.home / "state"),
            "NO_PROXY": "127.0.0.1",
        }
        done = subprocess.run(
            [str(self.bin / "threatexchange"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
        if ok:
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    def matches(self, image: Path) -> list[str]:
        return [line for line in self.run("match", "photo", str(image)).stdout.splitlines() if line]


def _listed_image(world: World, seed: int, directory: Path) -> tuple[Path, Entry, str]:
    """A generated benign picture, its PDQ confirmed on Hotline's hash list."""
    data = encode(synthetic_image(seed))
    path = directory / f"picture-{seed}.jpg"
    path.write_bytes(data)
    media_type = detect_media_type(data)
    assert media_type is not None
    pdq = pdq_hash_image(data, media_type)
    item = confirmed_file(world, pdq=pdq.hex, pdq_quality=pdq.quality, sha256=f"{seed:064x}")
    return path, Entry.objects.get(item=item), pdq.hex


def test_cli_matches_a_listed_image_until_hotline_takes_it_off(
    blocking: World, live_server: Any, tx_bin: Path, tmp_path: Path
) -> None:
    platform = consumer("Platform", Scope.FEED_HASHES, kind="industry")
    token_file = tmp_path / "hotline.token"
    token_file.write_text(platform.token + "\n")
    cli = Cli(tx_bin, tmp_path / "home")
    cli.home.mkdir()
    listed, entry, _ = _listed_image(blocking, 1, tmp_path)
    kept, _, _ = _listed_image(blocking, 2, tmp_path)
    _listed_image(blocking, 9, tmp_path)
    cli.run("config", "extensions", "add", "hotline_threatexchange")
    cli.run(
        "config",
        "collab",
        "edit",
        "hotline",
        "hotline_fr",
        "--create",
        f"--base-url={live_server.url}",
        f"--token-file={token_file}",
        "--page-size=1",
    )

    cli.run("fetch")
    before = cli.matches(listed)
    actions.lift_entry(entry, reason="listed in error", acting_user=blocking.alice)
    cli.run("fetch")
    after = cli.matches(listed)

    reference = f"{live_server.url}#indicator--{entry.stix_id}"
    assert before == [f"pdq 0 (hotline_fr) POSITIVE_CLASS baseline,inhope:baseline {reference}"]
    assert after == []
    assert [line.split()[:3] for line in cli.matches(kept)] == [["pdq", "0", "(hotline_fr)"]]


def test_cli_fetch_with_a_revoked_token_fails_clearly_and_resumes_with_a_new_one(
    blocking: World, live_server: Any, tx_bin: Path, tmp_path: Path
) -> None:
    platform = consumer("Platform", Scope.FEED_HASHES, kind="industry")
    cli = Cli(tx_bin, tmp_path / "home")
    cli.home.mkdir()
    token_file = cli.home / ".tx_hotline_token"  # the default place, no token_file in the collab
    token_file.write_text(platform.token)
    first, _, _ = _listed_image(blocking, 3, tmp_path)
    _listed_image(blocking, 9, tmp_path)
    cli.run("config", "extensions", "add", "hotline_threatexchange")
    cli.run(
        "config", "collab", "edit", "hotline", "hl", "--create", f"--base-url={live_server.url}"
    )
    cli.run("fetch")
    later, _, _ = _listed_image(blocking, 4, tmp_path)
    revoke_credential(
        ApiCredential.objects.get(organisation=platform.organisation), acting_user=None
    )

    refused = cli.run("fetch", ok=False)
    still = cli.matches(first), cli.matches(later)
    renewed = consumer("Platform again", Scope.FEED_HASHES, kind="industry")
    token_file.write_text(renewed.token)
    cli.run("fetch")

    assert refused.returncode != 0
    assert (
        f"Hotline at {live_server.url} refused the token: credential revoked; ask the instance"
        " administrator for a new one. Put a new feed token in $TX_HOTLINE_TOKEN or"
        " ~/.tx_hotline_token. The next fetch resumes from serial 2."
    ) in refused.stderr
    assert ([len(m) for m in still]) == [1, 0]
    assert [len(cli.matches(path)) for path in (first, later)] == [1, 1]


def test_cli_fetch_with_a_checkpoint_from_the_future_says_how_to_start_again(
    blocking: World, live_server: Any, tx_bin: Path, tmp_path: Path
) -> None:
    platform = consumer("Platform", Scope.FEED_HASHES, kind="industry")
    wrong_scope = consumer("Proxy", Scope.FEED_URLS)
    cli = Cli(tx_bin, tmp_path / "home")
    cli.home.mkdir()
    token_file = cli.home / ".tx_hotline_token"
    token_file.write_text(platform.token)
    listed, entry, _ = _listed_image(blocking, 5, tmp_path)
    _listed_image(blocking, 6, tmp_path)
    _listed_image(blocking, 9, tmp_path)
    cli.run("config", "extensions", "add", "hotline_threatexchange")
    cli.run(
        "config", "collab", "edit", "hotline", "hl", "--create", f"--base-url={live_server.url}"
    )
    cli.run("fetch")  # checkpoint: serial 3
    # The instance is "restored" to before the third file: its serial is now 2.
    Entry.objects.filter(added_serial=3).delete()
    Serial.objects.filter(feed_list="hashes").update(value=2)

    future = cli.run("fetch", ok=False)
    token_file.write_text(wrong_scope.token)
    forbidden = cli.run("fetch", ok=False)
    token_file.write_text(platform.token)
    cli.run("fetch", "--clear", "--only-collab", "hl")
    cli.run("fetch")

    assert (
        f"the checkpoint (serial 3) is past Hotline at {live_server.url}'s hash list, which is"
        " at serial 2"
    ) in future.stderr
    assert "`threatexchange fetch --clear --only-collab hl`" in future.stderr
    assert "credential lacks the 'feed:hashes' scope" in forbidden.stderr
    assert [line.split()[2] for line in cli.matches(listed)] == ["(hl)"]
    assert entry.pk is not None
