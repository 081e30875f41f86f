"""Videos in hash list files: CSV and VICS carry a video's frames; import and export round-trip."""

from __future__ import annotations

import io
import json

import pytest

from hotline.matching import actions
from hotline.matching.formats import HashRecord, ParseProblem, get_format
from hotline.matching.models import HashList, VpdqFrame
from hotline.matching.vpdq.features import VpdqFeature, to_threatexchange

PDQ_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_B = "e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c"
FRAMES = (VpdqFeature(0, 100, PDQ_A, 0.0), VpdqFeature(25, 40, PDQ_B, 1.0))
VIDEO_MD5 = "0cc175b9c0f1b6a831c399e269772661"


def _parse(name: str, data: bytes) -> list[object]:
    return list(get_format(name).parse(io.BytesIO(data)))


def test_csv_vpdq_row_reads_frames_from_its_cell() -> None:
    data = (
        "algorithm,value,category,vpdq\n"
        f"vpdq,{VIDEO_MD5},1,0,100,{PDQ_A},0.000;25,40,{PDQ_B},1.000\n"
    )
    csv_text = data.replace(",0,100,", ',"0,100,').replace(",1.000\n", ',1.000"\n')

    (record,) = _parse("csv", csv_text.encode())

    assert isinstance(record, HashRecord)
    assert (record.algorithm, record.value, record.category) == ("vpdq", VIDEO_MD5, "1")
    assert record.features == FRAMES


@pytest.mark.parametrize(
    ("cell", "message"),
    [("", "vpdq: a vPDQ hash has at least one frame"), ("0,100,zz,0", "vpdq: line 1: a frame")],
)
def test_csv_vpdq_row_with_bad_frames_is_a_problem(cell: str, message: str) -> None:
    (problem,) = _parse("csv", f'algorithm,value,vpdq\nvpdq,{VIDEO_MD5},"{cell}"\n'.encode())

    assert isinstance(problem, ParseProblem)
    assert problem.location == "line 2"
    assert problem.message.startswith(message)


def test_vics_reads_lines_and_threatexchange_json_and_derives_a_missing_id() -> None:
    document = {
        "value": [
            {"MediaID": 1, "Category": 1, "VPDQID": VIDEO_MD5, "VPDQ": [f.line() for f in FRAMES]},
            {"MediaID": 2, "Category": 2, "VPDQ": to_threatexchange(FRAMES)},
        ]
    }

    first, second = _parse("vics", json.dumps(document).encode())

    assert isinstance(first, HashRecord)
    assert isinstance(second, HashRecord)
    assert (first.value, first.features) == (VIDEO_MD5, FRAMES)
    assert second.algorithm == "vpdq"
    assert [(f.quality, f.pdq) for f in second.features] == [(100, PDQ_A), (40, PDQ_B)]
    assert len(second.value) == 32


def test_vics_bad_vpdq_is_a_problem_naming_the_media() -> None:
    document = {"value": [{"MediaID": 9, "VPDQ": ["0,100,abc,0"]}]}

    (problem,) = _parse("vics", json.dumps(document).encode())

    assert str(problem) == (
        "media #1 (MediaID 9): VPDQ: line 1: a frame's PDQ hash has 64 hexadecimal characters"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("format_name", ["csv", "vics"])
def test_a_list_with_a_video_round_trips_through_export_and_import(format_name: str) -> None:
    source = actions.create_hash_list(name="Source", acting_user=None)
    actions.add_video_hash(
        source, features=FRAMES, video_id=VIDEO_MD5, category="1", acting_user=None
    )
    out = io.BytesIO()
    actions.export_hash_list(source, out, format_name=format_name, acting_user=None)
    target = actions.create_hash_list(name="Target", acting_user=None)

    result = actions.import_hash_list(
        target, io.BytesIO(out.getvalue()), format_name=format_name, strict=True, acting_user=None
    )

    assert (result.added, result.problem_count) == (1, 0)
    entry = HashList.objects.get(name="Target").entries.get()
    assert (entry.algorithm, entry.value, entry.category) == ("vpdq", VIDEO_MD5, "1")
    assert actions.video_features(entry) == FRAMES
    assert VpdqFrame.objects.filter(entry__hash_list=target).count() == 2


@pytest.mark.django_db
def test_importing_the_same_video_twice_stores_its_frames_once() -> None:
    data = f'algorithm,value,vpdq\nvpdq,{VIDEO_MD5},"0,100,{PDQ_A},0.000"\n'.encode()
    target = actions.create_hash_list(name="Target", acting_user=None)

    actions.import_hash_list(target, io.BytesIO(data), format_name="csv", acting_user=None)
    again = actions.import_hash_list(target, io.BytesIO(data), format_name="csv", acting_user=None)

    assert (again.added, again.duplicates) == (0, 1)
    assert VpdqFrame.objects.count() == 1
