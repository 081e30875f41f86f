"""The legal matrix: what the law of each country says, criterion by criterion.

The five criteria of ICMEC's review of model legislation on child sexual abuse material,
then the facts cross-border work needs (extraterritorial jurisdiction, dual criminality,
extradition), ISP blocking and the reporting duties of companies. Values are stored in
``JurisdictionProfile.legal_facts`` in the format ``hotline.routing.legal`` defines and
reads (``{key: {"value", "source", "checked_on"}}``): a value without a source is unknown,
so nothing is presented as current law without one. Writes go through ``actions``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pycountry
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.monitoring.regions import Region
from hotline.routing import legal
from hotline.routing.legal import LegalFact
from hotline.routing.models import JurisdictionProfile

# ICMEC, "Child Sexual Abuse Material: Model Legislation & Global Review": the five criteria.
CSAM_LEGISLATION = "icmec_csam_legislation"
CSAM_DEFINED = "icmec_csam_defined"
TECHNOLOGY_OFFENCES = "icmec_technology_facilitated_offences"
KNOWING_POSSESSION = "icmec_knowing_possession"
ISP_REPORTING = "icmec_isp_reporting_required"
# How blocking is done where it is allowed, and what companies must report.
BLOCKING_METHOD = "isp_blocking_method"
COMPANY_REPORTING_DUTIES = "company_reporting_duties"

YES_NO = "yes_no"
TEXT = "text"
ILLUSTRATIVE_SOURCE = "ILLUSTRATIVE DEMO DATA — not current law"
MAX_TEXT = 2000


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str | Promise
    kind: str  # YES_NO or TEXT
    # The answer model legislation asks for; None: not part of the gap report.
    wanted: bool | None
    group: str | Promise
    help: str | Promise = ""


ICMEC = gettext_lazy("ICMEC model legislation")
CROSS_BORDER = gettext_lazy("Cross-border cases")
INDUSTRY = gettext_lazy("Internet industry")

CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        CSAM_LEGISLATION,
        gettext_lazy("Legislation specific to child sexual abuse material"),
        YES_NO,
        True,
        ICMEC,
    ),
    Criterion(
        CSAM_DEFINED,
        gettext_lazy("Child sexual abuse material defined in law"),
        YES_NO,
        True,
        ICMEC,
    ),
    Criterion(
        TECHNOLOGY_OFFENCES,
        gettext_lazy("Technology-facilitated offences criminalised"),
        YES_NO,
        True,
        ICMEC,
    ),
    Criterion(
        KNOWING_POSSESSION,
        gettext_lazy("Knowing possession criminalised"),
        YES_NO,
        True,
        ICMEC,
        gettext_lazy("Regardless of the intent to distribute."),
    ),
    Criterion(ISP_REPORTING, gettext_lazy("ISP reporting required"), YES_NO, True, ICMEC),
    Criterion(
        legal.EXTRATERRITORIAL, legal.LABELS[legal.EXTRATERRITORIAL], YES_NO, True, CROSS_BORDER
    ),
    Criterion(
        legal.DUAL_CRIMINALITY,
        legal.LABELS[legal.DUAL_CRIMINALITY],
        YES_NO,
        False,
        CROSS_BORDER,
        gettext_lazy(
            "Required: the act must also be a crime where it was committed (a gap for extraterritorial cases)."
        ),
    ),
    Criterion(legal.EXTRADITION, legal.LABELS[legal.EXTRADITION], YES_NO, True, CROSS_BORDER),
    Criterion(legal.BLOCKING, legal.LABELS[legal.BLOCKING], YES_NO, None, INDUSTRY),
    Criterion(
        BLOCKING_METHOD,
        gettext_lazy("How ISP blocking is done"),
        TEXT,
        None,
        INDUSTRY,
        gettext_lazy("e.g. DNS blocking of a national list, voluntary or mandatory."),
    ),
    Criterion(
        COMPANY_REPORTING_DUTIES,
        gettext_lazy("Reporting duties of companies"),
        TEXT,
        None,
        INDUSTRY,
        gettext_lazy("Who must report what, to whom, and how fast."),
    ),
)
BY_KEY = {c.key: c for c in CRITERIA}
GAP_CRITERIA = tuple(c for c in CRITERIA if c.wanted is not None)


def country_name(code: str) -> str:
    entry = pycountry.countries.get(alpha_2=code.upper())
    return entry.name if entry else code.upper()


def is_country(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


# --- values ---------------------------------------------------------------------------------

_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n"}


def parse_value(criterion: Criterion, text: str) -> bool | str | None:
    """A typed value from its text form; empty means unknown. Raises ValueError."""
    text = text.strip()
    if not text or text.lower() == "unknown":
        return None
    if criterion.kind == YES_NO:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ValueError(
            _("expected yes, no or nothing (unknown), got %(value)r") % {"value": text}
        )
    if len(text) > MAX_TEXT:
        raise ValueError(_("at most %(n)s characters") % {"n": MAX_TEXT})
    return text


def value_text(value: bool | str | None) -> str:
    """The CSV form of a value (yes/no, text, or empty for unknown)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def check_fact(
    criterion: Criterion, value: bool | str | None, source: str, checked_on: date | None
) -> None:
    """Refuse a known value without its source and the date it was checked (ValueError)."""
    if value is None:
        return
    if isinstance(value, bool) != (criterion.kind == YES_NO):
        raise ValueError(_("wrong kind of value for this criterion"))
    if not source.strip():
        raise ValueError(_("a value needs its source (law, article, or publication)"))
    if checked_on is None:
        raise ValueError(_("a value needs the date it was checked"))
    if checked_on > timezone.localdate():
        raise ValueError(_("the date checked cannot be in the future"))


def stored_fact(
    value: bool | str | None, source: str, checked_on: date | None, *, illustrative: bool = False
) -> dict[str, Any] | None:
    """The JSON ``hotline.routing.legal`` reads; None means the fact is removed (unknown)."""
    if value is None:
        return None
    fact: dict[str, Any] = {
        "value": value,
        "source": source.strip(),
        "checked_on": checked_on.isoformat() if checked_on else None,
    }
    if illustrative:
        fact["illustrative"] = True
    return fact


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    criterion: Criterion
    fact: LegalFact
    illustrative: bool

    @property
    def text(self) -> str:
        if not self.fact.known:
            return _("unknown")
        value = self.fact.value
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return str(value)

    @property
    def gap(self) -> bool | None:
        """True: the law lacks what is wanted; False: it has it; None: unknown or not a criterion."""
        if self.criterion.wanted is None or not self.fact.known:
            return None
        return self.fact.value is not self.criterion.wanted


def _read(raw: object, key: str) -> tuple[LegalFact, bool]:
    """One stored fact, read exactly as ``hotline.routing.legal.legal_fact`` reads it."""
    if not isinstance(raw, dict) or not raw.get("source"):
        return LegalFact(key, None, "", None), False
    checked = raw.get("checked_on")
    try:
        checked_on = date.fromisoformat(checked) if checked else None
    except (TypeError, ValueError):
        checked_on = None
    illustrative = bool(raw.get("illustrative")) or str(raw["source"]).startswith(
        ILLUSTRATIVE_SOURCE
    )
    return LegalFact(key, raw.get("value"), str(raw["source"]), checked_on), illustrative


@dataclass
class CountryLaw:
    country: str
    cells: list[Cell]
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = country_name(self.country)

    @property
    def missing(self) -> list[Criterion]:
        return [c.criterion for c in self.cells if c.gap is True]

    @property
    def met(self) -> list[Criterion]:
        return [c.criterion for c in self.cells if c.gap is False]

    @property
    def unknown(self) -> list[Criterion]:
        return [
            c.criterion for c in self.cells if c.criterion.wanted is not None and not c.fact.known
        ]

    @property
    def illustrative(self) -> bool:
        return any(c.illustrative for c in self.cells)

    def cell(self, key: str) -> Cell:
        return next(c for c in self.cells if c.criterion.key == key)


def _law(country: str, facts: dict[str, Any]) -> CountryLaw:
    cells = []
    for criterion in CRITERIA:
        fact, illustrative = _read(facts.get(criterion.key), criterion.key)
        cells.append(Cell(criterion, fact, illustrative))
    return CountryLaw(country.upper(), cells)


def country_law(country: str) -> CountryLaw:
    profile = JurisdictionProfile.objects.filter(country=country.upper()).first()
    return _law(country, profile.legal_facts if profile else {})


def matrix(countries: tuple[str, ...] | None = None) -> list[CountryLaw]:
    """Every country with a jurisdiction profile (or exactly ``countries``), by name."""
    profiles = {p.country: p.legal_facts for p in JurisdictionProfile.objects.all()}
    codes = countries if countries is not None else tuple(profiles)
    return sorted(
        (_law(code, profiles.get(code.upper(), {})) for code in codes), key=lambda law: law.name
    )


# --- gap report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionTally:
    criterion: Criterion
    met: int
    missing: int
    unknown: int


@dataclass(frozen=True)
class RegionGaps:
    region: Region
    countries: list[CountryLaw]
    tallies: list[CriterionTally]

    @property
    def complete(self) -> list[CountryLaw]:
        """Countries that meet every criterion (and have none unknown)."""
        return [c for c in self.countries if not c.missing and not c.unknown]


def region_gaps(region: Region) -> RegionGaps:
    countries = matrix(region.countries)
    tallies = []
    for criterion in GAP_CRITERIA:
        cells = [law.cell(criterion.key) for law in countries]
        tallies.append(
            CriterionTally(
                criterion,
                met=sum(1 for c in cells if c.gap is False),
                missing=sum(1 for c in cells if c.gap is True),
                unknown=sum(1 for c in cells if c.gap is None),
            )
        )
    return RegionGaps(region, countries, tallies)


def gap_rows(countries: list[CountryLaw]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The gap report as a table: one row per country, one column per gap criterion."""
    columns = (_("Country"), *(str(c.label) for c in GAP_CRITERIA), _("Missing"), _("Unknown"))
    marks = {True: _("missing"), False: _("met"), None: _("unknown")}
    rows = [
        (
            f"{law.name} ({law.country})",
            *(marks[law.cell(c.key).gap] for c in GAP_CRITERIA),
            str(len(law.missing)),
            str(len(law.unknown)),
        )
        for law in countries
    ]
    return columns, rows


# --- CSV ------------------------------------------------------------------------------------

CSV_COLUMNS = ("country", "key", "value", "source", "checked_on", "illustrative")
REQUIRED_COLUMNS = CSV_COLUMNS[:5]


@dataclass(frozen=True)
class FactRow:
    line: int
    country: str
    key: str
    value: bool | str | None
    source: str
    checked_on: date | None
    illustrative: bool


class MatrixImportError(ValueError):
    """Every problem of a CSV file, each with its line number; nothing was stored."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def export_rows() -> list[tuple[str, ...]]:
    """One row per stored fact (country, criterion), in country and criterion order."""
    rows: list[tuple[str, ...]] = []
    for profile in JurisdictionProfile.objects.order_by("country"):
        for criterion in CRITERIA:
            raw = profile.legal_facts.get(criterion.key)
            if not isinstance(raw, dict) or "value" not in raw:
                continue
            fact, illustrative = _read(raw, criterion.key)
            rows.append(
                (
                    profile.country,
                    criterion.key,
                    value_text(raw.get("value")),
                    str(raw.get("source") or ""),
                    fact.checked_on.isoformat() if fact.checked_on else "",
                    "yes" if illustrative else "",
                )
            )
    return rows


def parse_csv(text: str) -> list[FactRow]:
    """Read and check a whole matrix file; raise ``MatrixImportError`` listing every problem."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(_("line 1: missing columns: %(cols)s") % {"cols": ", ".join(missing)})
        if unknown:
            problems.append(_("line 1: unknown columns: %(cols)s") % {"cols": ", ".join(unknown)})
        raise MatrixImportError(problems)
    reader.fieldnames = header
    errors: list[str] = []
    rows: list[FactRow] = []
    seen: dict[tuple[str, str], int] = {}
    for record in reader:
        line = reader.line_num
        if None in record:
            errors.append(_("line %(line)s: more values than columns") % {"line": line})
            continue
        cells = {k: (v or "").strip() for k, v in record.items()}
        if not any(cells.values()):
            continue
        problems = []
        country = cells["country"].upper()
        if not is_country(country):
            problems.append(_("unknown country code %(code)r") % {"code": cells["country"]})
        criterion = BY_KEY.get(cells["key"])
        if criterion is None:
            problems.append(_("unknown criterion %(key)r") % {"key": cells["key"]})
        value: bool | str | None = None
        checked_on: date | None = None
        if criterion is not None:
            try:
                value = parse_value(criterion, cells["value"])
            except ValueError as exc:
                problems.append(str(exc))
        if cells["checked_on"]:
            try:
                checked_on = date.fromisoformat(cells["checked_on"])
            except ValueError:
                problems.append(_("checked_on must be a date such as 2026-01-31"))
        if criterion is not None and not problems:
            try:
                check_fact(criterion, value, cells["source"], checked_on)
            except ValueError as exc:
                problems.append(str(exc))
        if (country, cells["key"]) in seen:
            problems.append(
                _("%(country)s %(key)s already given on line %(first)s")
                % {"country": country, "key": cells["key"], "first": seen[(country, cells["key"])]}
            )
        seen.setdefault((country, cells["key"]), line)
        if problems:
            errors.extend(
                _("line %(line)s: %(problem)s") % {"line": line, "problem": p} for p in problems
            )
            continue
        rows.append(
            FactRow(
                line,
                country,
                cells["key"],
                value,
                cells["source"] if value is not None else "",
                checked_on if value is not None else None,
                cells.get("illustrative", "").lower() in _TRUE,
            )
        )
    if errors:
        raise MatrixImportError(errors)
    return rows
