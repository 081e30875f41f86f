"""Access-matrix rows for the partner onboarding pages (administrators only)."""

from __future__ import annotations

from typing import Any

from hotline.routing.federation.actions import add_partner
from hotline.routing.federation.keys import generate_private_key, public_key_to_text
from tests.access import Row, staff
from tests.conftest import World
from tests.instances import free_port


def _partner(world: World) -> dict[str, Any]:
    # A loopback port nothing listens on: the ping fails at once and leaves this machine never.
    partner = add_partner(
        name=world.hotline_b.name,
        country="DE",
        base_url=f"http://127.0.0.1:{free_port()}",
        public_key=public_key_to_text(generate_private_key().public_key()),
        acting_user=None,
    )
    return {"pk": partner.pk}


ROWS: dict[str, Row] = {
    "routing:partners": Row(staff("erin")),
    "routing:partner_add": Row(staff("erin")),
    "routing:partner": Row(staff("erin"), kwargs=_partner),
    "routing:partner_ping": Row(staff("erin"), kwargs=_partner, method="post"),
    # An empty form: refused naming its fields (400) for the administrator, 403 for the others.
    "routing:partner_replace_key": Row(staff("erin", status=400), kwargs=_partner, method="post"),
    # No previous key to retire: back to the partner page with the reason.
    "routing:partner_retire_key": Row(staff("erin", status=302), kwargs=_partner, method="post"),
    "routing:partner_state": Row(staff("erin", status=400), kwargs=_partner, method="post"),
}
