"""Media attached to an item: what the item expects of an uploaded file.

Storage, encryption and previews are matching's (``hotline.matching.uploads``), which knows
nothing of cases; this module says which item a file belongs to and which hashes it must have.
"""

from __future__ import annotations

from typing import IO

from django.db import transaction

from hotline.accounts.models import ApiCredential, User
from hotline.cases.models import Item, ItemKind
from hotline.cases.tasks import enrich_item
from hotline.matching.models import MediaFile
from hotline.matching.uploads import store_media


@transaction.atomic
def attach_media(item: Item, stream: IO[bytes], *, actor: User | ApiCredential) -> MediaFile:
    """Store an uploaded file for a file item (its hashes must match) or as a capture of a URL
    item (stored with the URL item). Nothing is stored when anything is wrong. A video's
    item is enriched again, so its vPDQ is matched against the hash lists."""
    expected = None
    if item.kind == ItemKind.FILE:
        expected = {k: getattr(item, k) for k in ("md5", "sha1", "sha256") if getattr(item, k)}
    media = store_media(item.pk, stream, actor=actor, expected_hashes=expected)
    if media.media_type.startswith("video/") and item.kind == ItemKind.FILE:
        # Its vPDQ is known only now: match the item again (in this transaction, as at filing).
        enrich_item.enqueue(item_id=item.pk)
    return media
