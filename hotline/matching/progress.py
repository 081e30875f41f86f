"""Progress on stderr for long imports: a redrawn bar on a terminal, plain count lines otherwise."""

from __future__ import annotations

import io
import time
from typing import Any, BinaryIO, TextIO


class CountingReader(io.RawIOBase):
    """Wraps a binary stream and counts the bytes read through it (for progress)."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        self.bytes_read += len(data)
        return len(data)


class Progress:
    """Reports ``count`` items and the share of ``total_bytes`` done.

    On a terminal the line is redrawn at most ten times a second; elsewhere
    (logs, CI) a plain line is written at most every ``plain_interval`` seconds.
    """

    def __init__(
        self, out: TextIO, *, total_bytes: int | None, label: str, plain_interval: float = 5.0
    ) -> None:
        self._out = out
        self._total = total_bytes or None
        self._label = label
        self._tty = out.isatty()
        self._interval = 0.1 if self._tty else plain_interval
        self._last = 0.0
        self._started = time.monotonic()

    def _describe(self, count: int, done_bytes: int) -> str:
        if self._total:
            share = min(1.0, done_bytes / self._total)
            if self._tty:
                filled = int(share * 30)
                return f"[{'#' * filled}{'-' * (30 - filled)}] {share:4.0%} {count:,} {self._label}"
            return f"{count:,} {self._label} ({share:.0%})"
        return f"{count:,} {self._label}"

    def update(self, count: int, done_bytes: int) -> None:
        now = time.monotonic()
        if now - self._last < self._interval:
            return
        self._last = now
        text = self._describe(count, done_bytes)
        if self._tty:
            self._out.write(f"\r{text}")
        else:
            self._out.write(f"{text}\n")
        self._out.flush()

    def finish(self, count: int, done_bytes: int) -> None:
        text = self._describe(count, done_bytes)
        elapsed = time.monotonic() - self._started
        start = "\r" if self._tty else ""
        self._out.write(f"{start}{text} in {elapsed:.1f} s\n")
        self._out.flush()
