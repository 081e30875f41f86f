"""The annual report: the same figures as the dashboard for one calendar year, as HTML and
as PDF (WeasyPrint draws the very SVG charts the page shows; it fetches nothing)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from hotline.monitoring import figures, indicators, legal_matrix, queries
from hotline.monitoring.models import NarrativeSection, NationalTarget, ReportNarrative
from hotline.monitoring.periods import Period

STATIC = Path(__file__).resolve().parent / "static" / "monitoring"
PRINT_CSS = STATIC / "report-print.css"


def report_years() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - 10, -1))


@dataclass(frozen=True)
class Narrative:
    """One of the hotline's own sections, as the report shows it."""

    key: str
    title: str
    paragraphs: tuple[str, ...]


def narrative_texts(year: int) -> dict[str, str]:
    """The saved text of each of ``year``'s own sections (missing ones absent)."""
    return dict(ReportNarrative.objects.filter(year=year).values_list("section", "text"))


def narratives(year: int) -> dict[str, Narrative]:
    """Every own section of ``year``, by key, its text split into paragraphs at blank lines."""
    texts = narrative_texts(year)
    return {
        section.value: Narrative(
            key=section.value,
            title=str(section.label),
            paragraphs=tuple(
                p.strip() for p in re.split(r"\n\s*\n", texts.get(section.value, "")) if p.strip()
            ),
        )
        for section in NarrativeSection
    }


def annual_context(year: int, now: datetime | None = None) -> dict[str, Any]:
    """Everything the annual report shows for ``year`` (figures computed as of ``now``)."""
    now = now or timezone.now()
    period = Period.year(year)
    year_end = min(period.end, timezone.localdate(now))
    overall = queries.time_to_removal(period, now=now)
    domestic = queries.time_to_removal(period, country=queries.home_country(), now=now)
    outcomes = queries.assessment_outcomes(period)
    targets = [
        indicators.progress(target, today=year_end, now=now)
        for target in NationalTarget.objects.filter(archived=False, start_date__lte=period.end)
    ]
    home = queries.home_country()
    return {
        "year": year,
        "period": period,
        "generated_at": now,
        "instance_name": settings.INSTANCE_NAME,
        "home_country": queries.country_label(home),
        "headline": {
            "reports": sum(c.count for c in queries.reports_by_channel(period)),
            "assessed": sum(c.count for c in outcomes),
            "illegal": sum(c.count for c in outcomes if c.key in queries.ILLEGAL),
            "median_hours": overall.median_hours,
            "domestic_within_3d": domestic.shares["3d"].percent,
            "referrals": sum(r.total for r in queries.referral_outcomes(period)),
        },
        "sections": figures.build_sections(period, now),
        "targets": targets,
        "law": legal_matrix.country_law(home) if home else None,
        "narrative": narratives(year),
    }


def _import_weasyprint() -> None:
    """Import WeasyPrint without its side effect on the whole process: it switches Pillow to
    accepting truncated images, which would let malformed uploads through media checks."""
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint  # noqa: F401
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before


def pdf_available() -> bool:
    """Whether WeasyPrint (and the Pango it loads) can be imported here."""
    try:
        _import_weasyprint()
    except (ImportError, OSError):
        return False
    return True


def render_pdf(context: dict[str, Any]) -> bytes:
    """The annual report as PDF. Only ``data:`` URLs may be fetched: no network, no files."""
    # WeasyPrint reports each layout step at INFO; keep the log for what matters.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    _import_weasyprint()
    from weasyprint import CSS, HTML, URLFetcher

    html = render_to_string("monitoring/report_pdf.html", context)
    fetcher = URLFetcher(allowed_protocols=("data",))
    stylesheet = CSS(string=PRINT_CSS.read_text(encoding="utf-8"), url_fetcher=fetcher)
    document = HTML(string=html, url_fetcher=fetcher, base_url=None)
    # PDF/UA-1: tagged structure (headings, tables, figures with their alternative text),
    # document language and title, so that screen readers read the PDF as they read the page.
    pdf: bytes = document.write_pdf(stylesheets=[stylesheet], pdf_variant="pdf/ua-1")
    return pdf


def report_filename(year: int, extension: str) -> str:
    return f"hotline-annual-report-{year}.{extension}"
