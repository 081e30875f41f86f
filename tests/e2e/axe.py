"""axe-core (Deque's accessibility engine) run over a page in the real browser.

The engine is the ``axe.min.js`` shipped inside the PyPI package ``axe-playwright-python``
(MPL-2.0); nothing is fetched at run time. It is evaluated through the DevTools protocol, so our
strict Content-Security-Policy stays on for the page under test.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

_SOURCE: str | None = None


def _axe_source() -> str:
    global _SOURCE
    if _SOURCE is None:
        _SOURCE = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")
    return _SOURCE


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now, of any impact.

    The page's context must have JavaScript enabled: with it off, Chromium fires no timers and
    ``axe.run`` never settles. For a JavaScript-off visit, check a copy of the page's HTML.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))})); }"
    )
    return list(result)


def assert_accessible(page: Any, what: str = "") -> None:
    """Fail with each violation's rule, impact and the elements it names."""
    violations = axe_violations(page)
    lines = [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(v['nodes'][:5])}" for v in violations
    ]
    assert not violations, f"axe-core violations on {what or page.url}:\n" + "\n".join(lines)
