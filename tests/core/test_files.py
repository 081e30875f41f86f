"""``hotline.files.replaced``: a file is replaced whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.files import replaced


def test_the_new_content_replaces_the_file_with_its_mode_and_nothing_is_left_beside_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "zone"
    path.write_text("old\n")
    inode = path.stat().st_ino

    with replaced(path, mode=0o640, encoding="ascii") as out:
        out.write("new\n")
        assert path.read_text() == "old\n"  # readers still see the old file meanwhile

    assert path.read_bytes() == b"new\n"
    assert path.stat().st_ino != inode
    assert oct(path.stat().st_mode & 0o777) == "0o640"
    assert [p.name for p in tmp_path.iterdir()] == ["zone"]


def test_a_failure_while_writing_leaves_the_old_file_and_no_temporary_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "list.json"
    path.write_text("kept")

    def write_half() -> None:
        with replaced(path, mode=0o600) as out:
            out.write("half of a")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_half()

    assert path.read_text() == "kept"
    assert [p.name for p in tmp_path.iterdir()] == ["list.json"]


def test_bytes_are_written_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "media"

    with replaced(path, mode=0o600, encoding=None) as out:
        out.write(b"\x00\r\n\xff")

    assert path.read_bytes() == b"\x00\r\n\xff"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
