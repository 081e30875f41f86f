"""Images hashed per second in Debian's Chromium on the removal page (the path a person takes:
the file input, the page's Web Worker, MD5 + PDQ), against the anchor measured in the same run:
the server-side Python PDQ pipeline (``hotline.matching.hashing``) on the same images.

Correctness check (exit 1 when it fails): every browser MD5 equals hashlib's, every browser PDQ
is within 10 bits of Meta's reference (``expected.csv``) where its quality is 80 or more.

    python -m bench browser_hashing            # the 30 conformance images, 3 rounds
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 3
TESTDATA = Path(
    os.environ.get(
        "HOTLINE_PDQ_TESTDATA", Path(__file__).resolve().parents[2] / "shared/testdata/pdq"
    )
)


def _server_side(paths: list[Path]) -> float:
    from hotline.matching.hashing import hash_file

    hash_file(paths[0], names=["md5", "pdq"])
    start = time.perf_counter()
    for _ in range(ROUNDS):
        for path in paths:
            hash_file(path, names=["md5", "pdq"])
    return ROUNDS * len(paths) / (time.perf_counter() - start)


def main(argv: list[str]) -> None:
    with open(TESTDATA / "expected.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    paths = [TESTDATA / "images" / row["image"] for row in rows]
    var = tempfile.mkdtemp(prefix="hotline-bench-")
    os.environ["HOTLINE_VAR_DIR"] = var
    os.environ["HOTLINE_SELF_REPORT_MAX_FILES"] = str(len(paths) * ROUNDS)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.management import call_command
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import sync_playwright

    from hotline.matching.hashing.pdq_algorithm import hamming_distance
    from tests.e2e.browser import CHROMIUM_ARGS, chromium_path

    call_command("migrate", verbosity=0)
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    url = f"http://127.0.0.1:{server.port}/removal/"
    anchor = _server_side(paths)
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = chromium.new_page()
            page.goto(url)
            files = [str(path) for path in paths] * ROUNDS
            start = time.perf_counter()
            page.set_input_files("#removal-files", files)
            page.wait_for_function(
                "n => { const r = [...document.querySelectorAll('#removal-list li')];"
                " return r.length === n && r.every(x => ['ready', 'failed'].includes(x.dataset.state)); }",
                arg=len(files),
                timeout=900_000,
            )
            elapsed = time.perf_counter() - start
            sent = json.loads(page.text_content("#removal-payload") or "{}")["files"]
            chromium.close()
    finally:
        server.terminate()
        shutil.rmtree(var, ignore_errors=True)

    bad = []
    worst = 0
    for index, file in enumerate(sent):
        row, path = rows[index % len(rows)], paths[index % len(paths)]
        if file["md5"] != hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest():
            bad.append(f"{row['image']}: MD5 differs")
        reference = row["cpp_reference_pdq"] or row["pdqhash_0.2.8_pdq"]
        if int(row["pdqhash_quality"]) >= 80:
            distance = hamming_distance(bytes.fromhex(file["pdq"]), bytes.fromhex(reference))
            worst = max(worst, distance)
            if distance > 10:
                bad.append(f"{row['image']}: PDQ {distance} bits from the reference")
    if len(sent) != len(files):
        bad.append(f"{len(files) - len(sent)} files not hashed")
    print(f"\n### Browser hashing: {len(paths)} conformance images x {ROUNDS} rounds")
    print("| pipeline | images/s |")
    print("|---|---|")
    print(f"| Chromium removal page (worker: MD5 + PDQ) | {len(files) / elapsed:.1f} |")
    print(f"| anchor: server-side Python (MD5 + PDQ) | {anchor:.1f} |")
    print(f"worst PDQ distance to the reference (quality >= 80): {worst} bits")
    if bad:
        print("CORRECTNESS CHECK FAILED:\n" + "\n".join(bad[:20]))
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
