"""The removal page in Debian's Chromium, through the path a person takes: choose files, see
what will be sent, send, withdraw with the receipt.

* every image of Meta's PDQ conformance set is hashed in the browser: each MD5 exact, each PDQ
  within 10 bits of Meta's C++ reference (of ``pdqhash``, Meta's C++ wrapped for Python, where
  the README publishes none) wherever the reference quality is 80 or more;
* a generated benign video (ffmpeg ``testsrc``) gets one PDQ per second from the browser's own
  decoder, each within tolerance of the server-side vPDQ of the same file, frame by frame;
* every request the page (and its worker) makes is recorded: none carries file content;
* a platform's pull of the self-reported changes sees the new hashes, and after the withdrawal
  on the status page sees their removal;
* axe-core finds no violation on the page before and after hashing, nor on the status page.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import shutil
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from hotline.accounts.models import Scope
from hotline.matching.hashing.pdq_algorithm import hamming_distance
from hotline.matching.hashing.vpdq import hash_video
from tests.conftest import skip_unless_ci
from tests.e2e.axe import assert_accessible
from tests.e2e.browser import browser
from tests.feeds.conftest import consumer
from tests.matching.conftest import PDQ_TESTDATA

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MAX_DISTANCE = 10
VIDEO_FRAME_TOLERANCE = 16  # bits per frame: two decoders' colour conversions differ slightly


def _references() -> dict[str, tuple[str, int]]:
    with open(PDQ_TESTDATA / "expected.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["image"]: (
            row["cpp_reference_pdq"] or row["pdqhash_0.2.8_pdq"],
            int(row["pdqhash_quality"]),
        )
        for row in rows
    }


def _wait_for_hashes(page: Any, count: int) -> None:
    page.wait_for_function(
        "n => { const rows = [...document.querySelectorAll('#removal-list li')];"
        " return rows.length === n && rows.every(r => ['ready', 'failed'].includes(r.dataset.state)); }",
        arg=count,
        timeout=300_000,
    )


def _payload(page: Any) -> dict[str, Any]:
    return dict(json.loads(page.text_content("#removal-payload")))


class Recorder:
    """Every request of the browser context (page and worker) with its body."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bytes]] = []

    def __call__(self, request: Any) -> None:
        self.requests.append((request.method, request.url, request.post_data_buffer or b""))

    def assert_no_file_content(self, files: list[Path], origin: str) -> None:
        # Only our own server; "blob:" is the chosen video read locally by the page's <video>.
        elsewhere = [
            url for _, url, _ in self.requests if not url.startswith((origin, f"blob:{origin}/"))
        ]
        assert elsewhere == []
        bodies = [body for _, _, body in self.requests if body]
        for path in files:
            data = path.read_bytes()
            middle = data[len(data) // 2 : len(data) // 2 + 64]
            probes = [data[:64], middle, base64.b64encode(middle)[:64], middle.hex().encode()]
            for body in bodies:
                assert not any(probe in body for probe in probes), f"{path.name} in a request"
        # The only body is the submission: hashes, in exactly the keys the page shows.
        posts = [
            json.loads(body)
            for method, url, body in self.requests
            if method == "POST" and url.endswith("/removal/submit")
        ]
        assert len(posts) == 1
        for post in posts:
            keys = {key for file in post["files"] for key in file}
            assert set(post) <= {"files", "receipt"}
            assert keys <= {"media", "md5", "pdq", "pdq_quality", "duration", "vpdq"}


def _pull(url: str, token: str) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(json.loads(response.read()))


def _video(tmp_path: Path) -> Path:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        skip_unless_ci("ffmpeg is not installed (apt-get install ffmpeg)")
    path = tmp_path / "testsrc.webm"
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=5:size=320x240:rate=25",
            "-c:v",
            "libvpx",
            "-b:v",
            "1M",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
    )
    return path


def _server_frames(path: Path, seconds: int) -> list[str]:
    """The server-side vPDQ of the same file (hotline.matching.hashing.vpdq: ffmpeg decodes,
    one frame per second as Meta's vpdq samples them): its first ``seconds`` frame hashes."""
    return [feature.pdq for feature in hash_video(path)][:seconds]


def test_browser_hashes_match_the_references_and_only_hashes_leave(
    live_server: Any, tmp_path: Path
) -> None:
    if not (PDQ_TESTDATA / "expected.csv").is_file():
        skip_unless_ci(f"PDQ test data not found at {PDQ_TESTDATA}")
    references = _references()
    images = [PDQ_TESTDATA / "images" / name for name in references]
    video = _video(tmp_path)
    platform = consumer("Platform", Scope.FEED_SELF_REPORTED, kind="industry")
    changes = f"{live_server.url}/api/v1/feeds/self-reported/changes"
    recorder = Recorder()

    with browser() as chromium:
        context = chromium.new_context()  # type: ignore[attr-defined]
        context.on("request", recorder)
        page = context.new_page()
        page.goto(f"{live_server.url}/removal/")
        assert_accessible(page, "removal page")
        page.set_input_files("#removal-files", [str(p) for p in [*images, video]])
        _wait_for_hashes(page, len(images) + 1)
        assert_accessible(page, "removal page with hashes")
        sent = _payload(page)
        states = page.eval_on_selector_all(
            "#removal-list li", "rows => rows.map(r => r.dataset.state)"
        )
        page.click("#removal-send")
        page.wait_for_selector("#removal-result:not([hidden])")
        reference = page.text_content("#removal-reference")
        secret = page.text_content("#removal-secret")
        added = _pull(f"{changes}?since=0", platform.token)

        page.goto(f"{live_server.url}/removal/status/")
        page.fill("#id_reference", reference or "")
        page.fill("#id_secret", secret or "")
        page.click("#status-form button[type=submit]")
        assert_accessible(page, "removal status page")
        page.click("#withdraw")
        page.wait_for_selector('#removal-status[data-state="withdrawn"]')
        after = _pull(f"{changes}?since={added['serial']}", platform.token)

    assert states == ["ready"] * (len(images) + 1)
    photos, clip = sent["files"][:-1], sent["files"][-1]
    assert [f["md5"] for f in photos] == [
        hashlib.md5(p.read_bytes(), usedforsecurity=False).hexdigest() for p in images
    ]
    too_far = {}
    for path, name, file in zip(images, references, photos, strict=True):
        expected, quality = references[name]
        distance = hamming_distance(bytes.fromhex(file["pdq"]), bytes.fromhex(expected))
        if quality >= 80 and (distance > MAX_DISTANCE or file["pdq_quality"] < 80):
            too_far[path.name] = (distance, file["pdq_quality"])
    assert too_far == {}

    assert clip["md5"] == hashlib.md5(video.read_bytes(), usedforsecurity=False).hexdigest()
    server = _server_frames(video, len(clip["vpdq"]))
    assert [f["frame"] for f in clip["vpdq"]] == [0, 1, 2, 3, 4]
    distances = [
        hamming_distance(bytes.fromhex(f["pdq"]), bytes.fromhex(s))
        for f, s in zip(clip["vpdq"], server, strict=True)
    ]
    assert max(distances) <= VIDEO_FRAME_TOLERANCE, distances

    recorder.assert_no_file_content([*images, video], live_server.url)
    assert sorted(a["hashes"]["md5"] for a in added["added"]) == sorted(
        f["md5"] for f in sent["files"]
    )
    assert sorted(r["id"] for r in after["removed"]) == sorted(a["id"] for a in added["added"])
    assert {r["reason"] for r in after["removed"]} == {"withdrawn"}


def test_a_file_the_browser_cannot_decode_gets_its_message_and_the_others_go_on(
    live_server: Any, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg" * 10)
    good = tmp_path / "good.png"
    Image.fromarray((np.indices((64, 96)).sum(axis=0) % 256).astype(np.uint8)).save(good)

    with browser() as chromium:
        page = chromium.new_page()  # type: ignore[attr-defined]
        page.goto(f"{live_server.url}/removal/")
        page.set_input_files("#removal-files", [str(broken), str(good)])
        _wait_for_hashes(page, 2)
        states = page.eval_on_selector_all(
            "#removal-list li", "rows => rows.map(r => r.dataset.state)"
        )
        sent = _payload(page)

    assert states == ["failed", "ready"]
    assert [f["md5"] for f in sent["files"]] == [
        hashlib.md5(good.read_bytes(), usedforsecurity=False).hexdigest()
    ]


# What CI once saw under load: the first drawImage of the <video> after a seek copies the picture
# it showed before the seek (the new frame has not reached the element yet), so second 1 was
# hashed exactly as second 0. Here every first draw after a seek is made stale on purpose.
STALE_FIRST_DRAW = """
(() => {
  const seekTime = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, "currentTime");
  const draw = CanvasRenderingContext2D.prototype.drawImage;
  let last = null, stale = false;
  Object.defineProperty(HTMLMediaElement.prototype, "currentTime", {
    get() { return seekTime.get.call(this); },
    set(value) { stale = last !== null; seekTime.set.call(this, value); },
  });
  CanvasRenderingContext2D.prototype.drawImage = function (source, ...rest) {
    if (!(source instanceof HTMLVideoElement)) { return draw.call(this, source, ...rest); }
    if (stale) { stale = false; window.staleDraws = (window.staleDraws || 0) + 1;
                 return draw.call(this, last, ...rest); }
    last = last || document.createElement("canvas");
    last.width = source.videoWidth; last.height = source.videoHeight;
    draw.call(last.getContext("2d"), source, 0, 0);
    return draw.call(this, source, ...rest);
  };
})();
"""


def test_a_stale_picture_after_a_seek_is_not_hashed_as_the_next_second(
    live_server: Any, tmp_path: Path
) -> None:
    video = _video(tmp_path)

    with browser() as chromium:
        page = chromium.new_page()  # type: ignore[attr-defined]
        page.add_init_script(STALE_FIRST_DRAW)
        page.goto(f"{live_server.url}/removal/")
        page.set_input_files("#removal-files", [str(video)])
        _wait_for_hashes(page, 1)
        stale_draws = page.evaluate("window.staleDraws || 0")
        clip = _payload(page)["files"][0]

    assert stale_draws >= 4  # the fault was really injected, once per second after the first
    server = _server_frames(video, len(clip["vpdq"]))
    distances = [
        hamming_distance(bytes.fromhex(f["pdq"]), bytes.fromhex(s))
        for f, s in zip(clip["vpdq"], server, strict=True)
    ]
    assert len(distances) == 5
    assert max(distances) <= VIDEO_FRAME_TOLERANCE, distances
