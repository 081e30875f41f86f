"""The annual report: HTML with every figure, and a PDF whose pages show the charts."""

from __future__ import annotations

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
    assert [share > 0.01 for share in inked] == [True] * len(pages)
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
