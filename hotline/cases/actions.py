"""Every write to reports, items and assessments."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.accounts.models import ApiCredential, Organisation, User, hash_secret
from hotline.audit.actions import EventSpec, record, record_many
from hotline.cases import references
from hotline.cases.classification import get_scheme
from hotline.cases.events import ItemAssessed, item_assessed
from hotline.cases.models import (
    AgeGroup,
    Assessment,
    CloseReason,
    Confirmation,
    Item,
    ItemKind,
    ItemStatus,
    Legality,
    Report,
    ReportStatus,
)
from hotline.cases.triage import compute_priority
from hotline.fast_insert import build
from hotline.hosting.canonical import CanonicalUrl
from hotline.hosting.domains import registrable_domain

Actor = User | ApiCredential | None


@dataclass(frozen=True)
class FileInput:
    """A file known by its hashes (the file itself is optional and usually absent)."""

    md5: str = ""
    sha1: str = ""
    sha256: str = ""
    pdq: str = ""
    pdq_quality: int | None = None
    file_name: str = ""
    file_size: int | None = None
    media_type: str = ""


@dataclass(frozen=True)
class ReportInput:
    channel: str
    concern: str
    urls: Sequence[str] = ()
    files: Sequence[FileInput] = ()
    where_found: str = ""
    description: str = ""
    child_in_danger: bool = False
    urgent_reason: str = ""
    contact: str = ""
    consent_to_contact: bool = False
    language: str = ""
    submitted_by: Organisation | None = None
    external_id: str = ""
    incident_type: str = ""
    incident_time: datetime | None = None
    platform: str = ""
    reported_accounts: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FiledReport:
    report: Report
    secret: str  # the receipt secret, shown once; only its hash is stored
    new_items: list[Item]
    known_items: list[Item]


def new_url_item(canonical: CanonicalUrl, digest: str, *, urgent: bool, now: datetime) -> Item:
    """The item (not saved) a URL's first report makes: counted once. Filing one report and
    filing a batch (``bulk_intake``) both build it here."""
    return build(
        Item,
        kind=ItemKind.URL,
        canonical_url=canonical.url,
        fetch_url=fetchable(canonical),
        canonical_url_hash=digest,
        host=canonical.host,
        registrable_domain=registrable_domain(canonical.host) or "",
        urgent=urgent,
        first_reported_at=now,
        last_reported_at=now,
        report_count=1,
    )


def new_file_item(spec: FileInput, *, urgent: bool, now: datetime) -> Item:
    """The item (not saved) a file's first report makes: counted once, hashes in lower case."""
    return build(
        Item,
        kind=ItemKind.FILE,
        md5=spec.md5.lower(),
        sha1=spec.sha1.lower(),
        sha256=spec.sha256.lower(),
        pdq=spec.pdq.lower(),
        pdq_quality=spec.pdq_quality,
        file_name=spec.file_name,
        file_size=spec.file_size,
        media_type=spec.media_type,
        urgent=urgent,
        first_reported_at=now,
        last_reported_at=now,
        report_count=1,
    )


def fetchable(canonical: CanonicalUrl) -> str:
    """The canonical URL with a non-default port put back (Safe Browsing's form drops it, but
    a liveness check must reach the same server the reporter saw)."""
    default = {"http": 80, "https": 443}.get(canonical.scheme)
    if canonical.port is None or canonical.port == default:
        return canonical.url
    host = f"[{canonical.host}]" if ":" in canonical.host else canonical.host
    query = f"?{canonical.query}" if canonical.query is not None else ""
    return f"{canonical.scheme}://{host}:{canonical.port}{canonical.path}{query}"


def new_report(data: ReportInput, *, secret: str, now: datetime) -> Report:
    """The unsaved report for ``data``, as one report or a batch stores it; ``secret`` is the
    receipt code (empty for channels without a receipt)."""
    return build(
        Report,
        reference=references.new_reference(),
        secret_hash=hash_secret(references.normalise(secret)) if secret else "",
        channel=data.channel,
        concern=data.concern,
        received_at=now,
        language=data.language,
        where_found=data.where_found,
        description=data.description,
        child_in_danger=data.child_in_danger,
        urgent_reason=data.urgent_reason,
        contact=data.contact,
        consent_to_contact=data.consent_to_contact and bool(data.contact),
        submitted_by=data.submitted_by,
        external_id=data.external_id,
        incident_type=data.incident_type,
        incident_time=data.incident_time,
        platform=data.platform,
        reported_accounts=data.reported_accounts,
        annotations=data.annotations,
    )


def reopen_if_removed(item: Item) -> None:
    """An item reported again after it was closed is opened again (not saved): it may be
    back, so an analyst looks again, with the old verdict shown. A verdict of "not illegal"
    stays closed. Filing one report and filing a batch (``bulk_intake``) both decide here."""
    if item.status == ItemStatus.CLOSED and item.close_reason != CloseReason.NOT_ILLEGAL:
        item.status = ItemStatus.NEW
        item.close_reason = ""
        item.closed_at = None


FILE_ATTEMPTS = 3


def file_report(data: ReportInput, *, actor: Actor) -> FiledReport:
    """Store a report and attach it to its items, creating items not seen before.

    A URL already known (same canonical form) or a file already known (same hash) attaches
    the report to the existing item, so earlier verdicts are reused; enrichment of new items
    is queued in the same transaction. This is a batch of one (``bulk_intake.file_reports``):
    one way of filing, which locks known items and creates new ones in one order, so two
    reports of the same items never deadlock. Inside a caller's transaction (a partner's
    forward, a CyberTipline submission) it runs in a savepoint: another transaction creating
    the same new URL at the same moment undoes only this attempt, and the next one, which
    sees that item, attaches to it.
    """
    from hotline.cases.bulk_intake import file_reports

    for attempt in range(FILE_ATTEMPTS):
        try:
            with transaction.atomic():
                return file_reports([data], actor=actor)[0]
        except IntegrityError:
            if attempt == FILE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def check_receipt(reference: str, secret: str) -> Report | None:
    """The report a receipt opens, or None (the same answer for a wrong reference or secret)."""
    report = Report.objects.filter(reference=reference.strip().upper()).first()
    expected = hash_secret(references.normalise(secret))
    if report is None or not report.secret_hash:
        hash_secret("timing-equaliser")
        return None
    import hmac

    return report if hmac.compare_digest(report.secret_hash, expected) else None


# --- triage ---------------------------------------------------------------------------------


class ItemBusy(Exception):
    """Another analyst holds this item."""


def claim_minutes() -> int:
    return int(settings.CLAIM_MINUTES)


@transaction.atomic
def claim_item(item: Item, *, acting_user: User) -> Item:
    """Give the item to this analyst for a while; nobody else can assess it meanwhile."""
    now = timezone.now()
    locked = Item.objects.select_for_update().get(pk=item.pk)
    if (
        locked.claimed_by_id not in (None, acting_user.pk)
        and locked.claimed_until is not None
        and locked.claimed_until > now
    ):
        raise ItemBusy(f"{locked.claimed_by} is assessing this item")
    locked.claimed_by = acting_user
    locked.claimed_until = now + timedelta(minutes=claim_minutes())
    locked.save(update_fields=["claimed_by", "claimed_until"])
    record("item.claim", actor=acting_user, obj=locked)
    return locked


@transaction.atomic
def release_item(item: Item, *, acting_user: User) -> None:
    """Hand the item back to the queue."""
    Item.objects.filter(pk=item.pk, claimed_by=acting_user).update(
        claimed_by=None, claimed_until=None
    )
    record("item.release", actor=acting_user, obj=item)


def four_eyes_required(legality: str) -> bool:
    return legality in settings.FOUR_EYES


@dataclass(frozen=True)
class Verdict:
    legality: str
    scheme: str = ""
    severity: str = ""
    age_group: str = ""
    gender: str = ""
    virtual: bool = False
    self_generated: bool = False
    commercial: bool = False
    payment_method: str = ""
    child_modelling: bool = False
    site_type: str = ""
    content_type: str = ""
    notes: str = ""


@transaction.atomic
def assess_item(
    item: Item,
    verdict: Verdict,
    *,
    acting_user: User,
    based_on: Assessment | None = None,
) -> Assessment:
    """Record an analyst's verdict on an item.

    The analyst must hold the item (or it must be free). Where the instance
    requires four eyes for this legality, the item waits for a supervisor.
    """
    locked = Item.objects.select_for_update().get(pk=item.pk)
    now = timezone.now()
    if (
        locked.claimed_by_id not in (None, acting_user.pk)
        and locked.claimed_until is not None
        and locked.claimed_until > now
    ):
        raise ItemBusy(f"{locked.claimed_by} is assessing this item")
    rank = 0
    if verdict.scheme and verdict.severity:
        rank = get_scheme(verdict.scheme).category(verdict.severity).rank
    needs_confirmation = four_eyes_required(verdict.legality)
    assessment = Assessment.objects.create(
        item=locked,
        analyst=acting_user,
        created_at=now,
        legality=verdict.legality,
        scheme=verdict.scheme,
        severity=verdict.severity,
        severity_rank=rank,
        age_group=verdict.age_group,
        gender=verdict.gender,
        virtual=verdict.virtual,
        self_generated=verdict.self_generated,
        commercial=verdict.commercial,
        payment_method=verdict.payment_method if verdict.commercial else "",
        child_modelling=verdict.child_modelling,
        site_type=verdict.site_type,
        content_type=verdict.content_type,
        notes=verdict.notes,
        based_on=based_on,
        based_on_match=locked.known_match if based_on is None else {},
        confirmation=Confirmation.PENDING if needs_confirmation else Confirmation.NOT_REQUIRED,
    )
    locked.claimed_by = None
    locked.claimed_until = None
    if needs_confirmation:
        locked.status = ItemStatus.AWAITING_CONFIRMATION
    else:
        _apply_verdict(locked, assessment)
    locked.save(
        update_fields=["claimed_by", "claimed_until", "status", "close_reason", "closed_at"]
    )
    record(
        "item.assess",
        actor=acting_user,
        obj=locked,
        detail={
            "assessment": assessment.pk,
            "legality": verdict.legality,
            "four_eyes": needs_confirmation,
        },
    )
    _refresh_reports_of(locked)
    if not needs_confirmation:
        _after_verdict(locked, assessment)
    return assessment


def _apply_verdict(item: Item, assessment: Assessment) -> None:
    if assessment.legality == Legality.NOT_ILLEGAL:
        item.status = ItemStatus.CLOSED
        item.close_reason = CloseReason.NOT_ILLEGAL
        item.closed_at = timezone.now()
    else:
        item.status = ItemStatus.ASSESSED


def _after_verdict(item: Item, assessment: Assessment) -> None:
    """What follows a final verdict (timeline, routing, federation) listens to
    ``item_assessed``; the order is ``hotline.site.pipeline``'s."""
    item_assessed.send(ItemAssessed(item=item, assessment=assessment))


@transaction.atomic
def confirm_assessment(
    assessment: Assessment, *, acting_user: User, approve: bool, note: str = ""
) -> None:
    """A supervisor's second opinion (four eyes) on a pending verdict."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.confirmation != Confirmation.PENDING:
        raise ValueError("this assessment is not waiting for confirmation")
    if locked.analyst_id == acting_user.pk:
        raise PermissionError("four eyes means another person: you cannot confirm your own verdict")
    locked.confirmation = Confirmation.CONFIRMED if approve else Confirmation.REJECTED
    locked.confirmed_by = acting_user
    locked.confirmed_at = timezone.now()
    locked.save(update_fields=["confirmation", "confirmed_by", "confirmed_at"])
    item = Item.objects.select_for_update().get(pk=locked.item_id)
    if approve:
        _apply_verdict(item, locked)
    else:
        item.status = ItemStatus.NEW  # back to the queue for a fresh assessment
    item.save(update_fields=["status", "close_reason", "closed_at"])
    record(
        "assessment.confirm",
        actor=acting_user,
        obj=locked,
        detail={"approve": approve, "note": note},
    )
    _refresh_reports_of(item)
    if approve:
        _after_verdict(item, locked)


@transaction.atomic
def close_item(item: Item, *, reason: str, acting_user: Actor) -> None:
    """Close an item as removed, unavailable, moved or not illegal."""
    CloseReason(reason)
    Item.objects.filter(pk=item.pk).update(
        status=ItemStatus.CLOSED, close_reason=reason, closed_at=timezone.now(), claimed_by=None
    )
    item.refresh_from_db()
    record("item.close", actor=acting_user, obj=item, detail={"reason": reason})
    _refresh_reports_of(item)


@transaction.atomic
def mark_action_taken(item: Item) -> None:
    """Routing calls this when a referral or notice went out: the reporter sees 'action taken'."""
    for report in Report.objects.filter(report_items__item=item).exclude(
        status=ReportStatus.CLOSED
    ):
        if report.status != ReportStatus.ACTION_TAKEN:
            report.status = ReportStatus.ACTION_TAKEN
            report.save(update_fields=["status"])


def _refresh_reports_of(item: Item) -> None:
    for report in Report.objects.filter(report_items__item=item):
        _refresh_report_status(report)


def _refresh_report_status(report: Report) -> None:
    statuses = list(
        Item.objects.filter(report_items__report=report).values_list("status", flat=True)
    )
    if statuses and all(s == ItemStatus.CLOSED for s in statuses):
        new = ReportStatus.CLOSED
    elif report.status == ReportStatus.ACTION_TAKEN:
        new = ReportStatus.ACTION_TAKEN
    elif statuses and all(s in (ItemStatus.ASSESSED, ItemStatus.CLOSED) for s in statuses):
        new = ReportStatus.ASSESSED
    else:
        new = ReportStatus.RECEIVED
    if new != report.status:
        report.status = new
        report.save(update_fields=["status"])


@transaction.atomic
def record_enrichment(item: Item, *, known_match: dict[str, Any] | None = None) -> None:
    """Store what enrichment learnt and recompute the priority."""
    record_enrichments({item.pk: known_match})


@transaction.atomic
def record_enrichments(known_matches: Mapping[int, dict[str, Any] | None]) -> list[Item]:
    """``record_enrichment`` for several items at once (item id → its known match, ``None``
    to keep the one it has): the items re-read under lock in id order, written with one
    UPDATE per distinct outcome, their ``item.enrich`` events with one INSERT. Items that no
    longer exist are skipped; returns the items recorded."""
    locked = list(Item.objects.select_for_update().filter(pk__in=known_matches).order_by("pk"))
    now = timezone.now()
    for item in locked:
        item.enriched_at = now
        known_match = known_matches[item.pk]
        if known_match is not None:
            item.known_match = known_match
        item.priority = compute_priority(item)
    # One UPDATE per distinct outcome (a batch has a few: new material, each known match),
    # cheaper to build than a CASE per item and field.
    by_outcome: dict[tuple[str, int], tuple[Any, int, list[int]]] = {}
    for item in locked:
        key = (json.dumps(item.known_match, sort_keys=True), item.priority)
        by_outcome.setdefault(key, (item.known_match, item.priority, []))[2].append(item.pk)
    for known_match, priority, pks in by_outcome.values():
        Item.objects.filter(pk__in=pks).update(
            enriched_at=now, known_match=known_match, priority=priority
        )
    record_many(
        [
            EventSpec("item.enrich", obj=item, detail={"known_match": bool(item.known_match)})
            for item in locked
        ],
        actor=None,
    )
    return locked


# --- reports with no item (travel and tourism) ----------------------------------------------


@transaction.atomic
def mark_report_action_taken(report: Report) -> None:
    """Routing calls this when a referral of a whole report went out (the report has no items
    whose state could say so): the reporter sees "action taken" unless it is closed."""
    Report.objects.filter(pk=report.pk).exclude(
        status__in=[ReportStatus.CLOSED, ReportStatus.ACTION_TAKEN]
    ).update(status=ReportStatus.ACTION_TAKEN)


@transaction.atomic
def close_report(report: Report, *, reason: str, acting_user: Actor) -> None:
    """Close a report that has no items (its case was closed): the status page says "closed"."""
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.CLOSED)
    record("report.close", actor=acting_user, obj=report, detail={"reason": reason})


# --- known material: confirming hash-list matches in bulk ------------------------------------


@dataclass(frozen=True)
class KnownMatchOutcome:
    """What a bulk confirmation did: the assessments made and the items left with why."""

    assessed: list[Assessment]
    skipped: list[tuple[Item, str]]


def known_match_verdict(item: Item) -> Verdict | None:
    """The verdict a hash-list match pre-classifies, or None when the list's category is not
    one of our legality verdicts (then an analyst assesses the item individually).

    The severity is the instance scheme's category closest to the match's (never milder); the
    age group is "cannot tell", since nobody looked at the material."""
    match = item.known_match or {}
    category = str(match.get("category") or "")
    if category not in (Legality.BASELINE, Legality.NATIONAL):
        return None
    inhope = get_scheme("inhope").category(category)
    scheme = get_scheme(settings.SEVERITY_SCHEME)
    severity = scheme.map_rank(inhope.rank)
    return Verdict(
        legality=category,
        scheme=scheme.code,
        severity=severity.code,
        age_group=AgeGroup.UNKNOWN,
        notes=(
            f"Confirmed the known-material match: list {match.get('list', '?')}, "
            f"{match.get('algorithm', '?')} distance {match.get('distance', '?')}."
        ),
    )


def confirm_known_matches(items: Sequence[Item], *, acting_user: User) -> KnownMatchOutcome:
    """Confirm the pre-classification of items that matched a hash list, one ``assess_item``
    per item (so each has its assessment, its ``item.assess`` audit event and its routing).
    Items no longer waiting, without a usable match or held by someone else are skipped."""
    assessed: list[Assessment] = []
    skipped: list[tuple[Item, str]] = []
    for item in items:
        current = Item.objects.get(pk=item.pk)
        verdict = known_match_verdict(current)
        if current.status != ItemStatus.NEW:
            skipped.append((current, _("no longer waiting for assessment")))
        elif verdict is None:
            skipped.append((current, _("its match does not pre-classify it")))
        else:
            try:
                assessed.append(assess_item(current, verdict, acting_user=acting_user))
            except ItemBusy as exc:
                skipped.append((current, str(exc)))
    return KnownMatchOutcome(assessed=assessed, skipped=skipped)
