"""Videos in hash lists: an entry per video, a row per frame, imported and exported whole."""

from __future__ import annotations

import pytest

from hotline.audit.models import AuditEvent
from hotline.matching import actions
from hotline.matching.errors import InvalidHash
from hotline.matching.models import HashEntry, HashList, VpdqFrame
from hotline.matching.vpdq.features import VpdqFeature, vpdq_id

PDQ_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_B = "e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c"
FRAMES = (VpdqFeature(0, 100, PDQ_A, 0.0), VpdqFeature(1, 40, PDQ_B, 1.0))
VIDEO_MD5 = "0cc175b9c0f1b6a831c399e269772661"


@pytest.fixture
def hash_list(db: None) -> HashList:
    return actions.create_hash_list(name="Videos", acting_user=None)


def test_add_video_hash_stores_entry_and_every_frame(hash_list: HashList) -> None:
    entry, created = actions.add_video_hash(
        hash_list, features=FRAMES, video_id=VIDEO_MD5.upper(), category="1", acting_user=None
    )

    assert created
    assert (entry.algorithm, entry.value, entry.category) == ("vpdq", VIDEO_MD5, "1")
    assert list(
        VpdqFrame.objects.filter(entry=entry).values_list(
            "frame_number", "quality", "pdq", "timestamp"
        )
    ) == [(0, 100, PDQ_A, 0.0), (1, 40, PDQ_B, 1.0)]
    assert actions.video_features(entry) == FRAMES
    assert AuditEvent.objects.filter(action="matching.hashlist.video_added").count() == 1


def test_add_video_hash_without_md5_uses_the_frames_id(hash_list: HashList) -> None:
    entry, _ = actions.add_video_hash(hash_list, features=FRAMES, acting_user=None)

    assert entry.value == vpdq_id(FRAMES)


def test_add_video_hash_twice_keeps_one_entry_and_its_frames(hash_list: HashList) -> None:
    actions.add_video_hash(hash_list, features=FRAMES, video_id=VIDEO_MD5, acting_user=None)

    _, created = actions.add_video_hash(
        hash_list, features=FRAMES[:1], video_id=VIDEO_MD5, acting_user=None
    )

    assert not created
    assert VpdqFrame.objects.count() == 2


@pytest.mark.parametrize(
    ("video_id", "frames", "message"),
    [("abc", FRAMES, "32 hexadecimal"), (VIDEO_MD5, (), "needs its frames")],
)
def test_add_video_hash_refuses_bad_input_storing_nothing(
    hash_list: HashList, video_id: str, frames: tuple[VpdqFeature, ...], message: str
) -> None:
    with pytest.raises(InvalidHash, match=message):
        actions.add_video_hash(hash_list, features=frames, video_id=video_id, acting_user=None)

    assert (HashEntry.objects.count(), VpdqFrame.objects.count()) == (0, 0)


def test_removing_a_video_entry_removes_its_frames(hash_list: HashList) -> None:
    actions.add_video_hash(hash_list, features=FRAMES, video_id=VIDEO_MD5, acting_user=None)

    removed = actions.remove_entries(hash_list, values=[VIDEO_MD5], acting_user=None)

    assert removed == 1
    assert VpdqFrame.objects.count() == 0
