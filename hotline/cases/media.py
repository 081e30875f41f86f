"""Media attached to an item: what the item expects of an uploaded file.

Storage, encryption and previews are matching's (``hotline.matching.uploads``), which knows
nothing of cases; this module says which item a file belongs to and which hashes it must have.
"""

from __future__ import annotations

from typing import IO

from hotline.accounts.models import ApiCredential, User
from hotline.cases.models import Item, ItemKind
from hotline.matching.models import MediaFile
from hotline.matching.uploads import store_media


def attach_media(item: Item, stream: IO[bytes], *, actor: User | ApiCredential) -> MediaFile:
    """Store an uploaded file for a file item (its hashes must match) or as a capture of a URL
    item (stored with the URL item). Nothing is stored when anything is wrong."""
    expected = None
    if item.kind == ItemKind.FILE:
        expected = {k: getattr(item, k) for k in ("md5", "sha1", "sha256") if getattr(item, k)}
    return store_media(item.pk, stream, actor=actor, expected_hashes=expected)
