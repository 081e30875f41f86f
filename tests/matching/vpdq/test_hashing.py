"""vPDQ hashing of generated videos: frame choice, per-frame PDQ, streaming, bad files."""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from hotline.matching.errors import MalformedMedia, MediaTooLarge, UnsupportedMedia
from hotline.matching.hashing import MediaHasher, hash_file, hash_stream
from hotline.matching.hashing.pdq import pdq_hash_image
from hotline.matching.hashing.pdq_algorithm import hamming_distance
from hotline.matching.hashing.vpdq import hash_video
from hotline.matching.media import PNG
from hotline.matching.vpdq.decode import probe
from hotline.matching.vpdq.features import parse, parse_text
from tests.conftest import skip_unless_ci
from tests.videos import RATE, SECONDS, Videos


def _pdqhash() -> object:
    try:
        import pdqhash
    except ImportError:
        skip_unless_ci("the pdqhash package (dev dependency, pdqhash==0.2.8) is not installed")
    return pdqhash


def test_hash_video_takes_one_frame_per_second_numbered_as_meta_does(videos: Videos) -> None:
    features = hash_video(videos.base)

    assert [f.frame_number for f in features] == [n * RATE for n in range(SECONDS)]
    assert [f.timestamp for f in features] == [float(n) for n in range(SECONDS)]
    assert all(0 <= f.quality <= 100 for f in features)
    assert len({f.pdq for f in features}) == SECONDS  # the pattern moves: every second differs


def test_hash_video_every_two_seconds_takes_every_twentieth_frame(videos: Videos) -> None:
    features = hash_video(videos.base, seconds_per_hash=2)

    assert [f.frame_number for f in features] == list(range(0, SECONDS * RATE, 2 * RATE))


def _frame_png(video: Path, number: int) -> bytes:
    done = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-noautorotate", "-i", str(video), "-vf",
         f"select=eq(n\\,{number})", "-fps_mode", "passthrough", "-sws_flags", "area",
         "-frames:v", "1", "-f", "image2pipe", "-vcodec", "png", "pipe:1"],
        capture_output=True, check=True,
    )  # fmt: skip
    return done.stdout


def test_each_frame_hash_is_the_pdq_of_that_frame(videos: Videos) -> None:
    """Against our image PDQ and Meta's C++ PDQ (pdqhash) on the same decoded frame."""
    features = hash_video(videos.base)

    for feature in features[::5]:
        png = _frame_png(videos.base, feature.frame_number)
        ours = pdq_hash_image(png, PNG)
        rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
        bits, quality = _pdqhash().compute(rgb)  # type: ignore[attr-defined]
        meta = np.packbits(bits.astype(np.uint8)).tobytes()
        assert (feature.pdq, feature.quality) == (ours.hex, ours.quality)
        assert hamming_distance(bytes.fromhex(feature.pdq), meta) <= 2
        assert abs(feature.quality - quality) <= 1


def test_hash_stream_of_a_video_gives_md5_and_vpdq_with_frames(videos: Videos) -> None:
    data = videos.base.read_bytes()

    hashes = hash_stream(io.BytesIO(data), chunk_size=4096)

    vpdq = hashes.values["vpdq"]
    assert vpdq.value == hashes.values["md5"].value
    assert vpdq.features == hash_video(videos.base)
    assert "pdq" not in hashes.values


def test_hashing_spools_to_an_unnamed_file(
    videos: Videos, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hasher spools to an unnamed file: nothing of the video ever has a name on disk."""
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    seen: list[list[str]] = []
    hasher = MediaHasher()

    for start in range(0, len(data := videos.base.read_bytes()), 65536):
        hasher.update(data[start : start + 65536])
        seen.append(os.listdir(spool))
    hashes = hasher.finish()

    assert len(hashes.values["vpdq"].features) == SECONDS
    assert seen == [[]] * len(seen)
    assert os.listdir(spool) == []


def test_a_file_with_a_video_header_but_garbage_is_malformed(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + os.urandom(5000))

    with pytest.raises(MalformedMedia, match="the video cannot be read"):
        hash_file(bad)


def test_a_video_cut_before_its_first_frame_is_refused(videos: Videos, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(videos.reencoded.read_bytes()[:3000])

    with pytest.raises(MalformedMedia, match=r"the video cannot be decoded: .*ended prematurely"):
        hash_video(cut)


def test_a_video_cut_short_is_hashed_from_the_frames_that_decode(
    videos: Videos, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(videos.reencoded.read_bytes()[:60000])

    features = hash_video(cut)

    assert 0 < len(features) < SECONDS
    assert features == hash_video(videos.reencoded)[: len(features)]


def test_a_file_without_a_video_stream_is_malformed(videos: Videos) -> None:
    with pytest.raises(MalformedMedia, match="no video stream"):
        hash_video(videos.audio_only)


def test_not_a_media_file_is_unsupported() -> None:
    with pytest.raises(UnsupportedMedia):
        hash_stream(io.BytesIO(b"plain text, not a video" * 10))


def test_frames_over_the_pixel_limit_are_refused(videos: Videos, settings: Any) -> None:
    settings.MATCHING_MAX_IMAGE_PIXELS = 320 * 240 - 1

    with pytest.raises(MediaTooLarge, match="320x240 frames are more pixels than the limit"):
        hash_video(videos.base)


def test_videos_over_the_duration_limit_are_refused(tmp_path: Path, settings: Any) -> None:
    long = tmp_path / "long.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "color=c=gray:size=32x32:rate=1",
         "-t", "61", "-c:v", "libx264", str(long)], check=True,
    )  # fmt: skip
    settings.VPDQ_MAX_MINUTES = 1

    with pytest.raises(MediaTooLarge, match="longer than the limit of 60 s"):
        hash_video(long)


def test_probe_reads_size_and_rate(videos: Videos) -> None:
    info = probe(videos.reencoded)

    assert (info.width, info.height, info.frame_rate) == (480, 360, float(RATE))


def test_vpdq_command_prints_meta_text_or_threatexchange_json(videos: Videos) -> None:
    out = io.StringIO()
    call_command("vpdq", str(videos.base), stdout=out)
    as_json = io.StringIO()
    call_command("vpdq", "--json", str(videos.base), stdout=as_json)

    assert parse_text(out.getvalue()) == hash_video(videos.base)
    assert [f.pdq for f in parse(as_json.getvalue())] == [f.pdq for f in hash_video(videos.base)]


def test_vpdq_command_fails_naming_the_file_it_cannot_hash(
    videos: Videos, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CommandError, match="1 of 2 videos could not be hashed"):
        call_command("vpdq", str(videos.base), str(videos.audio_only), stdout=io.StringIO())

    assert (
        f"hotline vpdq: {videos.audio_only}: the file has no video stream"
        in capsys.readouterr().err
    )
