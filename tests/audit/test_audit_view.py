"""The auditors' audit log: filters, pages, CSV export, chain status — and who may read it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hotline.audit import merkle
from hotline.audit.actions import GENESIS, integrate_all, record
from hotline.audit.models import AuditEvent, ChainCheck, TreeHead
from hotline.audit.queries import CSV_COLUMNS
from hotline.cases.actions import FiledReport, ReportInput, file_report
from hotline.cases.models import Channel, Concern
from tests.conftest import World, signed_in

LOG = reverse("audit:log")
EXPORT = reverse("audit:export")
VERIFY = reverse("audit:verify")


def _report(url: str) -> FiledReport:
    return file_report(
        ReportInput(channel=Channel.PUBLIC_WEB, concern=Concern.CSAM, urls=[url]), actor=None
    )


def _shown_ids(response: object) -> list[int]:
    """The events in the events table (their ids), in page order."""
    html = response.content.decode()  # type: ignore[attr-defined]
    body = html.split('<table class="audit-events">', 1)[1].split("</table>", 1)[0]
    return [int(n) for n in re.findall(r'<tr data-event="(\d+)">', body)]


def _shown_places(response: object) -> list[str]:
    """The first column (the event's place in the tree, or "pending"), in page order."""
    html = response.content.decode()  # type: ignore[attr-defined]
    body = html.split('<table class="audit-events">', 1)[1].split("</table>", 1)[0]
    return [
        re.sub(r"<[^>]+>", "", cell)
        for cell in re.findall(r'<tr data-event="\d+">\s*<td>(.*?)</td>', body)
    ]


def _csv(response: object) -> list[dict[str, str]]:
    content = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(content)))


@pytest.fixture
def frank(world: World) -> Client:
    return signed_in(world.frank)


def test_log_shows_events_newest_first_with_seq_and_hash(world: World, frank: Client) -> None:
    event = record("test.marker", actor=world.alice, object_type="t", object_id="1")
    integrate_all()
    pending = record("test.marker", actor=world.alice, object_type="t", object_id="2")
    event.refresh_from_db()

    response = frank.get(LOG)

    assert response.status_code == 200
    ids = _shown_ids(response)
    assert ids[:2] == [pending.pk, event.pk]
    assert ids == sorted(ids, reverse=True)
    assert _shown_places(response)[:2] == ["pending", str(event.seq)]
    assert event.hash in response.content.decode()


def test_filter_by_report_reference_shows_the_report_and_its_items_only(
    world: World, frank: Client
) -> None:
    wanted = _report("http://one.example.test/a")
    other = _report("http://two.example.test/b")
    viewed = record("item.view", actor=world.alice, obj=wanted.new_items[0])
    record("item.view", actor=world.alice, obj=other.new_items[0])
    filed = AuditEvent.objects.get(action="report.file", object_id=str(wanted.report.pk))

    response = frank.get(LOG, {"object": wanted.report.reference.lower()})

    assert response.status_code == 200
    assert _shown_ids(response) == [viewed.pk, filed.pk]


def test_filter_by_actor_action_prefix_and_dates(world: World, frank: Client) -> None:
    earlier = record("user.something", actor=world.alice)
    hit = record("user.other", actor=world.alice)
    record("item.view", actor=world.alice)
    record("user.other", actor=world.charlie)
    today = timezone.localdate()

    response = frank.get(
        LOG,
        {
            "actor": "alice",
            "action": "user.*",
            "date_from": today.isoformat(),
            "date_to": today.isoformat(),
            "organisation": "Hotline A",
        },
    )
    yesterday = frank.get(LOG, {"actor": "alice", "date_to": (today - timedelta(1)).isoformat()})

    assert _shown_ids(response) == [hit.pk, earlier.pk]
    assert "No events match these filters." in yesterday.content.decode()


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"object": "HL-ZZZZ-ZZZZ"}, "object", "No report with this number or reference."),
        ({"object": "42"}, "object_kind", "Choose the kind of object"),
        ({"object_kind": "item"}, "object", "Type the number or reference of the object."),
        ({"object_kind": "item", "object": "999999"}, "object", "No item with this number"),
        ({"object_kind": "nonsense", "object": "1"}, "object_kind", "Select a valid choice"),
        ({"action": "user;drop"}, "action", "Use an action name"),
        ({"date_from": "2025-02-02", "date_to": "2025-02-01"}, "date_to", "end date is before"),
        ({"date_from": "yesterday"}, "date_from", "Enter a valid date."),
        ({"before": "-3"}, "before", "greater than or equal to 1"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(
    world: World, frank: Client, params: dict[str, str], field: str, message: str
) -> None:
    before = AuditEvent.objects.count()

    response = frank.get(LOG, params)

    assert response.status_code == 400
    assert any(message in str(e) for e in response.context["form"].errors[field])
    assert AuditEvent.objects.count() == before  # nothing shown, nothing to audit


def test_pages_follow_the_log_backwards_without_gaps(
    world: World, frank: Client, settings: object
) -> None:
    events = [record("test.page", actor=None) for _ in range(7)]
    from hotline.audit import queries

    page = queries.event_page(queries.AuditFilter(action="test.page"), before=None, size=3)
    second = queries.event_page(
        queries.AuditFilter(action="test.page"), before=page.older_than, size=3
    )
    third = queries.event_page(
        queries.AuditFilter(action="test.page"), before=second.older_than, size=3
    )

    ids = [e.pk for e in events]
    assert [e.pk for e in page.events] == ids[:-4:-1]
    assert [e.pk for e in second.events] == ids[-4:-7:-1]
    assert [e.pk for e in third.events] == [ids[0]]
    assert third.older_than is None


def test_older_link_carries_the_filters(world: World, frank: Client) -> None:
    for _ in range(101):
        record("test.many", actor=None)

    first = frank.get(LOG, {"action": "test.many"})
    older = first.context["older_query"]
    second = frank.get(f"{LOG}?{older}")

    assert len(_shown_ids(first)) == 100
    assert older.startswith("action=test.many&before=")
    assert len(_shown_ids(second)) == 1


def test_viewing_the_log_is_audited_with_the_filters(world: World, frank: Client) -> None:
    filed = _report("http://viewed.example.test/")

    frank.get(LOG, {"object": filed.report.reference, "action": "report.*"})

    last = AuditEvent.objects.order_by("-pk").first()
    assert last is not None
    assert (last.action, last.actor) == ("audit.view", "user:frank")
    assert last.detail == {
        "object": filed.report.reference,
        "object_kind": "report",
        "action": "report.*",
        "shown": 1,
    }


def test_export_is_exactly_the_filtered_range_and_is_audited(world: World, frank: Client) -> None:
    wanted = _report("http://export.example.test/a")
    _report("http://export.example.test/b")
    written_before = AuditEvent.objects.count()

    response = frank.get(EXPORT, {"object": wanted.report.reference, "action": "report.*"})
    rows = _csv(response)
    # The export placed every event committed before it (and none after) in the tree first.
    expected = list(
        AuditEvent.objects.filter(object_type="cases.report", object_id=str(wanted.report.pk))
        .order_by("seq")
        .values_list("seq", flat=True)
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="audit-log-through-{written_before}.csv"'
    )
    assert None not in expected
    assert [int(r["seq"]) for r in rows] == expected
    assert list(rows[0]) == list(CSV_COLUMNS)
    export_event = AuditEvent.objects.order_by("-pk").first()
    assert export_event is not None
    assert export_event.action == "audit.export"
    assert export_event.seq is None
    assert export_event.detail == {
        "object": wanted.report.reference,
        "object_kind": "report",
        "action": "report.*",
        "through_seq": written_before,
    }


def test_export_rows_carry_what_the_hash_covers(world: World, frank: Client) -> None:
    first = record("test.csv", actor=world.alice, object_type="t", object_id="9", detail={"é": 1})

    rows = _csv(frank.get(EXPORT, {"action": "test.csv"}))

    (row,) = rows
    assert row["hash"] == first.hash
    entry = json.dumps(
        {
            "at": row["at"],
            "actor": row["actor"],
            "organisation": row["organisation"],
            "action": row["action"],
            "object_type": row["object_type"],
            "object_id": row["object_id"],
            "detail": json.loads(row["detail"]),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    assert hashlib.sha256(b"\x00" + entry).hexdigest() == row["hash"]


def test_unfiltered_export_recomputes_the_signed_root(world: World, frank: Client) -> None:
    for i in range(5):
        record("test.csv", actor=world.alice, object_id=i)

    rows = _csv(frank.get(EXPORT))

    head = TreeHead.objects.order_by("-tree_size").first()
    assert head is not None
    assert head.tree_size == len(rows)
    leaves = [bytes.fromhex(r["hash"]) for r in rows]
    assert merkle.root_of(leaves).hex() == head.root_hash


def test_export_of_a_bad_filter_is_refused(world: World, frank: Client) -> None:
    response = frank.get(EXPORT, {"date_from": "tomorrow"})

    assert response.status_code == 400
    assert "date_from" in response.context["form"].errors


def test_page_shows_head_and_the_last_check(world: World, frank: Client) -> None:
    empty = frank.get(LOG)
    assert "The chain has not been verified yet." in empty.content.decode()

    response = frank.post(VERIFY)
    # The head as the page read it: the signed head of the check (its own event comes after).
    head_before_page = (
        TreeHead.objects.order_by("-tree_size").values_list("tree_size", "root_hash").first()
    )
    page = frank.get(LOG)

    check = ChainCheck.objects.get()
    assert response.status_code == 302
    assert check.ok is True
    assert check.actor == "user:frank"
    head = page.context["head"]
    assert head == head_before_page
    assert (
        f'Signed tree head: {head[0]} events, root <span class="mono">{head[1]}</span>'
        in page.content.decode()
    )
    assert check.checked_through_seq == check.events_checked
    verify_event = AuditEvent.objects.get(action="audit.verify")
    assert verify_event.seq is None  # placed by the next sequencer run, after the checked head
    integrate_all()
    verify_event.refresh_from_db()
    assert verify_event.seq == check.checked_through_seq + 1
    assert verify_event.detail == {
        "ok": True,
        "events": check.events_checked,
        "through_seq": check.checked_through_seq,
        "problems": 0,
    }


@pytest.mark.django_db(transaction=True)
def test_verify_button_reports_a_broken_chain(world: World, tamper: None) -> None:
    victim = record("test.victim", actor=None)
    integrate_all()
    victim.refresh_from_db()
    AuditEvent.objects.filter(pk=victim.pk).update(detail={"forged": True})

    client = signed_in(world.frank)
    response = client.post(VERIFY, follow=True)

    check = ChainCheck.objects.get()
    assert check.ok is False
    assert check.problems == [
        {"seq": victim.seq, "problem": "content altered: hash does not match the event"}
    ]
    html = response.content.decode()
    assert "The audit chain is BROKEN: 1 problems found." in html
    assert f"#{victim.seq}: content altered" in html


def test_cli_verification_is_kept_for_the_page(world: World) -> None:
    from django.core.management import call_command

    call_command("audit", "verify", stdout=io.StringIO())

    check = ChainCheck.objects.get()
    assert (check.ok, check.actor) == (True, "system")
    assert check.head_hash != GENESIS


def test_menu_shows_the_audit_log_to_auditors_only(world: World) -> None:
    link = f'href="{LOG}"'

    assert link in signed_in(world.frank).get(LOG).content.decode()
    assert link not in signed_in(world.erin).get(reverse("admin:index")).content.decode()


def test_auditor_of_a_partner_organisation_is_refused(world: World) -> None:
    from hotline.accounts import actions
    from hotline.accounts.models import Role

    outsider = actions.create_user(
        username="gina",
        password=None,
        organisation=world.hotline_b,
        roles=[Role.AUDITOR],
        acting_user=None,
    )

    assert signed_in(outsider).get(LOG).status_code == 403


def test_page_queries_do_not_grow_with_the_events_shown(world: World, frank: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert frank.get(LOG, {"action": "test.*"}).status_code == 200
        return len(captured)

    record("test.few", actor=None)
    few = queries_for_page()
    for _ in range(40):
        record("test.many", actor=world.alice)
    many = queries_for_page()

    assert many == few
