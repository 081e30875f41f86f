"""Sampled frames of a video, decoded by Debian's ffmpeg in a subprocess and streamed.

Frames are chosen as Meta's vPDQ chooses them: every ``int(seconds_per_hash * fps)``-th
decoded frame (``fps`` from the stream's average frame rate, else its base rate), with
frame number ``n`` at ``n / fps`` seconds, converted to RGB at the coded size (no
auto-rotation). ffmpeg writes raw RGB to a pipe and Python reads one frame at a time,
so memory holds one frame, never the video. A file ffmpeg cannot read, without a video
stream or without a frame is :class:`MalformedMedia`; past the pixel, duration or time
limits it is :class:`MediaTooLarge`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Generator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt
from django.conf import settings

from hotline.matching.errors import MalformedMedia, MatchingError, MediaTooLarge

_STDERR_LINES = 3

# A path, or an open file (an upload spooled to an unnamed temporary file: ffmpeg reads it
# through /dev/fd, so the plaintext never has a name on disk and vanishes when closed).
VideoSource = str | Path | IO[bytes]


def _locate(source: VideoSource) -> tuple[str, tuple[int, ...]]:
    if isinstance(source, str | Path):
        return str(source), ()
    fd = source.fileno()
    return f"/dev/fd/{fd}", (fd,)


class DecoderMissing(MatchingError):
    """ffmpeg/ffprobe is not installed: videos cannot be hashed on this machine."""


@dataclass(frozen=True)
class VideoInfo:
    """What ffprobe says of a file's first video stream."""

    width: int
    height: int
    frame_rate: float
    duration: float | None


@dataclass(frozen=True)
class SampledFrame:
    """One sampled frame: its number among decoded frames, its time and its RGB pixels."""

    frame_number: int
    timestamp: float
    rgb: npt.NDArray[np.uint8]


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DecoderMissing(f"{name} is not installed: install Debian's ffmpeg to hash videos")
    return found


def _rate(text: object) -> float:
    try:
        rate = Fraction(str(text))
    except (ValueError, ZeroDivisionError):
        return 0.0
    return float(rate) if rate > 0 else 0.0


def _last_lines(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "; ".join(lines[-_STDERR_LINES:])[:300] or "no detail"


def probe(source: VideoSource, *, timeout: float = 60) -> VideoInfo:
    """Size, frame rate and duration of the first video stream; :class:`MalformedMedia` if none."""
    path, fds = _locate(source)
    command = [
        _tool("ffprobe"), "-v", "error", "-select_streams", "v:0",
        "-show_entries", "stream=width,height,avg_frame_rate,r_frame_rate,duration"
        ":format=duration", "-of", "json", "--", path,
    ]  # fmt: skip
    try:
        done = subprocess.run(  # noqa: S603 (ffprobe found on PATH, no shell, path as one argument)
            command, capture_output=True, timeout=timeout, check=False, pass_fds=fds
        )
    except subprocess.TimeoutExpired:
        raise MalformedMedia("the video cannot be read: ffprobe took too long") from None
    if done.returncode != 0:
        detail = _last_lines(done.stderr.decode("utf-8", "replace"))
        raise MalformedMedia(f"the video cannot be read: {detail}")
    try:
        data = json.loads(done.stdout)
        streams = data.get("streams") or []
    except (ValueError, AttributeError):
        raise MalformedMedia("the video cannot be read: ffprobe gave no answer") from None
    if not streams:
        raise MalformedMedia("the file has no video stream")
    stream = streams[0]
    width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
    if width <= 0 or height <= 0:
        raise MalformedMedia("the video stream has no picture size")
    rate = _rate(stream.get("avg_frame_rate")) or _rate(stream.get("r_frame_rate"))
    if rate <= 0:
        raise MalformedMedia("the video stream has no frame rate")
    duration_text = stream.get("duration") or (data.get("format") or {}).get("duration")
    try:
        duration = float(duration_text) if duration_text is not None else None
    except ValueError:
        duration = None
    return VideoInfo(width, height, rate, duration)


def frame_interval(frame_rate: float, seconds_per_hash: float) -> int:
    """Every how many decoded frames one is hashed (at least every frame)."""
    return max(1, int(seconds_per_hash * frame_rate))


def sample_frames(
    source: VideoSource,
    *,
    seconds_per_hash: float | None = None,
    info: VideoInfo | None = None,
) -> Generator[SampledFrame, None, None]:
    """The frames vPDQ hashes, one at a time, in order (see the module docstring)."""
    seconds = float(
        settings.VPDQ_SECONDS_PER_HASH if seconds_per_hash is None else seconds_per_hash
    )
    info = probe(source) if info is None else info
    path, fds = _locate(source)
    pixel_limit = int(settings.MATCHING_MAX_IMAGE_PIXELS)
    if info.width * info.height > pixel_limit:
        raise MediaTooLarge(
            f"video refused: {info.width}x{info.height} frames are more pixels than the limit"
            f" of {pixel_limit:,}"
        )
    max_seconds = int(settings.VPDQ_MAX_MINUTES) * 60
    if info.duration is not None and info.duration > max_seconds:
        raise MediaTooLarge(
            f"video refused: {info.duration:.0f} s is longer than the limit of {max_seconds} s"
        )
    every = frame_interval(info.frame_rate, seconds)
    command = [
        _tool("ffmpeg"), "-nostdin", "-hide_banner", "-v", "error", "-noautorotate",
        "-i", path, "-map", "0:v:0", "-an", "-sn", "-dn",
        "-vf", f"select=not(mod(n\\,{every}))", "-fps_mode", "passthrough",
        "-sws_flags", "area", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
    ]  # fmt: skip
    frame_bytes = info.width * info.height * 3
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 (ffmpeg found on PATH, no shell)
            command, stdout=subprocess.PIPE, stderr=errors, pass_fds=fds
        )
        timed_out = threading.Event()

        def _kill() -> None:
            timed_out.set()
            process.kill()

        timer = threading.Timer(float(settings.VPDQ_TIMEOUT_SECONDS), _kill)
        timer.start()
        count = 0
        try:
            assert process.stdout is not None
            while True:
                data = process.stdout.read(frame_bytes)
                if len(data) < frame_bytes:
                    break
                number = count * every
                timestamp = number / info.frame_rate
                if timestamp > max_seconds:
                    raise MediaTooLarge(f"video refused: longer than the limit of {max_seconds} s")
                rgb = np.frombuffer(data, dtype=np.uint8).reshape(info.height, info.width, 3)
                count += 1
                yield SampledFrame(number, timestamp, rgb)
            returncode = process.wait()
        finally:
            timer.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()  # type: ignore[union-attr]
        if timed_out.is_set():
            raise MediaTooLarge(
                f"video refused: decoding took longer than {settings.VPDQ_TIMEOUT_SECONDS} s"
            )
        errors.seek(0)
        detail = _last_lines(errors.read().decode("utf-8", "replace"))
    if returncode != 0:
        raise MalformedMedia(f"the video cannot be decoded: {detail}")
    if count == 0:
        raise MalformedMedia(f"the video has no decodable frame: {detail}")
