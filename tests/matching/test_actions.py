from __future__ import annotations

import io

import pytest

from hotline.audit.models import AuditEvent
from hotline.matching import actions
from hotline.matching.models import HashEntry, HashList

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
MD5_2 = "0cc175b9c0f1b6a831c399e269772661"
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
CSV = f"algorithm,value,quality,category\nmd5,{MD5},,1\nmd5,bad,,1\npdq,{PDQ},85,2\nmd5,{MD5},,1\n".encode()


@pytest.fixture
def hash_list(db: None) -> HashList:
    return actions.create_hash_list(name="Partner A", acting_user=None)


def test_import_stores_good_records_and_reports_bad_lines(hash_list: HashList) -> None:
    result = actions.import_hash_list(
        hash_list, io.BytesIO(CSV), format_name="csv", source_file="a.csv", acting_user=None
    )

    stored = list(
        HashEntry.objects.order_by("id").values_list(
            "algorithm", "value", "quality", "category", "source_file", "source_location"
        )
    )
    assert (result.read, result.added, result.duplicates, result.problem_count) == (4, 2, 1, 1)
    assert [str(problem) for problem in result.problems] == [
        "line 3: md5 hashes have 32 hexadecimal characters, got 3"
    ]
    assert stored == [
        ("md5", MD5, None, "1", "a.csv", "line 2"),
        ("pdq", PDQ, 85, "2", "a.csv", "line 4"),
    ]
    assert AuditEvent.objects.filter(action="matching.hashlist.imported").count() == 1


def test_import_strict_stores_nothing_on_a_bad_line(hash_list: HashList) -> None:
    with pytest.raises(actions.ImportAborted, match="line 3: md5 hashes have 32"):
        actions.import_hash_list(
            hash_list, io.BytesIO(CSV), format_name="csv", strict=True, acting_user=None
        )

    assert HashEntry.objects.count() == 0


def test_import_twice_counts_duplicates(hash_list: HashList) -> None:
    data = f"{PDQ}\n".encode()
    actions.import_hash_list(hash_list, io.BytesIO(data), format_name="pdq", acting_user=None)

    again = actions.import_hash_list(
        hash_list, io.BytesIO(data), format_name="pdq", acting_user=None
    )

    assert (again.added, again.duplicates, HashEntry.objects.count()) == (0, 1, 1)


def test_export_csv_round_trips_into_another_list(hash_list: HashList) -> None:
    actions.import_hash_list(hash_list, io.BytesIO(CSV), format_name="csv", acting_user=None)
    out = io.BytesIO()
    written = actions.export_hash_list(hash_list, out, format_name="csv", acting_user=None)
    copy = actions.create_hash_list(name="Copy", acting_user=None)

    result = actions.import_hash_list(
        copy, io.BytesIO(out.getvalue()), format_name="csv", acting_user=None
    )

    assert (written, result.added, result.problem_count) == (2, 2, 0)
    assert sorted(copy.entries.values_list("algorithm", "value", "quality", "category")) == [
        ("md5", MD5, None, "1"),
        ("pdq", PDQ, 85, "2"),
    ]


def test_remove_entries_and_disable_raise_the_revision(hash_list: HashList) -> None:
    actions.import_hash_list(hash_list, io.BytesIO(CSV), format_name="csv", acting_user=None)

    removed = actions.remove_entries(hash_list, values=[MD5.upper(), MD5_2], acting_user=None)
    actions.set_hash_list_enabled(hash_list, enabled=False, acting_user=None)

    hash_list.refresh_from_db()
    assert (removed, hash_list.revision, hash_list.enabled) == (1, 2, False)
