"""The annual report: HTML with every figure, and a PDF whose pages show the charts."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import cast

from django.urls import reverse
from PIL import Image

from hotline.monitoring import charts, report
from tests.conftest import World, signed_in, skip_unless_ci
from tests.monitoring import dataset

CHART_BLUE = tuple(int(charts.PALETTE[0][i : i + 2], 16) for i in (1, 3, 5))


def _pages(pdf: bytes) -> list[Image.Image]:
    """Rasterise every page with poppler's pdftoppm (as a reader's viewer would draw it)."""
    if shutil.which("pdftoppm") is None:
        skip_unless_ci("pdftoppm (Debian poppler-utils) is not installed")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "report.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "40", "-png", str(source), str(Path(folder) / "page")],
            check=True,
            capture_output=True,
            timeout=120,
        )
        pages = []
        for path in sorted(Path(folder).glob("page-*.png")):
            with Image.open(path) as image:
                pages.append(image.convert("RGB"))
        return pages


def _pixels(page: Image.Image) -> list[tuple[int, int, int]]:
    return cast(list[tuple[int, int, int]], list(page.get_flattened_data()))


def _near(colour: tuple[int, int, int], wanted: tuple[int, ...], slack: int = 12) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(colour, wanted, strict=True))


def _needs_weasyprint() -> None:
    if not report.pdf_available():
        skip_unless_ci("WeasyPrint (PyPI) with Pango (Debian libpango-1.0-0) is not installed")


def test_annual_report_pdf_renders_pages_with_charts(world: World) -> None:
    _needs_weasyprint()
    dataset.build(world.alice)
    context = report.annual_context(dataset.YEAR, now=dataset.NOW)

    pdf = report.render_pdf(context)
    pages = _pages(pdf)

    assert pdf.startswith(b"%PDF-")
    assert len(pages) >= 3
    inked = [
        sum(1 for c in _pixels(page) if c != (255, 255, 255)) / (page.width * page.height)
        for page in pages
    ]
    # No blank page (each part starts on a page of its own, so some pages carry little).
    assert [share > 0.002 for share in inked] == [True] * len(pages)
    chart_pixels = [sum(1 for c in _pixels(page) if _near(c, CHART_BLUE)) for page in pages]
    assert sum(1 for n in chart_pixels if n > 50) >= 3


def test_annual_report_pdf_download(world: World) -> None:
    _needs_weasyprint()
    response = signed_in(world.erin).get(reverse("monitoring:report_pdf", kwargs={"year": 2025}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="hotline-annual-report-2025.pdf"'
    )


def test_annual_report_html_has_charts_and_csv_links(world: World) -> None:
    dataset.build(world.alice)

    response = signed_in(world.charlie).get(reverse("monitoring:report", kwargs={"year": 2025}))

    body = response.content.decode()
    sections = response.context["sections"]
    figure_count = sum(len(figures) for _title, figures in sections)
    assert response.status_code == 200
    assert body.count("<svg ") == figure_count
    assert body.count("from=2025-01-01&amp;to=2025-12-31") == figure_count
    assert response.context["headline"]["reports"] == 5


def test_annual_report_for_a_year_out_of_range_is_not_found(world: World) -> None:
    response = signed_in(world.charlie).get(reverse("monitoring:report", kwargs={"year": 1990}))

    assert response.status_code == 404


def test_rendering_the_pdf_leaves_pillow_strict_about_truncated_images() -> None:
    from PIL import ImageFile

    from hotline.monitoring.report import pdf_available

    pdf_available()

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


# --- the report as a publication -------------------------------------------------------------


def _write_texts(world: World) -> None:
    from hotline.monitoring.actions import save_report_narrative

    save_report_narrative(
        dataset.YEAR,
        {
            "foreword": "A synthetic foreword.\n\nIts second paragraph.",
            "outlook": "Synthetic plans for next year.",
        },
        acting_user=world.charlie,
    )


def _tables_per_page(context: dict[str, object]) -> dict[int, set[int]]:
    """Which pages each <table> element is laid out on (WeasyPrint's own page boxes)."""
    from django.template.loader import render_to_string
    from weasyprint import CSS, HTML

    html = render_to_string("monitoring/report_pdf.html", context)
    document = HTML(string=html).render(
        stylesheets=[CSS(string=report.PRINT_CSS.read_text(encoding="utf-8"))]
    )
    pages: dict[int, set[int]] = {}

    def walk(box: object, page: int) -> None:
        if getattr(box, "element_tag", None) == "table":
            pages.setdefault(id(box.element), set()).add(page)  # type: ignore[attr-defined]
        for child in getattr(box, "children", ()):
            walk(child, page)

    for number, page in enumerate(document.pages, start=1):
        walk(page._page_box, number)
    return pages


def test_annual_report_pdf_is_a_tagged_pdf_ua_publication(world: World, tmp_path: Path) -> None:
    _needs_weasyprint()
    if shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        skip_unless_ci("pdfinfo/pdftotext (Debian poppler-utils) are not installed")
    dataset.build(world.alice)
    _write_texts(world)
    context = report.annual_context(dataset.YEAR, now=dataset.NOW)
    source = tmp_path / "report.pdf"
    source.write_bytes(report.render_pdf(context))

    info = subprocess.run(
        ["pdfinfo", str(source)], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    text = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    cover = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(source), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout

    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(r"^Title:\s+Annual report 2025", info, re.M)
    assert "pdf/ua" in subprocess.run(
        ["pdfinfo", "-meta", str(source)], check=True, capture_output=True, text=True, timeout=60
    ).stdout.lower().replace("pdfuaid", "pdf/ua")
    # The cover is a page of its own; the staff's own words are in, in their order.
    assert cover.split() == ["Hotline", "Annual", "report", "2025", *cover.split()[4:]]
    assert "Contents" not in cover
    pages = text.split("\f")

    def page_of(words: str) -> int:
        return next(n for n, page in enumerate(pages) if page.lstrip().startswith(words))

    assert page_of("Contents") < page_of("Foreword") < page_of("Key figures")
    assert page_of("Key figures") < page_of("Looking ahead")
    assert "Synthetic plans for next year." in pages[page_of("Looking ahead")]
    assert "…" not in text  # no chart label shortened


def test_no_table_of_the_annual_report_is_split_across_pages(world: World) -> None:
    _needs_weasyprint()
    dataset.build(world.alice)
    context = report.annual_context(dataset.YEAR, now=dataset.NOW)

    pages = _tables_per_page(context)

    assert len(pages) >= 5
    assert [sorted(p) for p in pages.values() if len(p) > 1] == []


def test_pdf_pages_are_all_drawn_and_the_charts_are_inside_them(world: World) -> None:
    _needs_weasyprint()
    dataset.build(world.alice)
    _write_texts(world)
    context = report.annual_context(dataset.YEAR, now=dataset.NOW)

    pages = _pages(report.render_pdf(context))

    # Page by page: ink on every page, and none in the outer 3 % left and right of any page
    # but the cover (a chart or a label running off the page would leave some there).
    def edge_ink(page: Image.Image) -> int:
        margin = int(page.width * 0.03)
        pixels = page.load()
        return sum(
            1
            for x in (*range(margin), *range(page.width - margin, page.width))
            for y in range(page.height)
            if pixels[x, y] != (255, 255, 255)  # type: ignore[index]
        )

    assert all(_pixels(page).count((255, 255, 255)) < page.width * page.height for page in pages)
    assert [edge_ink(page) for page in pages[1:]] == [0] * (len(pages) - 1)


def test_report_texts_are_written_by_staff_through_a_page(world: World) -> None:
    from hotline.audit.models import AuditEvent

    url = reverse("monitoring:report_narrative", kwargs={"year": 2025})
    client = signed_in(world.charlie)

    response = client.post(
        url,
        {
            "foreword": "Our foreword.\r\n\r\nSecond.",
            "year_in_brief": "",
            "partners": "",
            "outlook": "",
        },
    )
    page = client.get(reverse("monitoring:report", kwargs={"year": 2025})).content.decode()
    refused = signed_in(world.frank).get(url)  # auditors read the report, they do not write it

    assert response.status_code == 302
    assert "<p>Our foreword.</p><p>Second.</p>" in page.replace("\n  ", "")
    assert AuditEvent.objects.get(action="monitoring.report_narrative").detail == {
        "year": 2025,
        "sections": {"foreword": 22},
    }
    assert refused.status_code == 403


def test_report_text_too_long_is_refused_naming_the_field(world: World) -> None:
    url = reverse("monitoring:report_narrative", kwargs={"year": 2025})

    response = signed_in(world.charlie).post(url, {"outlook": "x" * 10_001})

    assert response.status_code == 200
    assert response.context["form"].errors["outlook"] == [
        "Ensure this value has at most 10000 characters (it has 10001)."
    ]
