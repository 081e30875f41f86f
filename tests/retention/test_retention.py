"""Retention: purges clear what identifies people, never what statistics count, never what an
open case or a police hold needs; a dry run counts exactly what the real run clears."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from hotline.audit.actions import verify_chain
from hotline.audit.models import AuditEvent
from hotline.cases.models import (
    Channel,
    Concern,
    Item,
    ItemStatus,
    Report,
    ReportItem,
    ReportStatus,
)
from hotline.core.schedule import JOBS
from hotline.matching.models import MediaFile
from hotline.monitoring import figures, queries, transparency
from hotline.monitoring.periods import Period
from hotline.monitoring.retention import KINDS, run_retention
from hotline.outbox.models import MessageStatus, OutboxMessage
from hotline.routing.models import Destination, Ground, Referral, ReferralStatus
from hotline.tourism.models import (
    Company,
    CompanyKind,
    CompanyNotice,
    NoticeStatus,
    TravelReport,
    VenueType,
)
from tests.conftest import World
from tests.monitoring import dataset
from tests.monitoring.dataset import NOW, at

# Far enough after the 2025 data set that every default period has passed.
LATER = datetime(2032, 1, 1, tzinfo=UTC)
CLOSED_AT = at(9, 1)


def _fill_in_personal_data() -> None:
    """Contact, free text and submitted addresses on every report; closed items and reports."""
    for report in Report.objects.all():
        Report.objects.filter(pk=report.pk).update(
            contact=f"reporter{report.pk}@example.test",
            consent_to_contact=True,
            description="What the reporter wrote (synthetic).",
            where_found="A forum on example.test",
        )


def _close(item: Item, report: Report | None = None) -> None:
    Item.objects.filter(pk=item.pk).update(status=ItemStatus.CLOSED, closed_at=CLOSED_AT)
    if report is None:
        report = dataset.report(item.first_reported_at, Channel.PUBLIC_WEB, Concern.CSAM)
    ReportItem.objects.create(report=report, item=item, submitted_value=item.canonical_url)
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.CLOSED)


def _travel(received: datetime, country: str, *, closed: bool = True) -> TravelReport:
    report = dataset.report(received, Channel.PUBLIC_WEB, Concern.TRAVEL)
    travel = TravelReport.objects.create(
        report=report,
        country=country,
        city="Synthetic city",
        venue_type=VenueType.HOTEL,
        venue_name="Hotel Example",
        occurred_on=received.date(),
        suspect_name="A. Synthetic",
        suspect_plate="XX-000-XX",
        closed_at=CLOSED_AT if closed else None,
        close_reason="Convicted (synthetic)" if closed else "",
    )
    if closed:
        Report.objects.filter(pk=report.pk).update(status=ReportStatus.CLOSED)
    return travel


def _build(world: World) -> dataset.Dataset:
    data = dataset.build(world.alice)
    dataset.backlog_items()
    items = data.items
    # Closed: i2, i6, i9, i10 (nothing protects them); i1, i3, i4, i8 (police referrals that
    # never concluded protect them). i5's partner forward was cancelled: it is not protected.
    for name in ("i1", "i2", "i3", "i4", "i5", "i6", "i8", "i9", "i10"):
        _close(items[name])
    Referral.objects.filter(item=items["i5"], destination=Destination.PARTNER).update(
        override_reason="Partner unreachable (synthetic)"
    )
    first = _travel(at(2, 1), "TH")
    Referral.objects.create(
        report=first.report,
        destination=Destination.POLICE,
        grounds=[Ground.PLACE_OF_OFFENCE],
        country="TH",
        status=ReferralStatus.CONVICTED,
        created_at=at(2, 2),
        sent_at=at(2, 2),
        acknowledged_at=at(2, 12),
        concluded_at=at(8, 1),
        outcome="Sentenced (synthetic)",
    )
    second = _travel(at(5, 1), "KH")
    Referral.objects.create(
        report=second.report,
        destination=Destination.POLICE,
        grounds=[Ground.PLACE_OF_OFFENCE],
        country="KH",
        status=ReferralStatus.SENT,
        created_at=at(5, 2),
        sent_at=at(5, 2),
    )
    _travel(at(6, 1), "TH", closed=False)
    _fill_in_personal_data()
    return data


def _statistics() -> dict[str, Any]:
    """Every statistic monitoring computes: each figure of the dashboard and annual report,
    the public page, and the query functions with parameters the figures do not use."""
    year = Period.year(dataset.YEAR)
    twelve = Period(
        datetime(2024, 6, 1, tzinfo=UTC).date(), datetime(2026, 1, 1, tzinfo=UTC).date()
    )
    result: dict[str, Any] = {}
    for period_name, period in (("year", year), ("span", twelve)):
        for key in figures.FIGURES:
            built = figures.build(key, period, NOW)
            result[f"{period_name}:{key}"] = (built.table, built.note, built.chart)
        result[f"{period_name}:answered_police"] = queries.answered_within(
            period, timedelta(days=7), destination=Destination.POLICE, now=NOW
        )
        result[f"{period_name}:removed_within"] = dataclasses.asdict(
            queries.time_to_removal(period, country="DE", now=NOW)
        )
        result[f"{period_name}:travel_cases"] = queries.travel_cases(period)
    result["public"] = transparency.public_figures(dataset.YEAR)
    return result


@pytest.fixture
def data(world: World) -> dataset.Dataset:
    return _build(world)


def test_statistics_before_and_after_a_purge_are_equal(data: dataset.Dataset) -> None:
    before = _statistics()

    run = run_retention(now=LATER)

    assert run.total > 0
    assert _statistics() == before


def test_purge_clears_contact_text_and_addresses_of_closed_records(data: dataset.Dataset) -> None:
    free = data.items["i2"]

    run_retention(now=LATER)

    free.refresh_from_db()
    assert (free.canonical_url, free.host, free.canonical_url_hash) == (
        "",
        "",
        f"purged:{free.pk}",
    )
    assert free.hosting_country == "FR"
    report = Report.objects.get(report_items__item=free)
    assert (report.contact, report.description, report.where_found, report.secret_hash) == (
        "",
        "",
        "",
        "",
    )
    assert list(ReportItem.objects.filter(item=free).values_list("submitted_value", flat=True)) == [
        ""
    ]
    travel = TravelReport.objects.get(country="TH", report__received_at=at(2, 1))
    assert (travel.city, travel.suspect_name, travel.suspect_plate, travel.country) == (
        "",
        "",
        "",
        "TH",
    )
    assert Referral.objects.get(report=travel.report).outcome == ""
    assert (
        Referral.objects.get(item=data.items["i5"], destination=Destination.PARTNER).override_reason
        == ""
    )


def test_purge_never_touches_what_a_referral_or_an_open_case_needs(data: dataset.Dataset) -> None:
    run = run_retention(now=LATER)

    # i1, i3, i4, i8: closed, but their police referrals never concluded.
    for name in ("i1", "i3", "i4", "i8"):
        protected = data.items[name]
        protected.refresh_from_db()
        assert protected.canonical_url != ""
        assert protected.pk not in _ids(run, "items")
        report = Report.objects.get(report_items__item=protected)
        assert (report.contact, report.description) != ("", "")
    # An open item (i7 awaits a confirmation) keeps everything.
    data.items["i7"].refresh_from_db()
    assert data.items["i7"].canonical_url != ""
    # A travel case whose police referral is only "sent", and an open travel case.
    for travel in TravelReport.objects.filter(report__received_at__in=[at(5, 1), at(6, 1)]):
        assert (travel.suspect_name, travel.report.contact) == (
            "A. Synthetic",
            f"reporter{travel.report_id}@example.test",
        )


def _ids(run: Any, kind: str) -> tuple[int, ...]:
    return next(r.ids for r in run.results if r.kind == kind)


def test_police_hold_protects_a_closed_item(data: dataset.Dataset) -> None:
    held, until = data.items["i2"], data.items["i9"]
    Referral.objects.create(
        item=held, destination=Destination.POLICE, status=ReferralStatus.HELD, country="FR"
    )
    Referral.objects.create(
        item=until,
        destination=Destination.NOTICE,
        status=ReferralStatus.CANCELLED,
        country="FR",
        hold_until=LATER + timedelta(hours=1),
    )

    run = run_retention(now=LATER)

    assert not {held.pk, until.pk} & set(_ids(run, "items"))
    held.refresh_from_db()
    until.refresh_from_db()
    assert (held.canonical_url != "", until.canonical_url != "") == (True, True)


def test_held_company_notice_protects_a_closed_travel_case(
    data: dataset.Dataset, world: World
) -> None:
    travel = TravelReport.objects.get(report__received_at=at(2, 1))

    company = Company.objects.create(name="Synthetic Tours", kind=CompanyKind.HOTEL, country="TH")
    CompanyNotice.objects.create(
        travel_report=travel,
        company=company,
        text="About a guest (synthetic)",
        recipient="child-protection@tours.example.test",
        status=NoticeStatus.HELD,
        drafted_by=world.alice,
    )

    run = run_retention(now=LATER)

    assert travel.pk not in _ids(run, "travel_cases")
    travel.refresh_from_db()
    assert travel.suspect_name == "A. Synthetic"


def test_dry_run_counts_what_the_real_run_purges_and_changes_nothing(
    data: dataset.Dataset,
) -> None:
    events = AuditEvent.objects.count()
    contacts = sorted(Report.objects.values_list("contact", flat=True))

    dry = run_retention(now=LATER, dry_run=True)

    assert AuditEvent.objects.count() == events
    assert sorted(Report.objects.values_list("contact", flat=True)) == contacts
    real = run_retention(now=LATER)
    assert [(r.kind, r.count, r.ids) for r in dry.results] == [
        (r.kind, r.count, r.ids) for r in real.results
    ]
    assert [r.kind for r in real.results] == list(KINDS)
    assert run_retention(now=LATER).total == 0


def test_contact_details_go_first_after_their_own_period(data: dataset.Dataset) -> None:
    # 100 days after closure: past the 90-day contact period, within the two-year one.
    run = run_retention(now=CLOSED_AT + timedelta(days=100), dry_run=True)

    assert run.counts["reporter_contacts"] > 0
    assert (run.counts["reports"], run.counts["items"], run.counts["travel_cases"]) == (0, 0, 0)


def test_every_purge_is_one_audit_event_with_counts_and_the_chain_holds(
    data: dataset.Dataset,
) -> None:
    run = run_retention(now=LATER)

    events = list(AuditEvent.objects.filter(action="retention.purge"))
    assert [e.detail["counts"] for e in events] == [run.counts]
    assert list(verify_chain()) == []


def test_zero_days_keeps_a_kind_forever(data: dataset.Dataset, settings: Any) -> None:
    settings.RETENTION_CONTACT_DAYS = 0
    settings.RETENTION_REPORT_DAYS = 0

    run = run_retention(now=LATER)

    assert (run.counts["reporter_contacts"], run.counts["reports"]) == (0, 0)
    report = Report.objects.get(report_items__item=data.items["i2"])
    assert (report.contact, report.description) == (
        f"reporter{report.pk}@example.test",
        "What the reporter wrote (synthetic).",
    )


def test_delivered_messages_are_deleted_pending_ones_kept(db: None) -> None:
    old = LATER - timedelta(days=91)
    delivered = OutboxMessage.objects.create(
        channel="email",
        destination="police@example.test",
        status=MessageStatus.DELIVERED,
        delivered_at=old,
    )
    pending = OutboxMessage.objects.create(
        channel="email", destination="police@example.test", created_at=old
    )
    recent = OutboxMessage.objects.create(
        channel="email",
        destination="police@example.test",
        status=MessageStatus.DELIVERED,
        delivered_at=LATER - timedelta(days=10),
    )

    run = run_retention(now=LATER)

    assert run.counts["messages"] == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {pending.pk, recent.pk}
    assert not OutboxMessage.objects.filter(pk=delivered.pk).exists()


def test_expired_media_of_a_held_item_is_kept(data: dataset.Dataset) -> None:
    def media(target: Item, name: str) -> MediaFile:
        return MediaFile.objects.create(
            item=target,
            stored_name=name,
            key_id="test",
            nonce=b"n" * 12,
            media_type="image/png",
            size=1,
            uploaded_by="system",
            purge_after=LATER - timedelta(days=1),
        )

    free = media(data.items["i2"], "a" * 32)
    held = media(data.items["i4"], "b" * 32)  # i4's police referral was never answered
    waiting = media(data.items["i7"], "c" * 32)  # i7 is still open

    run = run_retention(now=LATER)

    assert run.counts["media"] == 1
    assert set(MediaFile.objects.filter(purged_at__isnull=False).values_list("pk", flat=True)) == {
        free.pk
    }
    assert {held.pk, waiting.pk} <= set(
        MediaFile.objects.filter(purged_at__isnull=True).values_list("pk", flat=True)
    )


def test_command_prints_each_kind_and_dry_run_changes_nothing(data: dataset.Dataset) -> None:
    out = StringIO()

    call_command("retention", "purge", "--dry-run", stdout=out)

    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == [*KINDS, "total"]
    assert all("would be purged" in line for line in lines)
    assert not AuditEvent.objects.filter(action="retention.purge").exists()


def test_retention_runs_as_a_periodic_job() -> None:
    job = JOBS["monitoring.retention"]

    assert (job.every, job.task.name) == (timedelta(hours=1), "purge_retention")
    assert "matching.purge_media" not in JOBS
