"""THE PROOF: two live Hotline instances federating over loopback.

Hotline FR (A) and Hotline DE (B) each run their own web server and worker on 127.0.0.1,
with their own SQLite database and key, and know each other only through
``hotline federation add-partner``. A report in A about content hosted in DE (the demo
network's forum.example.test) travels A's outbox to B's inbox; B's acknowledgement and
statuses travel B's outbox back. Then B goes offline for a while, and nothing is lost.

The scheduler is left out: its liveness checks would try to reach the demo network's
addresses (198.51.100.0/24), and nothing in this test may leave 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hotline.routing.federation.protocol import INBOX_PATH
from tests.instances import Instance, in_parallel, script_args
from tests.processes import wait_for

FAST = {
    "HOTLINE_OUTBOX_BACKOFF_SECONDS": "1",
    "HOTLINE_OUTBOX_LEASE_SECONDS": "5",
    "HOTLINE_OUTBOX_HTTP_TIMEOUT": "5",
}

SET_UP = """
from django.conf import settings
from hotline.accounts.actions import create_organisation, create_user
own = create_organisation(
    name=settings.INSTANCE_NAME, kind="hotline", country=settings.INSTANCE_COUNTRY,
    is_own=True, acting_user=None,
)
create_user(username="analyst", password=None, organisation=own, roles=["analyst"], acting_user=None)
"""

FILE_REPORT = """
from hotline.cases.actions import ReportInput, file_report
filed = file_report(
    ReportInput(
        channel="public_web", concern="csam", urls=[url],
        description="Reporter Yolanda Brisket saw this at work",
        contact="yolanda.brisket@example.test", consent_to_contact=True,
    ),
    actor=None,
)
print(json.dumps({"item": filed.new_items[0].pk}))
"""

ASSESS = """
from hotline.accounts.models import User
from hotline.cases.actions import Verdict, assess_item
from hotline.cases.models import Item
assess_item(
    Item.objects.get(pk=item),
    Verdict(legality="baseline", scheme="inhope", severity="baseline", age_group="prepubescent"),
    acting_user=User.objects.get(username="analyst"),
)
"""

ASSESS_AND_CONFIRM_REMOVAL = """
from hotline.accounts.models import User
from hotline.cases.actions import Verdict, assess_item
from hotline.cases.models import Report
from hotline.takedown.actions import confirm_removed
analyst = User.objects.get(username="analyst")
item = Report.objects.get(channel="partner", external_id=reference).report_items.get().item
assess_item(
    item,
    Verdict(legality="baseline", scheme="inhope", severity="baseline", age_group="prepubescent"),
    acting_user=analyst,
)
confirm_removed(item, source="hosting provider", acting_user=analyst)
item.refresh_from_db()
print(json.dumps({"removed_at": item.timeline.removed_at.isoformat()}))
"""

REFERRAL_AS_A_SEES_IT = """
from hotline.routing.models import Referral
referral = Referral.objects.select_related("item__timeline").get(pk=referral)
timeline = referral.item.timeline
print(json.dumps({
    "referral": [referral.status, referral.remote_reference, referral.outcome],
    "steps": [bool(referral.sent_at), bool(referral.acknowledged_at),
              bool(referral.acted_on_at), bool(referral.closed_at)],
    "item": [referral.item.status, referral.item.close_reason],
    "received_at": timeline.received_at.isoformat(),
    "removed_at": timeline.removed_at.isoformat() if timeline.removed_at else None,
    "removal_source": timeline.removal_source,
    "time_to_removal": timeline.time_to_removal.total_seconds() if timeline.removed_at else None,
}))
"""


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    """Hotline FR and Hotline DE, migrated, each registered as the other's partner, running."""
    a = Instance("Hotline FR", "FR", tmp_path / "fr", extra_env=FAST)
    b = Instance("Hotline DE", "DE", tmp_path / "de", extra_env=FAST)
    try:
        in_parallel((a, ["migrate", "--verbosity", "0"]), (b, ["migrate", "--verbosity", "0"]))
        in_parallel((a, script_args(SET_UP)), (b, script_args(SET_UP)))
        in_parallel(
            (a, _add_partner(b, countries="DE")),
            (b, _add_partner(a, countries="FR")),
        )
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()
        print(a.logs())  # shown by pytest when the test fails
        print(b.logs())


def _add_partner(other: Instance, *, countries: str) -> list[str]:
    return [
        "federation",
        "add-partner",
        f"--name={other.name}",
        f"--country={other.country}",
        f"--base-url={other.base_url}",
        f"--public-key={other.public_key}",
        f"--key-id={other.key_id}",
        f"--countries={countries}",
    ]


def _forward_to_partner(a: Instance, url: str) -> int:
    """File a report in A, let A's worker trace it, assess it: A refers it to its partner."""
    item = a.script(FILE_REPORT, url=url)["item"]
    wait_for(
        lambda: a.value("SELECT hosting_country FROM cases_item WHERE id = ?", item) == "DE",
        timeout=20,
        what="A's worker to trace the host to DE",
    )
    a.script(ASSESS, item=item)
    referral: int = a.value(
        "SELECT id FROM routing_referral WHERE item_id = ? AND destination = 'partner'", item
    )
    return referral


def _referral(a: Instance, referral: int) -> tuple[str, str]:
    row = a.query("SELECT status, remote_reference FROM routing_referral WHERE id = ?", referral)
    return row[0][0], row[0][1]


def _forward_message(a: Instance, referral: int) -> Any:
    rows = a.query(
        "SELECT status, attempts, last_error FROM outbox_outboxmessage "
        "WHERE related_type = 'routing.referral' AND related_id = ?",
        str(referral),
    )
    return rows[0] if rows else None


def _partner_reports(b: Instance) -> list[tuple[Any, ...]]:
    return b.query(
        "SELECT reference, external_id, description, contact, where_found FROM cases_report "
        "WHERE channel = 'partner' ORDER BY id"
    )


@pytest.mark.slow
def test_two_instances_forward_acknowledge_and_report_removal_and_survive_an_outage(
    pair: tuple[Instance, Instance],
) -> None:
    a, b = pair

    # A report in A about content hosted in DE goes to B, which acknowledges it.
    first = _forward_to_partner(a, "http://forum.example.test/thread/1")
    wait_for(
        lambda: _referral(a, first)[0] == "acknowledged",
        timeout=20,
        what="B to acknowledge A's forward",
    )
    remote_reference = _referral(a, first)[1]
    assert _partner_reports(b) == [(remote_reference, str(first), "", "", "")]

    # B's analyst assesses it and confirms its removal; A hears both.
    removed_at = b.script(ASSESS_AND_CONFIRM_REMOVAL, reference=str(first))["removed_at"]
    wait_for(lambda: _referral(a, first)[0] == "closed", timeout=20, what="B's removal status")
    seen = a.script(REFERRAL_AS_A_SEES_IT, referral=first)
    expected_time_to_removal = (
        datetime.fromisoformat(removed_at) - datetime.fromisoformat(seen["received_at"])
    ).total_seconds()
    assert seen == {
        "referral": ["closed", remote_reference, "Removed, as Hotline DE confirmed."],
        "steps": [True, True, True, True],
        "item": ["closed", "removed"],
        "received_at": seen["received_at"],
        "removed_at": removed_at,
        "removal_source": "partner Hotline DE",
        "time_to_removal": expected_time_to_removal,
    }
    assert expected_time_to_removal > 0
    assert b.query("SELECT type, count(*) FROM routing_federationmessage GROUP BY type") == [
        ("forward", 1)
    ]
    assert a.query("SELECT type, count(*) FROM routing_federationmessage GROUP BY type") == [
        ("ack", 1),
        ("status", 2),
    ]

    # B goes offline for a while: A's second forward waits in its outbox, retried.
    b.stop()
    second = _forward_to_partner(a, "http://forum.example.test/thread/2")
    status, attempts, last_error = wait_for(
        lambda: (row := _forward_message(a, second)) and row[1] > 0 and row[2] and row,
        timeout=20,
        what="A's worker to try B and fail",
    )
    assert (status, attempts > 0) == ("pending", True)
    assert last_error.startswith(f"cannot reach {b.base_url}{INBOX_PATH}")
    assert len(_partner_reports(b)) == 1

    # B comes back (same database): the forward arrives, once.
    b.start()
    wait_for(
        lambda: _forward_message(a, second)[0] == "delivered",
        timeout=30,
        what="A's outbox to deliver the waiting forward",
    )
    wait_for(
        lambda: _referral(a, second)[0] == "acknowledged",
        timeout=20,
        what="B to acknowledge the second forward",
    )
    assert _partner_reports(b) == [
        (remote_reference, str(first), "", "", ""),
        (_referral(a, second)[1], str(second), "", "", ""),
    ]
