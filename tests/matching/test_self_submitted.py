"""Hash-only removal requests in the matching app: what is accepted (only hashes, every bad
field named), receipts, the allow-list hold, release, rejection and withdrawal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hotline.audit.models import AuditEvent
from hotline.matching import self_submitted
from hotline.matching.models import SelfSubmission, SelfSubmissionState, SelfSubmittedFile
from hotline.matching.self_submitted import InvalidSubmission, parse_submission
from tests.conftest import World
from tests.matching.self_submissions import image, submit, video

pytestmark = pytest.mark.django_db


def _fields(data: Any) -> list[str]:
    with pytest.raises(InvalidSubmission) as caught:
        parse_submission(data)
    return [problem.field for problem in caught.value.problems]


def test_parse_names_each_bad_field() -> None:
    bad_image = {"media": "image", "md5": "xyz", "pdq": "0" * 63, "pdq_quality": 101}
    bad_frame = video()
    bad_frame["vpdq"][1]["quality"] = -1
    bad_frame["vpdq"][2]["pdq"] = "g" * 64

    assert _fields({"files": [image(), bad_image, bad_frame]}) == [
        "files[1].md5",
        "files[1].pdq",
        "files[1].pdq_quality",
        "files[2].vpdq[1].quality",
        "files[2].vpdq[2].pdq",
    ]


def test_parse_refuses_anything_but_hashes() -> None:
    # A file name, its bytes or a note must never be stored by mistake.
    with_name = {**image(), "name": "IMG_0001.jpg"}
    assert _fields({"files": [with_name], "note": "x"}) == ["note", "files[0].name"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"files": []}, "files"),
        ({"files": "abc"}, "files"),
        ([image()], "body"),
        ({"files": [{"media": "audio", "md5": "0" * 32}]}, "files[0].media"),
        ({"files": [{**video(), "vpdq": []}]}, "files[0].vpdq"),
        ({"files": [image()], "receipt": "yes"}, "receipt"),
        ({"files": [{**image(), "pdq_quality": True}]}, "files[0].pdq_quality"),
        ({"files": [{**image(), "pdq_quality": 50.5}]}, "files[0].pdq_quality"),
    ],
)
def test_parse_refuses_malformed_requests(data: Any, field: str) -> None:
    assert _fields(data) == [field]


def test_parse_refuses_too_many_files_and_frames(settings: Any) -> None:
    settings.SELF_REPORT_MAX_FILES = 2
    settings.SELF_REPORT_MAX_VIDEO_FRAMES = 4

    assert _fields({"files": [image(), image(), image()]}) == ["files"]
    assert _fields({"files": [video(frames=5)]}) == ["files[0].vpdq"]


def test_submit_stores_hashes_lowercase_with_a_receipt_that_opens_it(world: World) -> None:
    upper = image(md5="A" * 32, pdq="B" * 64, quality=77)
    done = submit(upper, video(frames=2))

    files = list(SelfSubmittedFile.objects.filter(submission=done.submission).order_by("position"))
    assert [(f.media, f.md5, f.pdq, f.pdq_quality, len(f.vpdq)) for f in files] == [
        ("image", "a" * 32, "b" * 64, 77, 0),
        ("video", files[1].md5, "", None, 2),
    ]
    assert done.submission.state == SelfSubmissionState.DISTRIBUTED
    assert self_submitted.check_self_receipt(done.submission.reference, done.secret) == (
        done.submission
    )
    assert self_submitted.check_self_receipt(done.submission.reference.lower(), "0000") is None
    event = AuditEvent.objects.get(action="matching.self_submission.submit")
    assert event.detail == {"files": 2, "videos": 1, "receipt": True, "state": "distributed"}


def test_submit_without_receipt_cannot_be_opened(world: World) -> None:
    done = submit(image(), receipt=False)

    assert done.secret == ""
    assert done.submission.secret_hash == ""
    assert self_submitted.check_self_receipt(done.submission.reference, "") is None


def test_allow_listed_image_holds_the_request(world: World, settings: Any, tmp_path: Path) -> None:
    benign_pdq = "f0" * 32
    near = "f1" + "f0" * 31  # 1 bit away
    path = tmp_path / "benign.txt"
    path.write_text(f"# known memes\npdq:{benign_pdq}\nmd5:{'c' * 32}\n")
    settings.SELF_REPORT_ALLOWLIST_FILE = str(path)

    held = submit(image(), image(pdq=near))
    held_md5 = submit(image(md5="C" * 32))
    shared = submit(image())

    assert [s.submission.state for s in (held, held_md5, shared)] == ["held", "held", "distributed"]
    assert list(
        SelfSubmittedFile.objects.filter(submission=held.submission)
        .order_by("position")
        .values_list("allowlisted", flat=True)
    ) == [False, True]


def test_held_request_is_released_or_rejected_once(
    world: World, settings: Any, tmp_path: Path
) -> None:
    path = tmp_path / "benign.txt"
    path.write_text("d" * 32 + "\n")
    settings.SELF_REPORT_ALLOWLIST_FILE = str(path)
    first = submit(image(md5="d" * 32)).submission
    second = submit(image(md5="d" * 32)).submission

    self_submitted.release_self_submission(first, acting_user=world.charlie)
    self_submitted.reject_self_submission(second, acting_user=world.charlie)

    assert (first.state, second.state) == ("distributed", "rejected")
    with pytest.raises(self_submitted.NotHeld):
        self_submitted.release_self_submission(second, acting_user=world.charlie)


def test_withdraw_is_recorded_once(world: World) -> None:
    done = submit(image())

    assert self_submitted.withdraw_self_submission(done.submission) is True
    assert self_submitted.withdraw_self_submission(done.submission) is False
    assert SelfSubmission.objects.get().state == SelfSubmissionState.WITHDRAWN
    assert AuditEvent.objects.filter(action="matching.self_submission.withdraw").count() == 1


def test_bad_allow_list_line_is_named(settings: Any, tmp_path: Path) -> None:
    path = tmp_path / "benign.txt"
    path.write_text("0" * 32 + "\nnot a hash\n")
    settings.SELF_REPORT_ALLOWLIST_FILE = str(path)

    with pytest.raises(ValueError, match="line 2: not an MD5 or PDQ hash"):
        self_submitted.allow_list()
