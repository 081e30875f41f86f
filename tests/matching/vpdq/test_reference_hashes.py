"""Agreement with Meta's published vPDQ hashes of its benign sample videos (ThreatExchange's
``tmk/sample-videos/*.mp4`` and ``vpdq/sample-hashes/*.txt``, every frame hashed).

Nothing of them is in this repository: the test reads ``<name>.mp4`` beside ``<name>.txt``
from ``$HOTLINE_VPDQ_TESTDATA`` or ``../shared/testdata/vpdq``, and skips (with the reason)
where they are absent. Decoders differ a little between ffmpeg builds, so agreement is
measured as Meta's sample tests do: the two hashes match each other by vPDQ, and frames
are close in PDQ distance.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hotline.matching.hashing.pdq_algorithm import hamming_distance
from hotline.matching.hashing.vpdq import hash_video
from hotline.matching.vpdq.compare import compare
from hotline.matching.vpdq.features import parse_text

TESTDATA = Path(
    os.environ.get(
        "HOTLINE_VPDQ_TESTDATA", Path(__file__).resolve().parents[4] / "shared/testdata/vpdq"
    )
)
SAMPLES = sorted(TESTDATA.glob("*.txt")) if TESTDATA.is_dir() else []


@pytest.mark.skipif(
    not [s for s in SAMPLES if s.with_suffix(".mp4").is_file()],
    reason=f"Meta's vPDQ sample videos and hashes not found at {TESTDATA}"
    " (set HOTLINE_VPDQ_TESTDATA to a folder of <name>.mp4 and <name>.txt)",
)
@pytest.mark.parametrize("expected", SAMPLES, ids=[s.stem for s in SAMPLES])
def test_our_vpdq_of_a_sample_video_agrees_with_metas(expected: Path) -> None:
    video = expected.with_suffix(".mp4")
    if not video.is_file():
        pytest.skip(f"{video.name} not found beside {expected.name}")
    reference = parse_text(expected.read_text())

    ours = hash_video(video, seconds_per_hash=0)  # Meta's sample hashes have every frame

    shares = compare(ours, reference, distance=31, min_quality=50)
    by_number = {f.frame_number: f for f in reference}
    distances = [
        hamming_distance(bytes.fromhex(f.pdq), bytes.fromhex(by_number[f.frame_number].pdq))
        for f in ours
        if f.frame_number in by_number
    ]
    print(
        f"{expected.stem}: {len(ours)} frames (Meta {len(reference)}), shares"
        f" {shares.query_percent:.1f} % / {shares.compared_percent:.1f} %, frame distance"
        f" median {sorted(distances)[len(distances) // 2]}, max {max(distances)}"
    )
    assert len(ours) == len(reference)
    assert [f.timestamp for f in ours] == pytest.approx([f.timestamp for f in reference], abs=2e-3)
    assert (shares.query_percent, shares.compared_percent) >= (95.0, 95.0)
    assert sorted(distances)[len(distances) // 2] <= 10
