"""The database ``NonceStore``: every web process and server shares one memory of used nonces.

Record-and-check is one insert into a table with a unique constraint on (key id, nonce): the
insert that loses a race gets the integrity error and answers "seen", so two concurrent
deliveries of one signed request cannot both pass (``hotline.routing.nonces`` has the rules).
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from hotline.routing.models import SignatureNonce


class DatabaseNonceStore:
    """A ``NonceStore`` in the ``SignatureNonce`` table."""

    def seen(self, key_id: str, nonce: str, until: datetime) -> bool:
        """Record the pair until ``until``; return True if it was already recorded."""
        try:
            with transaction.atomic():
                SignatureNonce.objects.create(key_id=key_id, nonce=nonce, expires_at=until)
        except IntegrityError:
            return True
        return False


@transaction.atomic
def purge_expired_nonces(*, now: datetime | None = None) -> int:
    """Forget the nonces whose signatures would be refused as expired anyway (periodic)."""
    deleted, _ = SignatureNonce.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
