"""Hash-only removal requests: hashes the person depicted computed on their own device.

The public page (``hotline.intake.removal``) hashes photos and videos in the browser and sends
only the hashes: MD5 and PDQ with its quality for a photo, MD5 and vPDQ (one PDQ per second of
video) for a video. This module checks what arrives (:func:`parse_submission`: every problem
named by its field, nothing stored when there is one), stores it as one request with an
optional anonymous receipt, and holds a request for a staff check when one of its files is on
the configured allow-list of known benign, widely shared images. Who shares the hashes with
platforms is the feeds app, on this app's events (``matching.events``); matching knows nothing
of feeds.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from hotline.accounts.models import ApiCredential, User, hash_secret
from hotline.audit.actions import record
from hotline.matching.events import (
    SelfSubmissionShared,
    SelfSubmissionWithdrawn,
    self_submission_shared,
    self_submission_withdrawn,
)
from hotline.matching.hashing.pdq_algorithm import hamming_distance
from hotline.matching.models import (
    PlatformRemovalReport,
    SelfSubmission,
    SelfSubmissionState,
    SelfSubmittedFile,
    SubmittedMedia,
)

LIST_LABEL = "submitted by the person depicted; unverified"
CATEGORY = "self_reported"
_MD5 = re.compile(r"^[0-9a-f]{32}$")
_PDQ = re.compile(r"^[0-9a-f]{64}$")
# Crockford's base32 (no I, L, O, U): read aloud and written down without mistakes.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TOP_FIELDS = frozenset({"files", "receipt"})
_IMAGE_FIELDS = frozenset({"media", "md5", "pdq", "pdq_quality"})
_VIDEO_FIELDS = frozenset({"media", "md5", "vpdq", "duration"})
_FRAME_FIELDS = frozenset({"frame", "seconds", "quality", "pdq"})


# --- what arrives ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoFrame:
    frame: int
    seconds: float
    quality: int
    pdq: str


@dataclass(frozen=True)
class SubmittedFileInput:
    """The hashes of one file as the browser computed them, checked."""

    media: str
    md5: str
    pdq: str = ""
    pdq_quality: int | None = None
    frames: tuple[VideoFrame, ...] = ()
    duration: float | None = None


@dataclass(frozen=True)
class SubmissionInput:
    files: tuple[SubmittedFileInput, ...]
    receipt: bool


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class InvalidSubmission(Exception):
    """What arrived is not a request we can store; ``problems`` names each field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return (isinstance(value, int | float)) and not isinstance(value, bool) and value == value


class _Checker:
    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def fail(self, field: str, message: str) -> None:
        if len(self.problems) < 50:  # enough to act on; a flood of garbage stays cheap
            self.problems.append(FieldProblem(field, message))

    def unknown(self, where: str, data: dict[str, Any], allowed: frozenset[str]) -> None:
        for key in sorted(set(data) - allowed)[:5]:
            self.fail(f"{where}{key}", "unknown field: only hashes are accepted")

    def hex_value(self, field: str, value: Any, pattern: re.Pattern[str], what: str) -> str:
        if not isinstance(value, str) or not pattern.match(value.lower()):
            self.fail(field, what)
            return ""
        return value.lower()

    def quality(self, field: str, value: Any) -> int | None:
        if not _whole(value) or not 0 <= value <= 100:
            self.fail(field, "a PDQ quality is a whole number from 0 to 100")
            return None
        return int(value)

    def frame(self, field: str, raw: Any, max_seconds: float) -> VideoFrame | None:
        if not isinstance(raw, dict):
            self.fail(field, "each frame is an object with frame, seconds, quality and pdq")
            return None
        self.unknown(f"{field}.", raw, _FRAME_FIELDS)
        index: Any = raw.get("frame")
        if not _whole(index) or index < 0:
            self.fail(f"{field}.frame", "a frame number is a whole number from 0")
        seconds: Any = raw.get("seconds")
        if not _number(seconds) or not 0 <= seconds <= max_seconds:
            self.fail(f"{field}.seconds", "the frame's time is a number of seconds from 0")
        quality = self.quality(f"{field}.quality", raw.get("quality"))
        pdq = self.hex_value(
            f"{field}.pdq", raw.get("pdq"), _PDQ, "a PDQ hash is 64 hexadecimal characters"
        )
        if self.problems or quality is None:
            return None
        return VideoFrame(int(index), float(seconds), quality, pdq)

    def file(self, field: str, raw: Any) -> SubmittedFileInput | None:
        if not isinstance(raw, dict):
            self.fail(field, "each file is an object with its hashes")
            return None
        media = raw.get("media")
        if media not in (SubmittedMedia.IMAGE, SubmittedMedia.VIDEO):
            self.fail(f"{field}.media", "media is 'image' or 'video'")
            return None
        self.unknown(
            f"{field}.", raw, _IMAGE_FIELDS if media == SubmittedMedia.IMAGE else _VIDEO_FIELDS
        )
        md5 = self.hex_value(
            f"{field}.md5", raw.get("md5"), _MD5, "an MD5 hash is 32 hexadecimal characters"
        )
        if media == SubmittedMedia.IMAGE:
            pdq = self.hex_value(
                f"{field}.pdq", raw.get("pdq"), _PDQ, "a PDQ hash is 64 hexadecimal characters"
            )
            quality = self.quality(f"{field}.pdq_quality", raw.get("pdq_quality"))
            return SubmittedFileInput(media=media, md5=md5, pdq=pdq, pdq_quality=quality)
        duration: Any = raw.get("duration")
        if duration is not None and (not _number(duration) or duration < 0):
            self.fail(f"{field}.duration", "a video's duration is a number of seconds from 0")
            duration = None
        frames_raw = raw.get("vpdq")
        limit = int(settings.SELF_REPORT_MAX_VIDEO_FRAMES)
        if not isinstance(frames_raw, list) or not frames_raw:
            self.fail(f"{field}.vpdq", "a video needs its frame hashes (vPDQ), at least one")
            return None
        if len(frames_raw) > limit:
            self.fail(
                f"{field}.vpdq",
                f"at most {limit} frame hashes per video (one per second); got {len(frames_raw)}",
            )
            return None
        frames = []
        for index, frame_raw in enumerate(frames_raw):
            frame = self.frame(f"{field}.vpdq[{index}]", frame_raw, float(limit) * 10)
            if frame is not None:
                frames.append(frame)
        return SubmittedFileInput(
            media=media,
            md5=md5,
            frames=tuple(frames),
            duration=float(duration) if duration is not None else None,
        )


def parse_submission(data: Any) -> SubmissionInput:
    """A removal request from its JSON body, or :class:`InvalidSubmission` naming each bad
    field (``files[2].pdq_quality``). Only hashes are accepted: any other field is refused, so
    no file name, text or content can be stored by mistake."""
    checker = _Checker()
    if not isinstance(data, dict):
        raise InvalidSubmission([FieldProblem("body", "a JSON object with 'files'")])
    checker.unknown("", data, _TOP_FIELDS)
    receipt = data.get("receipt", True)
    if not isinstance(receipt, bool):
        checker.fail("receipt", "receipt is true or false")
    raw_files = data.get("files")
    limit = int(settings.SELF_REPORT_MAX_FILES)
    files: list[SubmittedFileInput] = []
    if not isinstance(raw_files, list) or not raw_files:
        checker.fail("files", "a list of at least one file's hashes")
    elif len(raw_files) > limit:
        checker.fail("files", f"at most {limit} files in one request; got {len(raw_files)}")
    else:
        for index, raw in enumerate(raw_files):
            parsed = checker.file(f"files[{index}]", raw)
            if parsed is not None:
                files.append(parsed)
    if checker.problems:
        raise InvalidSubmission(checker.problems)
    return SubmissionInput(files=tuple(files), receipt=bool(receipt))


# --- the allow-list of known benign images ---------------------------------------------------


@dataclass(frozen=True)
class AllowList:
    md5: frozenset[str]
    pdq: tuple[bytes, ...]

    def holds(self, file: SubmittedFileInput, *, distance: int) -> bool:
        if file.md5 in self.md5:
            return True
        hashes = [file.pdq] if file.pdq else [frame.pdq for frame in file.frames]
        return any(
            hamming_distance(bytes.fromhex(value), known) <= distance
            for value in hashes
            for known in self.pdq
        )


@lru_cache(maxsize=4)
def _read_allow_list(path: str, _mtime: float) -> AllowList:
    md5: set[str] = set()
    pdq: list[bytes] = []
    for number, line in enumerate(Path(path).read_text("utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip().lower()
        if not text:
            continue
        _, _, value = text.rpartition(":")
        if _MD5.match(value):
            md5.add(value)
        elif _PDQ.match(value):
            pdq.append(bytes.fromhex(value))
        else:
            raise ValueError(f"{path}, line {number}: not an MD5 or PDQ hash: {line[:80]!r}")
    return AllowList(frozenset(md5), tuple(pdq))


def allow_list() -> AllowList:
    """The configured allow-list (``HOTLINE_SELF_REPORT_ALLOWLIST_FILE``), re-read when the file
    changes; empty when none is configured."""
    path = str(settings.SELF_REPORT_ALLOWLIST_FILE)
    if not path:
        return AllowList(frozenset(), ())
    return _read_allow_list(path, os.stat(path).st_mtime)


# --- receipts --------------------------------------------------------------------------------


def _groups(length: int) -> str:
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(length))
    return "-".join(chars[i : i + 4] for i in range(0, length, 4))


def _normalise(value: str) -> str:
    """Accept what people type: lower case, spaces, O for 0, I/L for 1."""
    text = value.strip().upper().replace(" ", "")
    return text.replace("O", "0").replace("I", "1").replace("L", "1")


def _new_reference() -> str:
    while True:
        reference = f"RR-{_groups(8)}"
        if not SelfSubmission.objects.filter(reference=reference).exists():
            return reference


def check_self_receipt(reference: str, secret: str) -> SelfSubmission | None:
    """The request a receipt opens, or None (the same answer for a wrong reference or code)."""
    submission = SelfSubmission.objects.filter(reference=reference.strip().upper()).first()
    expected = hash_secret(_normalise(secret))
    if submission is None or not submission.secret_hash:
        hash_secret("timing-equaliser")
        return None
    return submission if hmac.compare_digest(submission.secret_hash, expected) else None


# --- actions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    submission: SelfSubmission
    secret: str  # shown once; empty when no receipt was asked for


def _set_state(submission: SelfSubmission, state: str, *, held_reason: str = "") -> None:
    submission.state = state
    submission.held_reason = held_reason
    submission.state_changed_at = timezone.now()
    submission.save(update_fields=["state", "held_reason", "state_changed_at"])


@transaction.atomic
def submit_self_submission(data: SubmissionInput) -> Submitted:
    """Store a checked removal request with its files' hashes and, when asked, a receipt.

    Shared at once (``self_submission_shared``) unless a file is on the allow-list of known
    benign images: then it is held for a staff check. The audit event holds counts only.
    """
    distance = int(settings.SELF_REPORT_ALLOWLIST_PDQ_DISTANCE)
    benign = allow_list()
    flags = [benign.holds(file, distance=distance) for file in data.files]
    secret = _groups(16) if data.receipt else ""
    submission = SelfSubmission.objects.create(
        reference=_new_reference(),
        secret_hash=hash_secret(_normalise(secret)) if secret else "",
        state=SelfSubmissionState.HELD if any(flags) else SelfSubmissionState.DISTRIBUTED,
        held_reason="a file matches the allow-list of known benign images" if any(flags) else "",
    )
    SelfSubmittedFile.objects.bulk_create(
        SelfSubmittedFile(
            submission=submission,
            position=position,
            media=file.media,
            md5=file.md5,
            pdq=file.pdq,
            pdq_quality=file.pdq_quality,
            vpdq=[[f.frame, f.seconds, f.quality, f.pdq] for f in file.frames],
            duration_seconds=file.duration,
            allowlisted=flag,
        )
        for position, (file, flag) in enumerate(zip(data.files, flags, strict=True))
    )
    record(
        "matching.self_submission.submit",
        actor=None,
        obj=submission,
        detail={
            "files": len(data.files),
            "videos": sum(file.media == SubmittedMedia.VIDEO for file in data.files),
            "receipt": bool(secret),
            "state": submission.state,
        },
    )
    if submission.state == SelfSubmissionState.DISTRIBUTED:
        self_submission_shared.send(SelfSubmissionShared(submission))
    return Submitted(submission, secret)


@transaction.atomic
def withdraw_self_submission(submission: SelfSubmission) -> bool:
    """The person withdraws their request (with its receipt): it leaves every feed
    (``self_submission_withdrawn``). False when it was already withdrawn."""
    locked = SelfSubmission.objects.select_for_update().get(pk=submission.pk)
    if locked.state == SelfSubmissionState.WITHDRAWN:
        return False
    _set_state(locked, SelfSubmissionState.WITHDRAWN)
    submission.refresh_from_db()
    record("matching.self_submission.withdraw", actor=None, obj=locked)
    self_submission_withdrawn.send(SelfSubmissionWithdrawn(locked))
    return True


class NotHeld(Exception):
    """Only a held request can be released or rejected."""


@transaction.atomic
def release_self_submission(submission: SelfSubmission, *, acting_user: User) -> None:
    """Staff checked a held request and found it is no benign image: it is shared now."""
    locked = SelfSubmission.objects.select_for_update().get(pk=submission.pk)
    if locked.state != SelfSubmissionState.HELD:
        raise NotHeld(f"{locked.reference} is not held")
    _set_state(locked, SelfSubmissionState.DISTRIBUTED)
    submission.refresh_from_db()
    record("matching.self_submission.release", actor=acting_user, obj=locked)
    self_submission_shared.send(SelfSubmissionShared(locked))


@transaction.atomic
def reject_self_submission(submission: SelfSubmission, *, acting_user: User) -> None:
    """Staff checked a held request: it is not shared (e.g. a widely shared benign image sent
    to get it blocked everywhere)."""
    locked = SelfSubmission.objects.select_for_update().get(pk=submission.pk)
    if locked.state != SelfSubmissionState.HELD:
        raise NotHeld(f"{locked.reference} is not held")
    _set_state(locked, SelfSubmissionState.REJECTED)
    submission.refresh_from_db()
    record("matching.self_submission.reject", actor=acting_user, obj=locked)


class NeverShared(Exception):
    """A platform reported removals for hashes we never shared."""


@transaction.atomic
def record_platform_removals(
    file: SelfSubmittedFile, *, removed: int, credential: ApiCredential
) -> PlatformRemovalReport:
    """A platform matched this file's hashes and removed ``removed`` items; counted on the
    receipt's status page (the total only, never where). Withdrawn requests still count what
    was removed while they were shared."""
    state = file.submission.state
    if state in (SelfSubmissionState.HELD, SelfSubmissionState.REJECTED):
        raise NeverShared("these hashes were never shared")
    report = PlatformRemovalReport.objects.create(file=file, credential=credential, removed=removed)
    record(
        "matching.self_submission.removals_reported",
        actor=credential,
        obj=file.submission,
        detail={"file": file.position, "removed": removed},
    )
    return report


# --- reads -----------------------------------------------------------------------------------


def removals_reported(submission: SelfSubmission) -> int:
    """How many items platforms say they removed for this request, over all its files."""
    total = PlatformRemovalReport.objects.filter(file__submission=submission).aggregate(
        total=Sum("removed")
    )["total"]
    return int(total or 0)


def state_counts() -> dict[str, int]:
    """How many requests are in each state (the staff page's figures)."""
    rows = SelfSubmission.objects.values("state").annotate(n=Count("pk"))
    counts = dict.fromkeys(SelfSubmissionState.values, 0)
    counts.update({row["state"]: row["n"] for row in rows})
    return counts
