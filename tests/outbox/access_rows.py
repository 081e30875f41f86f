"""Access-matrix rows for the outbox page (merged into tests/test_access_matrix.py)."""

from __future__ import annotations

from typing import Any

from hotline.outbox.actions import enqueue
from tests.access import Row, staff
from tests.conftest import World


def _message(world: World) -> dict[str, Any]:
    message = enqueue("email", "police@example.test", {"subject": "matrix", "body": "matrix"})
    return {"pk": message.pk, "action": "retry"}


ROWS: dict[str, Row] = {
    "outbox:outbox": Row(staff("charlie", "erin")),
    # POST only: a GET is refused with 405 after the role check.
    "outbox:act": Row(staff("charlie", "erin", status=405), kwargs=_message),
}
