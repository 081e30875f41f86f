"""Every write to hash lists: create, switch on/off, remove entries, import; and export."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hotline.accounts.models import ApiCredential, User
from hotline.audit.actions import record
from hotline.matching.errors import InvalidHash
from hotline.matching.formats import HashRecord, ParseNotice, ParseProblem, get_format
from hotline.matching.formats.base import make_record
from hotline.matching.models import (
    HashEntry,
    HashList,
    HashListSource,
    TrustLevel,
    VideoHash,
    VpdqFrame,
)
from hotline.matching.vpdq.features import VpdqFeature, duration, to_text

Actor = User | ApiCredential | None
BATCH_SIZE = 2000
# Problems kept in full in a result; past this only their number is kept.
MAX_REPORTED_PROBLEMS = 1000


@dataclass
class ImportResult:
    """What an import did: records read, entries added, duplicates skipped, problems and notices."""

    read: int = 0
    added: int = 0
    duplicates: int = 0
    problem_count: int = 0
    problems: list[ParseProblem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.read} read, {self.added} added, {self.duplicates} already in the list,"
            f" {self.problem_count} rejected"
        )


class ImportAborted(Exception):
    """A strict import met a problem; nothing was stored."""

    def __init__(self, problem: ParseProblem, result: ImportResult) -> None:
        super().__init__(f"import aborted, nothing stored: {problem}")
        self.problem = problem
        self.result = result


@transaction.atomic
def create_hash_list(
    *,
    name: str,
    source: str = HashListSource.IMPORTED,
    trust_level: int = TrustLevel.MEDIUM,
    category_mapping: dict[str, str] | None = None,
    description: str = "",
    acting_user: Actor,
) -> HashList:
    """Create a hash list (enabled) and record it in the audit log."""
    hash_list = HashList.objects.create(
        name=name,
        source=source,
        trust_level=trust_level,
        category_mapping=category_mapping or {},
        description=description,
    )
    record("matching.hashlist.created", actor=acting_user, obj=hash_list, detail={"name": name})
    return hash_list


@transaction.atomic
def set_hash_list_enabled(hash_list: HashList, *, enabled: bool, acting_user: Actor) -> None:
    """Switch a list on or off for matching; index workers reconcile it on their next refresh."""
    HashList.objects.filter(pk=hash_list.pk).update(enabled=enabled, revision=F("revision") + 1)
    hash_list.refresh_from_db(fields=["enabled", "revision"])
    record(
        "matching.hashlist.enabled" if enabled else "matching.hashlist.disabled",
        actor=acting_user,
        obj=hash_list,
    )


@transaction.atomic
def remove_entries(hash_list: HashList, *, values: list[str], acting_user: Actor) -> int:
    """Remove entries with these hex values from a list; returns how many went."""
    lowered = [value.strip().lower() for value in values]
    _, per_model = HashEntry.objects.filter(hash_list=hash_list, value__in=lowered).delete()
    removed = per_model.get(HashEntry._meta.label, 0)  # a video's frames go with it, uncounted
    HashList.objects.filter(pk=hash_list.pk).update(revision=F("revision") + 1)
    record(
        "matching.hashlist.entries_removed",
        actor=acting_user,
        obj=hash_list,
        detail={"removed": removed},
    )
    return removed


def _store_batch(
    hash_list: HashList, batch: list[HashRecord], *, source_file: str, format_name: str
) -> tuple[int, int]:
    """Insert the records not yet in the list; returns (added, duplicates)."""
    unique: dict[tuple[str, str], HashRecord] = {}
    for item in batch:
        unique.setdefault((item.algorithm, item.value), item)
    existing = set(
        HashEntry.objects.filter(
            hash_list=hash_list, value__in={value for _, value in unique}
        ).values_list("algorithm", "value")
    )
    now = timezone.now()
    new = [
        HashEntry(
            hash_list=hash_list,
            algorithm=item.algorithm,
            value=item.value,
            quality=item.quality,
            category=item.category,
            source_file=source_file[:300],
            source_format=format_name,
            source_location=item.location[:100],
            source_reference=item.reference[:200],
            imported_at=now,
            first_seen=item.first_seen or now,
        )
        for key, item in unique.items()
        if key not in existing
    ]
    HashEntry.objects.bulk_create(new, batch_size=BATCH_SIZE)
    videos = [entry for entry in new if entry.algorithm == "vpdq"]
    if videos:
        if videos[0].pk is None:  # backends that do not return ids from bulk inserts
            ids = dict(
                HashEntry.objects.filter(
                    hash_list=hash_list, algorithm="vpdq", value__in=[e.value for e in videos]
                ).values_list("value", "id")
            )
            for entry in videos:
                entry.pk = ids[entry.value]
        store_video_frames(
            [(entry, unique[(entry.algorithm, entry.value)].features) for entry in videos]
        )
    return len(new), len(batch) - len(new)


def store_video_frames(videos: list[tuple[HashEntry, tuple[VpdqFeature, ...]]]) -> None:
    """Write the frames of new ``vpdq`` entries (in the transaction that creates them: the
    index sync loads a video's frames with its entry)."""
    VpdqFrame.objects.bulk_create(
        (
            VpdqFrame(
                entry=entry,
                frame_number=feature.frame_number,
                timestamp=feature.timestamp,
                pdq=feature.pdq,
                quality=feature.quality,
            )
            for entry, features in videos
            for feature in features
        ),
        batch_size=BATCH_SIZE,
    )


@transaction.atomic
def add_video_hash(
    hash_list: HashList,
    *,
    features: tuple[VpdqFeature, ...],
    video_id: str = "",
    category: str = "",
    reference: str = "",
    source_format: str = "",
    acting_user: Actor,
) -> tuple[HashEntry, bool]:
    """Add a video's vPDQ to a list: an entry ``vpdq:<video_id>`` with one row per frame.

    ``video_id`` is the video's MD5 (or empty: the MD5 of the frames' text form). Returns
    the entry and whether it was created; a video already in the list is left as it is.
    Raises :class:`~hotline.matching.errors.InvalidHash` for a bad id or no frames.
    """
    made = make_record(
        "vpdq",
        video_id,
        location="video",
        category=category,
        reference=reference,
        features=features,
    )
    if isinstance(made, ParseProblem):
        raise InvalidHash(made.message)
    existing = HashEntry.objects.filter(hash_list=hash_list, algorithm="vpdq", value=made.value)
    if found := existing.first():
        return found, False
    entry = HashEntry.objects.create(
        hash_list=hash_list,
        algorithm="vpdq",
        value=made.value,
        category=category,
        source_format=source_format,
        source_reference=reference[:200],
    )
    store_video_frames([(entry, made.features)])
    record(
        "matching.hashlist.video_added",
        actor=acting_user,
        obj=hash_list,
        detail={"entry": entry.pk, "frames": len(made.features)},
    )
    return entry, True


@transaction.atomic
def import_hash_list(
    hash_list: HashList,
    stream: BinaryIO,
    *,
    format_name: str,
    source_file: str = "",
    strict: bool = False,
    acting_user: Actor,
    progress: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Import a hash list file into ``hash_list``, streaming, in one transaction.

    Bad records are reported with their location and skipped; the good ones are
    stored. With ``strict`` the first bad record raises :class:`ImportAborted`
    and nothing is stored. Entries already in the list are counted, not stored
    twice. ``progress`` is called after every batch.
    """
    fmt = get_format(format_name)
    result = ImportResult()
    batch: list[HashRecord] = []
    for item in fmt.parse(stream):
        if isinstance(item, ParseNotice):
            result.notices.append(item.message)
            continue
        result.read += 1
        if isinstance(item, ParseProblem):
            result.problem_count += 1
            if len(result.problems) < MAX_REPORTED_PROBLEMS:
                result.problems.append(item)
            if strict:
                raise ImportAborted(item, result)
            continue
        batch.append(item)
        if len(batch) >= BATCH_SIZE:
            added, duplicates = _store_batch(
                hash_list, batch, source_file=source_file, format_name=fmt.name
            )
            result.added += added
            result.duplicates += duplicates
            batch = []
            if progress is not None:
                progress(result)
    if batch:
        added, duplicates = _store_batch(
            hash_list, batch, source_file=source_file, format_name=fmt.name
        )
        result.added += added
        result.duplicates += duplicates
    if progress is not None:
        progress(result)
    record(
        "matching.hashlist.imported",
        actor=acting_user,
        obj=hash_list,
        detail={
            "format": fmt.name,
            "file": source_file,
            "read": result.read,
            "added": result.added,
            "duplicates": result.duplicates,
            "rejected": result.problem_count,
        },
    )
    return result


def _records(hash_list: HashList) -> Iterator[HashRecord]:
    entries = HashEntry.objects.filter(hash_list=hash_list).order_by("id")
    for entry in entries.iterator(chunk_size=BATCH_SIZE):
        yield HashRecord(
            algorithm=entry.algorithm,
            value=entry.value,
            quality=entry.quality,
            category=entry.category,
            reference=entry.source_reference,
            first_seen=entry.first_seen,
            features=video_features(entry) if entry.algorithm == "vpdq" else (),
        )


def video_features(entry: HashEntry) -> tuple[VpdqFeature, ...]:
    """The frames of a ``vpdq`` entry, in frame order."""
    rows = VpdqFrame.objects.filter(entry=entry).order_by("frame_number")
    return tuple(
        VpdqFeature(number, quality, pdq, timestamp)
        for number, quality, pdq, timestamp in rows.values_list(
            "frame_number", "quality", "pdq", "timestamp"
        )
    )


def export_hash_list(
    hash_list: HashList, out: BinaryIO, *, format_name: str, acting_user: Actor
) -> int:
    """Write a list's entries to ``out`` in a registered format; the export is audited."""
    fmt = get_format(format_name)
    written = fmt.export(_records(hash_list), out)
    record(
        "matching.hashlist.exported",
        actor=acting_user,
        obj=hash_list,
        detail={"format": fmt.name, "written": written},
    )
    return written


@transaction.atomic
def remember_video_hash(md5: str, features: tuple[VpdqFeature, ...], *, actor: Actor) -> VideoHash:
    """Keep the vPDQ of a video we were given, under its MD5, for matching it later.

    The same video twice keeps the first hash (the same bytes hash the same way).
    """
    video, created = VideoHash.objects.get_or_create(
        md5=md5.strip().lower(),
        defaults={
            "features": to_text(features),
            "frame_count": len(features),
            "duration": duration(features),
        },
    )
    if created:
        record(
            "matching.video_hashed",
            actor=actor,
            obj=video,
            detail={"frames": video.frame_count, "duration": video.duration},
        )
    return video
