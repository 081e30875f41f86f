"""The migration that gives file hashes a unique key (``FileHash``) claims each hash of the
items stored before it for the oldest item with that hash, including hashes two items share
(two reports of one new file at the same moment, before the key existed), and filing then
works on that data. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.cases.actions import FileInput, ReportInput, file_report
from hotline.cases.models import Channel, Concern, FileHash, Item
from tests.migrating import migrate_forward, old_apps_fixture

BEFORE = [("cases", "0004_item_fetch_url")]
S, H, M, M2 = "5" * 64, "4" * 40, "3" * 32, "2" * 32


old_apps = old_apps_fixture(BEFORE)


@pytest.mark.django_db(transaction=True)
def test_existing_file_hashes_are_claimed_by_their_oldest_item(old_apps: Any) -> None:
    OldItem = old_apps.get_model("cases", "Item")
    oldest = OldItem.objects.create(kind="file", sha256=S, md5=M).pk
    twin = OldItem.objects.create(kind="file", sha256=S, sha1=H).pk  # the same file, twice
    other = OldItem.objects.create(kind="file", md5=M2).pk
    OldItem.objects.create(
        kind="url", canonical_url="http://a.example.test/", canonical_url_hash="0" * 64
    )

    migrate_forward()

    claims = dict(FileHash.objects.values_list("key", "item_id"))
    assert claims == {
        f"sha256:{S}": oldest,
        f"md5:{M}": oldest,
        f"sha1:{H}": twin,
        f"md5:{M2}": other,
    }

    # Filing goes on over those rows: a known hash attaches, a new file gets its own item.
    def file(spec: FileInput) -> Item:
        filed = file_report(
            ReportInput(channel=Channel.PARTNER, concern=Concern.CSAM, files=[spec]), actor=None
        )
        return (filed.new_items + filed.known_items)[0]

    assert file(FileInput(sha256=S, md5="1" * 32)).pk == oldest
    assert file(FileInput(sha1=H)).pk == twin
    new = file(FileInput(sha256="6" * 64, md5=M2[:31] + "1"))
    assert set(FileHash.objects.filter(item=new).values_list("key", flat=True)) == {
        f"sha256:{'6' * 64}",
        f"md5:{M2[:31]}1",
    }
