"""Every write of the monitoring app: legal facts (with history), imports, national targets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.monitoring import legal_matrix
from hotline.monitoring.indicators import INDICATORS, MANUAL
from hotline.monitoring.legal_matrix import BY_KEY, FactRow, check_fact, stored_fact
from hotline.monitoring.models import (
    ChangeVia,
    Comparison,
    LegalFactChange,
    NarrativeSection,
    NationalTarget,
    ReportNarrative,
    TargetEvidence,
)
from hotline.routing import legal
from hotline.routing.actions import ensure_jurisdiction, store_legal_facts


def _apply_fact(
    country: str,
    key: str,
    *,
    value: bool | str | None,
    source: str,
    checked_on: date | None,
    illustrative: bool,
    via: str,
    acting_user: User | None,
) -> LegalFactChange | None:
    """Store one fact and its history row; None when nothing changes. No audit event here."""
    criterion = BY_KEY.get(key)
    if criterion is None:
        raise ValueError(f"unknown legal criterion {key!r}")
    country = country.upper()
    if not legal_matrix.is_country(country):
        raise ValueError(f"unknown country code {country!r}")
    check_fact(criterion, value, source, checked_on)
    profile = ensure_jurisdiction(country, acting_user=acting_user)
    facts = dict(profile.legal_facts or {})
    old = facts.get(key) if isinstance(facts.get(key), dict) else None
    new = stored_fact(value, source, checked_on, illustrative=illustrative)
    if old == new:
        return None
    if new is None:
        facts.pop(key, None)
    else:
        facts[key] = new
    # Routing's blocklist rule reads the profile's flag: keep it in step with the sourced fact
    # (illustrative demo values never change how real routing behaves).
    sourced_blocking = key == legal.BLOCKING and isinstance(value, bool) and not illustrative
    store_legal_facts(
        profile,
        legal_facts=facts,
        blocking_allowed=bool(value) if sourced_blocking else None,
    )
    old_checked = (old or {}).get("checked_on")
    return LegalFactChange.objects.create(
        country=country,
        key=key,
        old_value=(old or {}).get("value"),
        old_source=str((old or {}).get("source") or ""),
        old_checked_on=date.fromisoformat(old_checked) if isinstance(old_checked, str) else None,
        new_value=value,
        source=source.strip() if value is not None else "",
        checked_on=checked_on if value is not None else None,
        illustrative=illustrative and value is not None,
        via=via,
        changed_by=acting_user,
        changed_at=timezone.now(),
    )


@transaction.atomic
def set_legal_fact(
    country: str,
    key: str,
    *,
    value: bool | str | None,
    source: str,
    checked_on: date | None,
    acting_user: User | None,
    illustrative: bool = False,
    via: str = ChangeVia.FORM,
) -> LegalFactChange | None:
    """Set (or, with ``value=None``, clear) one legal fact of one country, with its source
    and the date it was checked. Returns the history row, or None when nothing changed.

    A known value without a source or a date is refused (ValueError).
    """
    change = _apply_fact(
        country,
        key,
        value=value,
        source=source,
        checked_on=checked_on,
        illustrative=illustrative,
        via=via,
        acting_user=acting_user,
    )
    if change is not None:
        record(
            "legal_fact.change",
            actor=acting_user,
            obj=change,
            detail={
                "country": change.country,
                "key": key,
                "old": change.old_value,
                "new": change.new_value,
                "source": change.source,
                "via": via,
            },
        )
    return change


@dataclass(frozen=True)
class ImportResult:
    changed: int
    unchanged: int


@transaction.atomic
def import_legal_matrix(text: str, *, acting_user: User) -> ImportResult:
    """Import a legal-matrix CSV (see ``legal_matrix.parse_csv``): all rows or none.

    Every problem is reported with its line number (``MatrixImportError``) before anything
    is stored; each fact that changes gets a history row, the import one audit event.
    """
    rows: list[FactRow] = legal_matrix.parse_csv(text)
    changed: list[LegalFactChange] = []
    for row in rows:
        change = _apply_fact(
            row.country,
            row.key,
            value=row.value,
            source=row.source,
            checked_on=row.checked_on,
            illustrative=row.illustrative,
            via=ChangeVia.IMPORT,
            acting_user=acting_user,
        )
        if change is not None:
            changed.append(change)
    record(
        "legal_matrix.import",
        actor=acting_user,
        object_type="monitoring.legalfactchange",
        detail={
            "rows": len(rows),
            "changed": [f"{c.country}:{c.key}" for c in changed],
        },
    )
    return ImportResult(changed=len(changed), unchanged=len(rows) - len(changed))


# --- national targets -----------------------------------------------------------------------


@dataclass(frozen=True)
class TargetInput:
    title: str
    indicator: str
    target_value: Decimal
    start_date: date
    deadline: date
    comparison: str = Comparison.AT_LEAST
    unit: str = ""
    description: str = ""
    parameters: dict[str, Any] | None = None
    window_days: int = 365


def _check_target(data: TargetInput) -> None:
    if data.indicator != MANUAL and data.indicator not in INDICATORS:
        raise ValueError(f"unknown indicator {data.indicator!r}")
    if data.deadline <= data.start_date:
        raise ValueError("the deadline must come after the start")
    Comparison(data.comparison)


def _target_fields(data: TargetInput) -> dict[str, Any]:
    indicator = INDICATORS.get(data.indicator)
    return {
        "title": data.title.strip(),
        "description": data.description.strip(),
        "indicator": data.indicator,
        "parameters": dict(data.parameters or {}),
        "comparison": data.comparison,
        "target_value": data.target_value,
        "unit": data.unit or (indicator.unit if indicator else ""),
        "start_date": data.start_date,
        "deadline": data.deadline,
        "window_days": data.window_days,
    }


@transaction.atomic
def create_target(data: TargetInput, *, acting_user: User | None) -> NationalTarget:
    """Set a national target: an indicator, the value to reach and the deadline."""
    _check_target(data)
    target = NationalTarget.objects.create(created_by=acting_user, **_target_fields(data))
    record(
        "target.create",
        actor=acting_user,
        obj=target,
        detail={"title": target.title, "indicator": target.indicator},
    )
    return target


@transaction.atomic
def update_target(
    target: NationalTarget, data: TargetInput, *, acting_user: User | None
) -> NationalTarget:
    """Change a target's definition; the audit event keeps what it was before."""
    _check_target(data)
    locked = NationalTarget.objects.select_for_update().get(pk=target.pk)
    fields = _target_fields(data)
    before = {name: str(getattr(locked, name)) for name in fields}
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.updated_at = timezone.now()
    locked.save(update_fields=[*fields, "updated_at"])
    record("target.update", actor=acting_user, obj=locked, detail={"before": before})
    return locked


@transaction.atomic
def archive_target(target: NationalTarget, *, archived: bool, acting_user: User | None) -> None:
    """Archive a target (kept, with its evidence, out of the current list) or restore it."""
    NationalTarget.objects.filter(pk=target.pk).update(archived=archived, updated_at=timezone.now())
    target.refresh_from_db()
    record("target.archive", actor=acting_user, obj=target, detail={"archived": archived})


@transaction.atomic
def record_target_evidence(
    target: NationalTarget,
    *,
    value: Decimal,
    measured_on: date,
    evidence: str,
    source: str = "",
    acting_user: User | None,
) -> TargetEvidence:
    """Enter a value of a target's indicator by hand, with the evidence it rests on."""
    if not evidence.strip():
        raise ValueError("a value entered by hand needs its evidence")
    if measured_on > timezone.localdate():
        raise ValueError("a measurement cannot be dated in the future")
    entry = TargetEvidence.objects.create(
        target=target,
        value=value,
        measured_on=measured_on,
        evidence=evidence.strip(),
        source=source.strip(),
        recorded_by=acting_user,
    )
    record(
        "target.evidence",
        actor=acting_user,
        obj=target,
        detail={"value": str(value), "measured_on": measured_on.isoformat()},
    )
    return entry


NARRATIVE_MAX_LENGTH = 10_000


@transaction.atomic
def save_report_narrative(
    year: int, texts: dict[str, str], *, acting_user: User | None
) -> list[str]:
    """Store the hotline's own sections of ``year``'s annual report; returns the sections that
    changed (audited with their length, not their text: the report itself shows it)."""
    known = {section.value for section in NarrativeSection}
    unknown = sorted(set(texts) - known)
    if unknown:
        raise ValueError(f"unknown report section(s): {', '.join(unknown)}")
    existing = {
        n.section: n
        for n in ReportNarrative.objects.select_for_update().filter(year=year, section__in=texts)
    }
    changed: dict[str, int] = {}
    now = timezone.now()
    for section, raw in texts.items():
        text = raw.replace("\r\n", "\n").strip()
        if len(text) > NARRATIVE_MAX_LENGTH:
            raise ValueError(f"section {section} is longer than {NARRATIVE_MAX_LENGTH} characters")
        current = existing.get(section)
        if (current.text if current else "") == text:
            continue
        if current is None:
            ReportNarrative.objects.create(
                year=year, section=section, text=text, updated_by=acting_user, updated_at=now
            )
        else:
            current.text, current.updated_by, current.updated_at = text, acting_user, now
            current.save(update_fields=["text", "updated_by", "updated_at"])
        changed[section] = len(text)
    if changed:
        record(
            "monitoring.report_narrative",
            actor=acting_user,
            detail={"year": year, "sections": changed},
        )
    return list(changed)
