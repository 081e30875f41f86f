"""Only routing's actions write ``Referral`` rows; other apps return an outcome or call a
routing action (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import hotline
from hotline.audit.models import AuditEvent
from hotline.routing.actions import record_dispatch
from hotline.routing.models import Destination, Referral, ReferralStatus
from hotline.routing.outcomes import Closed, Waiting
from tests.routing.factories import hosted_item

_WRITES = {"update", "create", "delete", "bulk_create", "bulk_update", "get_or_create"}
_OWNER = Path(hotline.__file__).parent / "routing" / "actions.py"


def _referral_writes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _WRITES
            and ast.unparse(node.func.value).startswith("Referral.objects")
        ):
            found.append(f"{path.name}:{node.lineno}")
        elif isinstance(node, ast.Assign) and "ReferralStatus." in ast.unparse(node.value):
            targets = [ast.unparse(t) for t in node.targets]
            if any(t.endswith(".status") for t in targets):
                found.append(f"{path.name}:{node.lineno}")
    return sorted(found)


def test_no_module_but_routing_actions_writes_referral_rows() -> None:
    root = Path(hotline.__file__).parent
    offenders = {
        str(path.relative_to(root)): writes
        for path in sorted(root.rglob("*.py"))
        if "migrations" not in path.parts and path != _OWNER and (writes := _referral_writes(path))
    }

    assert offenders == {}


def test_the_ownership_check_sees_a_write(tmp_path: Path) -> None:
    module = tmp_path / "elsewhere.py"
    module.write_text(
        "Referral.objects.filter(pk=1).update(status='sent')\n"
        "referral.status = ReferralStatus.CLOSED\n"
    )

    assert _referral_writes(module) == ["elsewhere.py:1", "elsewhere.py:2"]


@pytest.fixture
def queued_referral(db: None) -> Referral:
    item = hosted_item("http://page.example.test/1", country="FR")
    return Referral.objects.create(
        item=item, destination=Destination.BLOCKLIST, country="FR", status=ReferralStatus.QUEUED
    )


@pytest.mark.django_db
def test_record_dispatch_closes_a_queued_referral_with_its_audit_event(
    queued_referral: Referral,
) -> None:
    record_dispatch(queued_referral, Waiting("later"))
    record_dispatch(queued_referral, Closed(at=queued_referral.created_at, outcome="done"))
    record_dispatch(queued_referral, Closed(at=queued_referral.created_at, outcome="again"))

    queued_referral.refresh_from_db()
    assert (queued_referral.status, queued_referral.outcome) == (ReferralStatus.CLOSED, "done")
    assert list(
        AuditEvent.objects.filter(action="referral.closed").values_list("object_id", "detail")
    ) == [(str(queued_referral.pk), {"status": "closed", "outcome": "done"})]
