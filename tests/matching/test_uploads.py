"""Optional media: encrypted at rest, blurred previews, audited clear view, purge, key rotation.
All images are generated here: benign shapes and gradients."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import struct
import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFilter, ImageStat

from hotline.audit.models import AuditEvent
from hotline.cases.actions import FileInput, ReportInput, file_report
from hotline.cases.media import attach_media
from hotline.cases.models import Channel, Concern, Item
from hotline.matching.errors import MediaTooLarge, UnsupportedMedia
from hotline.matching.models import MediaFile
from hotline.matching.uploads import (
    HashMismatch,
    UploadsDisabled,
    purge_expired,
    rotate_keys,
)
from tests.conftest import World, signed_in

pytestmark = pytest.mark.django_db


def key(name: str) -> str:
    return f"{name}:{base64.b64encode(os.urandom(32)).decode()}"


@pytest.fixture
def uploads(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_UPLOADS = True
    settings.MEDIA_KEYS = key("k1")
    settings.MEDIA_DIR = str(tmp_path / "media")
    return tmp_path / "media"


def benign_jpeg() -> bytes:
    image = Image.new("RGB", (640, 480), "white")
    draw = ImageDraw.Draw(image)
    for i in range(0, 640, 40):
        draw.rectangle([i, 0, i + 20, 480], fill=(i % 255, 120, 200))
    draw.ellipse([200, 140, 440, 340], fill=(250, 200, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def edge_energy(image: Image.Image) -> float:
    return float(ImageStat.Stat(image.filter(ImageFilter.FIND_EDGES)).mean[0])


def file_item(data: bytes) -> Item:
    return file_report(
        ReportInput(
            channel=Channel.COMPANY_API,
            concern=Concern.CSAM,
            files=[FileInput(sha256=hashlib.sha256(data).hexdigest())],
        ),
        actor=None,
    ).new_items[0]


def test_upload_is_refused_when_the_instance_keeps_hashes_only(world: World) -> None:
    data = benign_jpeg()

    with pytest.raises(UploadsDisabled):
        attach_media(file_item(data), io.BytesIO(data), actor=world.alice)
    assert MediaFile.objects.count() == 0


def test_stored_file_is_encrypted_and_preview_blurred_and_grey(world: World, uploads: Path) -> None:
    data = benign_jpeg()
    item = file_item(data)

    media = attach_media(item, io.BytesIO(data), actor=world.alice)

    stored = sorted(p.name for p in uploads.iterdir())
    assert stored == [f"{media.stored_name}-k1", f"{media.stored_name}-k1.preview"]
    ciphertext = (uploads / stored[0]).read_bytes()
    assert not ciphertext.startswith(b"\xff\xd8")
    assert data not in ciphertext
    response = signed_in(world.alice).get(f"/staff/media/{media.pk}/preview.jpg")
    with Image.open(io.BytesIO(response.content)) as preview:
        assert preview.mode == "L"
        assert max(preview.size) <= 320
        blurred_edges = edge_energy(preview)
    with Image.open(io.BytesIO(data)) as original:
        sharp = original.convert("L")
        sharp.thumbnail((320, 320))
    assert blurred_edges < edge_energy(sharp) / 4  # most detail is gone
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="media.preview", object_id=str(media.pk)).count() == 1


def test_clear_view_is_one_audited_post_and_can_be_switched_off(
    world: World, uploads: Path, settings: Any
) -> None:
    data = benign_jpeg()
    media = attach_media(file_item(data), io.BytesIO(data), actor=world.alice)
    client = signed_in(world.alice)

    assert client.get(f"/staff/media/{media.pk}/clear/").status_code == 405
    response = client.post(f"/staff/media/{media.pk}/clear/")
    assert response.content == data
    assert AuditEvent.objects.filter(action="media.clear_view", actor="user:alice").count() == 1

    settings.MEDIA_CLEAR_VIEW = False
    assert client.post(f"/staff/media/{media.pk}/clear/").status_code == 404


def test_partner_staff_cannot_see_previews(world: World, uploads: Path) -> None:
    data = benign_jpeg()
    media = attach_media(file_item(data), io.BytesIO(data), actor=world.alice)

    assert signed_in(world.bob).get(f"/staff/media/{media.pk}/preview.jpg").status_code == 403


def test_file_must_be_the_one_the_hashes_describe(world: World, uploads: Path) -> None:
    item = file_item(b"something else entirely")

    with pytest.raises(HashMismatch):
        attach_media(item, io.BytesIO(benign_jpeg()), actor=world.alice)
    assert list(uploads.glob("*")) == []


def test_type_is_judged_by_content_not_name(world: World, uploads: Path) -> None:
    with pytest.raises(UnsupportedMedia, match="judged by content"):
        attach_media(
            file_item(b"x"), io.BytesIO(b"<html>not an image</html>" * 10), actor=world.alice
        )


def test_size_limit_stops_the_stream(world: World, uploads: Path, settings: Any) -> None:
    settings.MEDIA_MAX_BYTES = 10_000
    data = benign_jpeg()

    with pytest.raises(MediaTooLarge, match="larger than the upload limit"):
        attach_media(file_item(data), io.BytesIO(data + b"\0" * 20_000), actor=world.alice)


def decompression_bomb_png(width: int = 60_000, height: int = 60_000) -> bytes:
    """A tiny PNG whose header claims billions of pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused_and_nothing_stored(world: World, uploads: Path) -> None:
    bomb = decompression_bomb_png()

    with pytest.raises(MediaTooLarge):
        attach_media(file_item(bomb), io.BytesIO(bomb), actor=world.alice)
    assert MediaFile.objects.count() == 0


def test_expired_media_is_purged_and_hashes_stay(world: World, uploads: Path) -> None:
    data = benign_jpeg()
    item = file_item(data)
    media = attach_media(item, io.BytesIO(data), actor=world.alice)
    MediaFile.objects.filter(pk=media.pk).update(purge_after=timezone.now() - timedelta(seconds=1))

    assert purge_expired() == 1

    assert list(uploads.glob("*")) == []
    assert Item.objects.get(pk=item.pk).sha256 == hashlib.sha256(data).hexdigest()
    assert signed_in(world.alice).get(f"/staff/media/{media.pk}/preview.jpg").status_code == 404


def test_key_rotation_re_encrypts_and_old_key_can_then_go(
    world: World, uploads: Path, settings: Any
) -> None:
    data = benign_jpeg()
    media = attach_media(file_item(data), io.BytesIO(data), actor=world.alice)
    old = settings.MEDIA_KEYS
    settings.MEDIA_KEYS = f"{key('k2')},{old}"

    assert rotate_keys() == 1
    settings.MEDIA_KEYS = settings.MEDIA_KEYS.split(",")[0]  # the old key is dropped

    assert sorted(p.name for p in uploads.iterdir()) == [
        f"{media.stored_name}-k2",
        f"{media.stored_name}-k2.preview",
    ]
    response = signed_in(world.alice).post(f"/staff/media/{media.pk}/clear/")
    assert response.content == data
