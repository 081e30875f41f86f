"""Access-matrix rows for the accounts app's credential pages (administrators only)."""

from __future__ import annotations

from typing import Any

from hotline.accounts.models import ApiCredential
from tests.access import Row, staff
from tests.conftest import World


def _feed_credential(world: World) -> dict[str, Any]:
    return {"pk": ApiCredential.objects.get(key_id=world.feed_token.split("_")[1]).pk}


ROWS: dict[str, Row] = {
    "accounts:credentials": Row(staff("erin")),
    "accounts:credential_issue": Row(staff("erin")),
    "accounts:credential": Row(staff("erin"), kwargs=_feed_credential),
    # an empty form: nothing rotated or revoked, back to the credential page
    "accounts:credential_rotate": Row(
        staff("erin", status=302), kwargs=_feed_credential, method="post"
    ),
    "accounts:credential_revoke": Row(
        staff("erin", status=302), kwargs=_feed_credential, method="post"
    ),
}
