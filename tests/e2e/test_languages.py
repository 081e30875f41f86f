"""Every public language in Debian's Chromium with JavaScript off: the report form in each,
reports filed in Arabic, Ukrainian and Kazakh, right-to-left pages mirrored, axe-core clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from hotline.cases.models import Report
from tests.e2e.axe import assert_accessible
from tests.e2e.browser import browser

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"

TEXT_BOX = """(selector) => { const range = document.createRange();
  range.selectNodeContents(document.querySelector(selector));
  const r = range.getBoundingClientRect(); return {x: r.x, width: r.width}; }"""


def _axe_on_copy(chromium: Any, url: str, html: str, what: str) -> None:
    """axe-core needs JavaScript (its timers never fire with it off): check a JS-enabled copy of
    the page the JS-off visitor saw, loaded at the same address so its stylesheet applies."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.set_content(html)
    assert_accessible(page, what)
    context.close()


def _in(code: str, message: str) -> str:
    with translation.override(code):
        return translation.gettext(message)


def test_report_form_renders_in_every_public_language_without_javascript(live_server: Any) -> None:
    seen = {}
    with browser() as chromium:
        for code in settings.PUBLIC_LANGUAGES:
            context = chromium.new_context(  # type: ignore[attr-defined]
                java_script_enabled=False, extra_http_headers={"Accept-Language": code}
            )
            page = context.new_page()
            page.goto(f"{live_server.url}/report/online/")
            html = page.locator("html")
            seen[code] = (
                html.get_attribute("lang"),
                html.get_attribute("dir"),
                page.inner_text("#report-form button[type=submit]").strip(),
            )
            context.close()

    expected = {
        code: (code, "rtl" if code in {"ar", "fa", "ps"} else "ltr", _in(code, "Send report"))
        for code in settings.PUBLIC_LANGUAGES
    }
    assert seen == expected
    english = expected["en"][2]
    assert sorted(code for code, (_, _, button) in seen.items() if button == english) == ["en"]


@pytest.mark.parametrize("code", ["ar", "uk", "kk"])
def test_report_filed_in_the_language_of_the_page_with_its_receipt(
    live_server: Any, code: str
) -> None:
    with browser() as chromium:
        context = chromium.new_context(  # type: ignore[attr-defined]
            java_script_enabled=False, extra_http_headers={"Accept-Language": code}
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/report/online/")
        page.fill("#id_urls", f"http://gallery.example.test/{code}/1")
        page.check("input[name=concern][value=csam]")
        page.click("#report-form button[type=submit]")
        reference = page.inner_text("#receipt-reference")
        heading = page.inner_text("h1")
        _axe_on_copy(chromium, page.url, page.content(), f"receipt in {code}")

    report = Report.objects.get(reference=reference)
    assert (report.language, heading.strip()) == (
        code,
        _in(code, "Thank you: your report was received"),
    )


def test_right_to_left_page_mirrors_labels_and_error_summary(live_server: Any) -> None:
    with browser() as chromium:
        context = chromium.new_context(  # type: ignore[attr-defined]
            java_script_enabled=False,
            extra_http_headers={"Accept-Language": "ar"},
            viewport={"width": 1280, "height": 900},
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/report/online/")
        _axe_on_copy(chromium, page.url, page.content(), "Arabic report form")
        page.click("#report-form button[type=submit]")  # nothing filled in: errors
        main = page.locator("main").bounding_box()
        summary = page.locator(".error-summary").bounding_box()
        label = page.evaluate(TEXT_BOX, "label[for=id_urls]")
        field = page.locator("#id_urls").bounding_box()
        first_error = page.evaluate(TEXT_BOX, ".error-summary a")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "rtl-ar-errors.png"), full_page=True)
        _axe_on_copy(chromium, page.url, page.content(), "Arabic report form with errors")

    assert main is not None
    assert summary is not None
    assert field is not None
    right_edge = main["x"] + main["width"]
    # Mirrored: the summary, its first link and the label's text start at the right edge of the
    # page's column (within its padding), not at the left.
    assert right_edge - (summary["x"] + summary["width"]) < 40
    assert right_edge - (label["x"] + label["width"]) < 40
    assert label["x"] > main["x"] + main["width"] / 2
    assert first_error["x"] > summary["x"] + summary["width"] / 2
