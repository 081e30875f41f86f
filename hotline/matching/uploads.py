"""Optional media uploads: streamed with a size limit, typed by content, hashed while they
stream, checked against decompression bombs, encrypted at rest, previewed blurred."""

from __future__ import annotations

import io
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from PIL import Image, ImageFilter

from hotline.accounts.models import ApiCredential, User
from hotline.audit.actions import describe_actor, record
from hotline.files import replaced
from hotline.matching.actions import remember_video_hash
from hotline.matching.encryption import Sealed, current_key_id, seal, unseal
from hotline.matching.errors import MalformedMedia, MatchingError, MediaTooLarge
from hotline.matching.hashing import MediaHasher
from hotline.matching.models import MediaFile

PREVIEW_SIZE = 320
PREVIEW_BLUR_RADIUS = 12
CHUNK = 64 * 1024


class UploadsDisabled(MatchingError):
    """This instance keeps hashes only; media uploads are switched off."""


class HashMismatch(MatchingError):
    """The uploaded file is not the file the item's hashes describe."""


def media_root() -> Path:
    root = Path(settings.MEDIA_DIR)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def _write_atomically(name: str, data: bytes) -> None:
    with replaced(media_root() / name, mode=0o600, encoding=None) as out:
        out.write(data)


def read_limited(stream: IO[bytes]) -> tuple[bytes, MediaHasher]:
    """Read at most MEDIA_MAX_BYTES, hashing as it streams; refuse the rest at once."""
    hasher = MediaHasher()
    buffer = io.BytesIO()
    limit = settings.MEDIA_MAX_BYTES
    while chunk := stream.read(CHUNK):
        if buffer.tell() + len(chunk) > limit:
            raise MediaTooLarge(f"larger than the upload limit of {limit // (1024 * 1024)} MB")
        hasher.update(chunk)  # raises UnsupportedMedia on the first bytes of a wrong type
        buffer.write(chunk)
    return buffer.getvalue(), hasher


def blurred_preview(data: bytes) -> bytes:
    """A small greyscale, heavily blurred JPEG: enough to judge layout, not to see detail."""
    Image.MAX_IMAGE_PIXELS = settings.MATCHING_MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("L", (PREVIEW_SIZE * 2, PREVIEW_SIZE * 2))
            preview = image.convert("L")
            preview.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE))
            preview = preview.filter(ImageFilter.GaussianBlur(PREVIEW_BLUR_RADIUS))
    except Image.DecompressionBombError as exc:
        raise MediaTooLarge(f"image too large to decode safely ({exc})") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise MalformedMedia(f"the image cannot be decoded: {exc}") from None
    out = io.BytesIO()
    preview.save(out, "JPEG", quality=60)
    return out.getvalue()


@transaction.atomic
def store_media(
    item_id: int,
    stream: IO[bytes],
    *,
    actor: User | ApiCredential,
    expected_hashes: Mapping[str, str] | None = None,
) -> MediaFile:
    """Store an uploaded file, encrypted, with a blurred preview, for the item ``item_id``.
    With ``expected_hashes`` (algorithm → hex) the file must match one of them. Nothing is
    stored when anything is wrong. Cases' ``attach_media`` says what the item expects.
    A video's vPDQ is kept (``VideoHash``) in the same transaction; a video ffmpeg cannot
    decode is refused like a broken image."""
    if not settings.MEDIA_UPLOADS:
        raise UploadsDisabled("media uploads are switched off on this instance: send hashes only")
    data, hasher = read_limited(stream)
    hashes = hasher.finish()  # MalformedMedia / MediaTooLarge for bad or oversized images
    values = {name: value.value for name, value in hashes.values.items()}
    if expected_hashes is not None and not any(
        values.get(k) == v for k, v in expected_hashes.items()
    ):
        raise HashMismatch("this file's hashes differ from the item's: it is not the reported file")
    video = hashes.get("vpdq")
    if video is not None:
        remember_video_hash(video.value, video.features, actor=actor)
    preview = blurred_preview(data) if hashes.media_type.is_image else None
    stored_name = secrets.token_hex(16)
    sealed = seal(data, associated=stored_name)
    sealed_preview = seal(preview, associated=f"{stored_name}.preview") if preview else None
    media = MediaFile.objects.create(
        item_id=item_id,
        stored_name=stored_name,
        key_id=sealed.key_id,
        nonce=sealed.nonce,
        preview_key_id=sealed_preview.key_id if sealed_preview else "",
        preview_nonce=sealed_preview.nonce if sealed_preview else None,
        media_type=hashes.media_type.mime,
        size=hashes.size,
        uploaded_by=describe_actor(actor)[0],
        purge_after=timezone.now() + timedelta(days=settings.MEDIA_RETENTION_DAYS),
    )
    # Files are written last: if this transaction fails, only unreferenced ciphertext remains.
    _write_atomically(_file_name(stored_name, sealed.key_id, preview=False), sealed.ciphertext)
    if sealed_preview is not None:
        _write_atomically(
            _file_name(stored_name, sealed_preview.key_id, preview=True), sealed_preview.ciphertext
        )
    record(
        "media.upload",
        actor=actor,
        obj=media,
        detail={"item": item_id, "type": media.media_type, "size": media.size},
    )
    return media


def _file_name(stored_name: str, key_id: str, *, preview: bool) -> str:
    """One file per key: rotation writes the new one, commits, then deletes the old, so a
    crash at any point leaves a file the database can read."""
    return f"{stored_name}-{key_id}" + (".preview" if preview else "")


def _associated(media: MediaFile, *, preview: bool) -> str:
    return f"{media.stored_name}.preview" if preview else media.stored_name


def _read(media: MediaFile, *, preview: bool) -> bytes:
    key_id = media.preview_key_id if preview else media.key_id
    ciphertext = (
        media_root() / _file_name(media.stored_name, key_id, preview=preview)
    ).read_bytes()
    nonce = bytes(media.preview_nonce if preview else media.nonce)  # type: ignore[arg-type]
    return unseal(Sealed(key_id, nonce, ciphertext), associated=_associated(media, preview=preview))


def preview_bytes(media: MediaFile, *, acting_user: User) -> bytes:
    """The blurred preview (audited)."""
    record("media.preview", actor=acting_user, obj=media)
    return _read(media, preview=True)


def clear_bytes(media: MediaFile, *, acting_user: User) -> bytes:
    """The file itself: a deliberate act, audited, and only where the instance allows it."""
    if not settings.MEDIA_CLEAR_VIEW:
        raise PermissionError("the clear view is switched off on this instance")
    record("media.clear_view", actor=acting_user, obj=media)
    return _read(media, preview=False)


def expired_media(now: datetime, *, keep_items: QuerySet[Any] | None = None) -> QuerySet[MediaFile]:
    """Stored files past their retention period, except those of ``keep_items`` (ids of items
    an open case or a police hold still needs; the layer above decides which)."""
    due = MediaFile.objects.filter(purged_at__isnull=True, purge_after__lte=now)
    if keep_items is not None:
        due = due.exclude(item_id__in=keep_items)
    return due


@transaction.atomic
def purge_expired(
    *,
    keep_items: QuerySet[Any] | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> int:
    """Delete stored files past their retention period; the record and hashes stay. Returns how
    many (in a dry run, how many would be)."""
    now = now or timezone.now()
    if dry_run:
        return expired_media(now, keep_items=keep_items).count()
    due = list(expired_media(now, keep_items=keep_items).select_for_update())
    for media in due:
        for path in media_root().glob(f"{media.stored_name}-*"):
            path.unlink()
        MediaFile.objects.filter(pk=media.pk).update(purged_at=now)
        record("media.purge", actor=None, obj=media)
    return len(due)


def rotate_keys() -> int:
    """Re-encrypt every stored file (and preview) with the current key."""
    target = current_key_id()
    rotated = 0
    stale = MediaFile.objects.filter(purged_at__isnull=True).exclude(
        key_id=target, preview_key_id__in=[target, ""]
    )
    for media in stale:
        old_files = [_file_name(media.stored_name, media.key_id, preview=False)]
        sealed = seal(_read(media, preview=False), associated=_associated(media, preview=False))
        _write_atomically(
            _file_name(media.stored_name, sealed.key_id, preview=False), sealed.ciphertext
        )
        fields: dict[str, object] = {"key_id": sealed.key_id, "nonce": sealed.nonce}
        if media.preview_nonce is not None:
            old_files.append(_file_name(media.stored_name, media.preview_key_id, preview=True))
            preview = seal(_read(media, preview=True), associated=_associated(media, preview=True))
            _write_atomically(
                _file_name(media.stored_name, preview.key_id, preview=True), preview.ciphertext
            )
            fields |= {"preview_key_id": preview.key_id, "preview_nonce": preview.nonce}
        with transaction.atomic():
            MediaFile.objects.filter(pk=media.pk).update(**fields)
            record("media.rotate_key", actor=None, obj=media, detail={"key_id": target})
        for name in old_files:
            if not name.startswith(f"{media.stored_name}-{target}"):
                (media_root() / name).unlink(missing_ok=True)
        rotated += 1
    return rotated
