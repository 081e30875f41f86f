from __future__ import annotations

import io
import json
from datetime import UTC, datetime

from hotline.matching.formats import HashRecord, ParseNotice, ParseProblem, get_format

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"

VICS_1 = (
    b"\xef\xbb\xbf"
    + json.dumps(
        {
            "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases",
            "odata.count": 1,
            "value": [
                {
                    "CaseID": "11111111-2222-3333-4444-555555555555",
                    "MediaCount": 7,
                    "Media": [
                        {
                            "MediaID": 1,
                            "Category": 1,
                            "MD5": MD5.upper(),
                            "SHA1": SHA1.upper(),
                            "DateUpdated": "/Date(1400000000000)/",
                            "MediaFiles": [{"FileName": "a.jpg"}],
                        },
                        {"MediaID": 2, "Category": "2", "MD5": "not-a-hash"},
                        {"MediaID": 3, "Category": "03", "Name": "no hashes here"},
                    ],
                }
            ],
        }
    ).encode()
)

VICS_2 = json.dumps(
    {
        "@odata.context": "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/CUSTOM/$metadata#Media",
        "@odata.count": 5,
        "value": [
            {
                "MediaID": 17,
                "Category": "1",
                "MD5": MD5,
                "DateUpdated": "2023-06-07T02:31:49.8300000Z",
                "IsPrecategorized": "true",
            }
        ],
    }
).encode()


def _parse(name: str, data: bytes) -> list[object]:
    return list(get_format(name).parse(io.BytesIO(data)))


def test_vics_1_tolerates_bom_odata_dates_and_wrong_counts() -> None:
    items = _parse("vics", VICS_1)

    assert items == [
        HashRecord(
            "md5",
            MD5,
            None,
            "1",
            "1",
            datetime(2014, 5, 13, 16, 53, 20, tzinfo=UTC),
            "media #1 (MediaID 1)",
        ),
        HashRecord(
            "sha1",
            SHA1,
            None,
            "1",
            "1",
            datetime(2014, 5, 13, 16, 53, 20, tzinfo=UTC),
            "media #1 (MediaID 1)",
        ),
        ParseProblem("media #2 (MediaID 2)", "md5 hashes have 32 hexadecimal characters, got 10"),
        ParseProblem(
            "media #3 (MediaID 3)", "no MD5, SHA1, SHA256, PDQ or VPDQ value in this media record"
        ),
        ParseNotice("a case declares 7 media but holds 3; the media present were read"),
        ParseNotice("the file declares 1 records but holds 3; the records present were read"),
    ]


def test_vics_2_media_list_with_string_category_and_long_fraction() -> None:
    items = _parse("vics", VICS_2)

    assert items == [
        HashRecord(
            "md5",
            MD5,
            None,
            "1",
            "17",
            datetime(2023, 6, 7, 2, 31, 49, 830000, tzinfo=UTC),
            "media #1 (MediaID 17)",
        ),
        ParseNotice("the file declares 5 records but holds 1; the records present were read"),
    ]


def test_vics_truncated_json_keeps_what_was_read() -> None:
    truncated = VICS_1[: VICS_1.index(b'{"MediaID": 2')]

    items = _parse("vics", truncated)

    assert [type(item).__name__ for item in items] == ["HashRecord", "HashRecord", "ParseProblem"]
    assert items[2].location == "after media #1"  # type: ignore[attr-defined]


def test_vics_export_round_trips() -> None:
    records = [
        HashRecord("md5", MD5, category="1", first_seen=datetime(2024, 1, 2, tzinfo=UTC)),
        HashRecord("pdq", PDQ, quality=90, category="2"),
    ]
    out = io.BytesIO()

    written = get_format("vics").export(records, out)
    back = _parse("vics", out.getvalue())

    assert written == 2
    assert [(r.algorithm, r.value, r.quality, r.category) for r in back] == [  # type: ignore[attr-defined]
        ("md5", MD5, None, "1"),
        ("pdq", PDQ, 90, "2"),
    ]
    assert json.loads(out.getvalue())["value"][0]["MD5"] == MD5.upper()


def test_vics_export_writes_every_category_as_an_integer() -> None:
    records = [
        HashRecord("md5", MD5, category="baseline"),
        HashRecord("md5", "0" * 32, category="national"),
        HashRecord("md5", "1" * 32, category="2"),
        HashRecord("md5", "2" * 32, category=""),
    ]
    out = io.BytesIO()

    get_format("vics").export(records, out)

    media = json.loads(out.getvalue())["value"]
    assert [(m["Category"], m["IsPrecategorized"]) for m in media] == [
        (1, True),
        (0, False),
        (2, True),
        (0, False),
    ]


def test_csv_reports_bad_lines_by_number_and_keeps_good_ones() -> None:
    data = f"algorithm,value,quality,category\nmd5,{MD5},,1\nmd5,xyz,,1\npdq,{PDQ},85,2\nsha1,{SHA1},abc,\n".encode()

    items = _parse("csv", data)

    assert items == [
        HashRecord("md5", MD5, None, "1", "", None, "line 2"),
        ParseProblem("line 3", "md5 hashes have 32 hexadecimal characters, got 3"),
        HashRecord("pdq", PDQ, 85, "2", "", None, "line 4"),
        ParseProblem("line 5", "quality must be a number, got 'abc'"),
    ]


def test_csv_reads_the_hash_command_layout() -> None:
    data = f"path,pdq,quality,md5,sha1,sha256\na.jpg,{PDQ},100,{MD5},{SHA1},\n".encode()

    items = _parse("csv", data)

    assert [(r.algorithm, r.quality) for r in items if isinstance(r, HashRecord)] == [
        ("md5", None),
        ("pdq", 100),
        ("sha1", None),
    ]
    assert len(items) == 3


def test_csv_without_a_known_header_is_one_problem() -> None:
    assert _parse("csv", b"foo,bar\n1,2\n") == [
        ParseProblem(
            "line 1",
            "the header must name 'algorithm,value' or hash columns (md5, pdq, sha1, sha256)",
        )
    ]


def test_pdq_format_reads_meta_layout_with_optional_quality() -> None:
    data = f"# comment\n{PDQ}\n\n{PDQ.upper()},70\nabc\n".encode()

    items = _parse("pdq", data)

    assert items == [
        HashRecord("pdq", PDQ, None, location="line 2"),
        HashRecord("pdq", PDQ, 70, location="line 4"),
        ParseProblem("line 5", "pdq hashes have 64 hexadecimal characters, got 3"),
    ]
