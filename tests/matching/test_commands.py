from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from hotline.matching.hashing import hash_file
from hotline.matching.sync import reset_shared_index
from hotline.matching.synthetic import encode, synthetic_image

MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_hash_prints_one_csv_line_per_file(tmp_path: Path) -> None:
    image = tmp_path / "picture.bin"
    image.write_bytes(encode(synthetic_image(3, width=200, height=150)))
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 100)
    expected = hash_file(image)

    out, _ = _run("hash", str(image), str(video))

    lines = out.splitlines()
    assert lines[0].split(",") == [
        str(image),
        expected.values["pdq"].value,
        str(expected.values["pdq"].quality),
        expected.values["md5"].value,
        expected.values["sha1"].value,
        expected.values["sha256"].value,
    ]
    assert lines[1].split(",")[:3] == [str(video), "", ""]


def test_hash_reports_unsupported_files_and_fails(tmp_path: Path) -> None:
    text = tmp_path / "notes.jpg"
    text.write_bytes(b"just some text, not a picture at all" * 3)

    with pytest.raises(CommandError, match="1 of 1 files could not be hashed"):
        _run("hash", str(text))


@pytest.mark.django_db
def test_hashlist_import_export_and_match(tmp_path: Path) -> None:
    reset_shared_index()
    source = tmp_path / "list.json"
    source.write_bytes(
        b'\xef\xbb\xbf{"odata.metadata":"x","value":[{"Media":[{"MediaID":1,"Category":1,"MD5":"'
        + MD5.upper().encode()
        + b'"},{"MediaID":2,"MD5":"oops"}]}]}'
    )
    _run("hashlist", "create", "Partner")

    out, err = _run("hashlist", "import", "--list", "Partner", "--format", "vics", str(source))
    exported, _ = _run("hashlist", "export", "--list", "Partner", "--format", "csv")
    matched, _ = _run("match", MD5)

    assert out == "Partner: 2 read, 1 added, 0 already in the list, 1 rejected\n"
    assert (
        f"{source}: media #2 (MediaID 2): md5 hashes have 32 hexadecimal characters, got 4" in err
    )
    assert exported.splitlines() == [
        "algorithm,value,quality,category,first_seen,reference,vpdq",
        f"md5,{MD5},,1,{exported.splitlines()[1].split(',')[4]},1,",
    ]
    line = json.loads(matched)
    assert (line["algorithm"], [m["list"] for m in line["matches"]]) == ("md5", ["Partner"])
    reset_shared_index()


@pytest.mark.django_db
def test_hashlist_import_strict_fails_with_the_bad_record(tmp_path: Path) -> None:
    source = tmp_path / "list.txt"
    source.write_text("f" * 64 + "\nnot-a-hash\n")
    _run("hashlist", "create", "Strict")

    with pytest.raises(CommandError, match="import aborted, nothing stored: line 2"):
        _run("hashlist", "import", "--list", "Strict", "--format", "pdq", "--strict", str(source))
