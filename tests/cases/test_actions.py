from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.cases import actions, queries
from hotline.cases.actions import FileInput, ItemBusy, ReportInput, Verdict
from hotline.cases.models import (
    Channel,
    CloseReason,
    Concern,
    Confirmation,
    Item,
    ItemStatus,
    Report,
    ReportStatus,
)
from tests.conftest import World

pytestmark = pytest.mark.django_db

ILLEGAL = Verdict(
    legality="baseline", scheme="inhope", severity="baseline", age_group="prepubescent"
)


def file(
    *urls: str, danger: bool = False, files: tuple[FileInput, ...] = ()
) -> actions.FiledReport:
    return actions.file_report(
        ReportInput(
            channel=Channel.PUBLIC_WEB,
            concern=Concern.CSAM,
            urls=urls,
            files=files,
            child_in_danger=danger,
        ),
        actor=None,
    )


def test_same_canonical_url_attaches_to_the_existing_item() -> None:
    first = file("http://Example.test/a/./b")

    second = file("http://example.test/a/b#frag")

    assert second.known_items == first.new_items
    item = Item.objects.get()
    assert (item.report_count, item.canonical_url) == (2, "http://example.test/a/b")
    assert sorted(item.report_items.values_list("submitted_value", flat=True)) == [
        "http://Example.test/a/./b",
        "http://example.test/a/b#frag",
    ]


def test_same_url_twice_in_one_report_counts_once() -> None:
    file("http://example.test/a", "HTTP://EXAMPLE.TEST/a")

    assert Item.objects.get().report_count == 1


def test_file_items_deduplicate_on_any_shared_hash() -> None:
    file(files=(FileInput(md5="a" * 32, sha256="b" * 64),))

    file(files=(FileInput(sha256="B" * 64),))

    assert Item.objects.get().report_count == 2


def test_queue_puts_children_in_danger_first_then_new_material_then_known(world: World) -> None:
    known = file("http://known.example.test/").new_items[0]
    actions.record_enrichment(known, known_match={"list": "Partner list", "category": "baseline"})
    new = file("http://new.example.test/").new_items[0]
    urgent = file("http://urgent.example.test/", danger=True).new_items[0]

    order = list(queries.triage_queue(world.alice).values_list("pk", flat=True))

    assert order == [urgent.pk, new.pk, known.pk]


def test_claimed_item_cannot_be_taken_by_another_analyst(world: World) -> None:
    item = file("http://example.test/").new_items[0]
    actions.claim_item(item, acting_user=world.alice)

    with pytest.raises(ItemBusy, match="alice is assessing this item"):
        actions.claim_item(item, acting_user=world.charlie)
    with pytest.raises(ItemBusy):
        actions.assess_item(item, ILLEGAL, acting_user=world.charlie)
    assert list(queries.triage_queue(world.charlie)) == []


def test_expired_claim_returns_the_item_to_the_queue(world: World) -> None:
    item = file("http://example.test/").new_items[0]
    actions.claim_item(item, acting_user=world.alice)
    Item.objects.filter(pk=item.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))

    actions.claim_item(item, acting_user=world.charlie)

    assert Item.objects.get(pk=item.pk).claimed_by == world.charlie


def test_assessment_moves_item_and_report_status(world: World) -> None:
    filed = file("http://example.test/")
    item = filed.new_items[0]

    assessment = actions.assess_item(item, ILLEGAL, acting_user=world.alice)

    item.refresh_from_db()
    assert (item.status, assessment.severity_rank) == (ItemStatus.ASSESSED, 3)
    assert Report.objects.get(pk=filed.report.pk).status == ReportStatus.ASSESSED
    assert AuditEvent.objects.filter(action="item.assess", object_id=str(item.pk)).count() == 1


def test_not_illegal_needs_a_supervisor_when_four_eyes_is_on(
    world: World, settings: object
) -> None:
    settings.FOUR_EYES = ["not_illegal"]  # type: ignore[attr-defined]
    item = file("http://example.test/").new_items[0]

    assessment = actions.assess_item(item, Verdict(legality="not_illegal"), acting_user=world.alice)

    assert Item.objects.get(pk=item.pk).status == ItemStatus.AWAITING_CONFIRMATION
    assert list(queries.awaiting_confirmation(world.charlie)) == [assessment]
    actions.confirm_assessment(assessment, acting_user=world.charlie, approve=True)
    item.refresh_from_db()
    assert (item.status, item.close_reason) == (ItemStatus.CLOSED, CloseReason.NOT_ILLEGAL)
    assert Report.objects.get().status == ReportStatus.CLOSED


def test_supervisor_cannot_confirm_own_verdict(world: World, settings: object) -> None:
    settings.FOUR_EYES = ["not_illegal"]  # type: ignore[attr-defined]
    item = file("http://example.test/").new_items[0]
    assessment = actions.assess_item(
        item, Verdict(legality="not_illegal"), acting_user=world.charlie
    )

    with pytest.raises(PermissionError, match="cannot confirm your own verdict"):
        actions.confirm_assessment(assessment, acting_user=world.charlie, approve=True)


def test_rejected_verdict_sends_item_back_to_the_queue(world: World, settings: object) -> None:
    settings.FOUR_EYES = ["not_illegal"]  # type: ignore[attr-defined]
    item = file("http://example.test/").new_items[0]
    assessment = actions.assess_item(item, Verdict(legality="not_illegal"), acting_user=world.alice)

    actions.confirm_assessment(
        assessment, acting_user=world.charlie, approve=False, note="look again"
    )

    assert Item.objects.get(pk=item.pk).status == ItemStatus.NEW
    assert Item.objects.get(pk=item.pk).assessments.get().confirmation == Confirmation.REJECTED


def test_removed_item_reported_again_is_reopened_with_its_verdict(world: World) -> None:
    item = file("http://example.test/").new_items[0]
    actions.assess_item(item, ILLEGAL, acting_user=world.alice)
    actions.close_item(item, reason=CloseReason.REMOVED, acting_user=world.alice)

    file("http://example.test/")

    item.refresh_from_db()
    assert item.status == ItemStatus.NEW
    assert [a.legality for a in queries.earlier_verdicts(item)] == ["baseline"]


def test_not_illegal_item_reported_again_stays_closed(world: World, settings: object) -> None:
    settings.FOUR_EYES = []  # type: ignore[attr-defined]
    item = file("http://example.test/").new_items[0]
    actions.assess_item(item, Verdict(legality="not_illegal"), acting_user=world.alice)

    second = file("http://example.test/")

    assert Item.objects.get(pk=item.pk).status == ItemStatus.CLOSED
    assert Report.objects.get(pk=second.report.pk).status == ReportStatus.CLOSED


def test_confirming_an_earlier_verdict_links_to_it(world: World) -> None:
    item = file("http://example.test/").new_items[0]
    earlier = actions.assess_item(item, ILLEGAL, acting_user=world.alice)
    actions.close_item(item, reason=CloseReason.REMOVED, acting_user=None)
    file("http://example.test/")

    confirmation = actions.assess_item(item, ILLEGAL, acting_user=world.charlie, based_on=earlier)

    assert confirmation.based_on == earlier
    assert Item.objects.get(pk=item.pk).status == ItemStatus.ASSESSED


def test_filing_queues_enrichment_of_new_items_only(world: World) -> None:
    from django_tasks_db.models import DBTaskResult

    file("http://example.test/")
    file("http://example.test/")

    assert DBTaskResult.objects.filter(task_path="hotline.cases.tasks.enrich_item").count() == 1
