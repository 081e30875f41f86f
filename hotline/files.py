"""Files replaced whole: a reader sees the old content or the new, never half, even after a crash.

Standard library only, so that the programs that run without Django (the Squid helper) can use
it too.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def replaced(path: Path, *, mode: int, encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """A file to write that replaces ``path`` when the block ends.

    It is a temporary file beside ``path`` (so the rename stays on one file system), synced to
    disk, given ``mode`` and renamed over ``path``; the directory is synced too, so the rename
    survives a crash. When the block raises, the temporary file is removed and ``path`` is
    left as it was. ``encoding=None`` opens the file for bytes; text is written with ``\\n``
    line ends whatever the platform.
    """
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    temporary = Path(name)
    try:
        if encoding is None:
            out: IO[Any] = os.fdopen(handle, "wb")
        else:
            out = os.fdopen(handle, "w", encoding=encoding, newline="\n")
        with out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
