from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command


def test_url_command_prints_one_json_line_per_url() -> None:
    out = StringIO()

    call_command("url", "http://EXAMPLE.test/a/../b", "https://www.example.test/", stdout=out)

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == [
        {
            "input": "http://EXAMPLE.test/a/../b",
            "canonical": "http://example.test/b",
            "host": "example.test",
            "registrable_domain": "example.test",
            "expressions": [
                {
                    "expression": "example.test/b",
                    "sha256": "70811ffd6bbe9f00e74eba9897cfe0a79b667b57339cd1e82232a719fa2c2c33",
                    "prefix": "70811ffd",
                },
                {
                    "expression": "example.test/",
                    "sha256": "2fc5ff4b19faef20653393a743ad494ff875ec56a7d2bb8b10d61957306b0448",
                    "prefix": "2fc5ff4b",
                },
            ],
        },
        {
            "input": "https://www.example.test/",
            "canonical": "https://www.example.test/",
            "host": "www.example.test",
            "registrable_domain": "example.test",
            "expressions": [
                {
                    "expression": "www.example.test/",
                    "sha256": "b714fb789978045ed40bf950263a80d7c4bd1d0cfec1b6800ca03573d17d90a6",
                    "prefix": "b714fb78",
                },
                {
                    "expression": "example.test/",
                    "sha256": "2fc5ff4b19faef20653393a743ad494ff875ec56a7d2bb8b10d61957306b0448",
                    "prefix": "2fc5ff4b",
                },
            ],
        },
    ]


def test_url_command_invalid_url_prints_error_and_fails_at_end() -> None:
    out = StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("url", "mailto:someone@example.test", "http://192.0.2.1/x", stdout=out)

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line.get("error") for line in lines] == [
        "'mailto:' addresses are not web addresses; enter the address of the page, as in http://example.test/page.",
        None,
    ]
    assert lines[1]["canonical"] == "http://192.0.2.1/x"
    assert lines[1]["registrable_domain"] is None
    assert str(caught.value) == "1 of 2 URLs are not web addresses"


def test_hotline_url_cli_exits_1_on_invalid_url() -> None:
    hotline = Path(sys.executable).with_name("hotline")

    completed = subprocess.run(
        [str(hotline), "url", "http://EXAMPLE.test/a/../b", "http:///nohost"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert completed.returncode == 1
    assert [line.get("canonical") for line in lines] == ["http://example.test/b", None]
    assert lines[1]["error"] == (
        "The web address has no site name; enter it in full, as in http://example.test/page."
    )


def test_hotline_url_cli_canonicalises_non_utf8_argument_bytes() -> None:
    hotline = Path(sys.executable).with_name("hotline")

    # Google's vector: the raw byte 0x80 (not UTF-8) is escaped as %80, not as the
    # UTF-8 of the surrogate Python decodes it to.
    completed = subprocess.run(
        [bytes(hotline), b"url", b"http://\x01\x80.com/"],
        capture_output=True,
        timeout=60,
        check=False,
    )

    line = json.loads(completed.stdout)
    assert completed.returncode == 0, completed.stderr
    assert (line["canonical"], line["input"]) == ("http://%01%80.com/", "http://\x01\\x80.com/")
