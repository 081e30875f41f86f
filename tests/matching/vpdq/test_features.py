"""The vPDQ frame format: Meta's hash-file text, the binding's order, threatexchange's JSON."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.matching.errors import InvalidHash
from hotline.matching.vpdq import features as vf
from hotline.matching.vpdq.features import VpdqFeature

PDQ_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_B = "e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c"


def test_parse_text_reads_meta_hash_file_lines_in_frame_order() -> None:
    text = f"1,98,{PDQ_B.upper()},1.000\n\n# comment\n0,100,{PDQ_A},0.000\n"

    parsed = vf.parse_text(text)

    assert parsed == (VpdqFeature(0, 100, PDQ_A, 0.0), VpdqFeature(1, 98, PDQ_B, 1.0))


def test_parse_text_reads_python_binding_order_with_hash_second() -> None:
    assert vf.parse_text(f"0,{PDQ_A},77,0\n") == (VpdqFeature(0, 77, PDQ_A, 0.0),)


def test_to_text_writes_three_decimal_timestamps() -> None:
    frames = (VpdqFeature(1, 98, PDQ_B, 1.0), VpdqFeature(0, 100, PDQ_A, 0.0))

    assert vf.to_text(frames) == f"0,100,{PDQ_A},0.000\n1,98,{PDQ_B},1.000\n"


def test_json_round_trip_matches_threatexchange_shape() -> None:
    frames = (VpdqFeature(0, 100, PDQ_A, 0.0), VpdqFeature(1, 98, PDQ_B, 1.0))

    text = vf.to_json(frames)

    assert json.loads(text) == {
        "0": {"quality": 100, "hash": PDQ_A, "timestamp": 0.0},
        "1": {"quality": 98, "hash": PDQ_B, "timestamp": 1.0},
    }
    assert vf.parse(text) == frames


def test_parse_json_list_form_with_pdq_hex_key() -> None:
    data = [{"frame_number": 3, "quality": 60, "pdq_hex": PDQ_A, "timestamp": 3}]

    assert vf.features_from_json(data) == (VpdqFeature(3, 60, PDQ_A, 3.0),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one frame"),
        (f"0,100,{PDQ_A}\n", "line 1: expected frame_number,quality,pdq_hex,timestamp"),
        (f"0,101,{PDQ_A},0\n", "line 1: quality must be 0 to 100, got 101"),
        (f"0,-1,{PDQ_A},0\n", "line 1: quality must be a whole number"),
        ("0,50,abc,0\n", "line 1: a frame's PDQ hash has 64 hexadecimal characters"),
        (f"0,50,{PDQ_A[:-1]}g,0\n", "line 1: a frame's PDQ hash has 64"),
        (f"0,50,{PDQ_A},-2\n", "line 1: timestamp must be a number of seconds"),
        (f"0,50,{PDQ_A},nan\n", "line 1: timestamp must be a number of seconds"),
        (f"0,50,{PDQ_A},0\n0,50,{PDQ_B},1\n", "frame 0 appears twice"),
        ('{"0": {"quality": true, "hash": "x", "timestamp": 0}}', "frame 0: quality"),
        ('{"0": [1]}', "frame 0: expected an object"),
        ("[1", "cannot be read"),
    ],
)
def test_parse_rejects_bad_frames_naming_where(text: str, message: str) -> None:
    with pytest.raises(InvalidHash) as caught:
        vf.parse(text)

    assert message in str(caught.value)


def test_parse_text_refuses_more_than_max_frames() -> None:
    text = "".join(f"{n},50,{PDQ_A},{n}\n" for n in range(vf.MAX_FRAMES + 1))

    with pytest.raises(InvalidHash, match="at most 36,000 frames"):
        vf.parse_text(text)


def test_vpdq_id_is_the_md5_of_the_text_form_and_ignores_input_order() -> None:
    frames = [VpdqFeature(1, 98, PDQ_B, 1.0), VpdqFeature(0, 100, PDQ_A, 0.0)]

    assert vf.vpdq_id(frames) == vf.vpdq_id(list(reversed(frames)))
    assert len(vf.vpdq_id(frames)) == 32


_feature = st.builds(
    VpdqFeature,
    frame_number=st.integers(0, 10**6),
    quality=st.integers(0, 100),
    pdq=st.binary(min_size=32, max_size=32).map(bytes.hex),
    timestamp=st.integers(0, 10**7).map(lambda ms: ms / 1000),
)


@given(st.lists(_feature, min_size=1, max_size=30, unique_by=lambda f: f.frame_number))
def test_text_and_json_round_trip_any_frames(frames: list[VpdqFeature]) -> None:
    expected = tuple(sorted(frames))

    assert vf.parse_text(vf.to_text(frames)) == expected
    assert vf.parse_json(vf.to_json(frames)) == expected


@given(st.text(max_size=300))
def test_parse_never_fails_other_than_invalid_hash(text: str) -> None:
    with contextlib.suppress(InvalidHash):
        vf.parse(text)


def test_threatexchange_compact_form_round_trips_numbering_frames_in_order() -> None:
    frames = (VpdqFeature(0, 100, PDQ_A, 0.0), VpdqFeature(25, 98, PDQ_B, 1.0))

    text = vf.to_threatexchange(frames)

    assert json.loads(text) == [f"{PDQ_A},100,0.000", f"{PDQ_B},98,1.000"]
    assert vf.parse(text) == (VpdqFeature(0, 100, PDQ_A, 0.0), VpdqFeature(1, 98, PDQ_B, 1.0))


def test_threatexchange_compact_form_reads_its_short_timestamps() -> None:
    """threatexchange formats timestamps with ``:.3`` (three significant digits)."""
    assert vf.parse(json.dumps([f"{PDQ_A},90,1.23e+02"])) == (VpdqFeature(0, 90, PDQ_A, 123.0),)


def test_lines_form_keeps_frame_numbers() -> None:
    frames = (VpdqFeature(0, 100, PDQ_A, 0.0), VpdqFeature(25, 98, PDQ_B, 1.0))

    assert vf.features_from_json(vf.to_lines(frames)) == frames


def test_a_compact_line_with_two_fields_is_refused() -> None:
    with pytest.raises(InvalidHash, match="frame #1: expected pdq_hex,quality,timestamp"):
        vf.features_from_json([f"{PDQ_A},90"])
