"""A real Chromium (Debian's package) driven by Playwright, for end-to-end tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connections

from tests.conftest import skip_unless_ci

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    skip_unless_ci("Debian's chromium is not installed (apt-get install chromium)")
    raise AssertionError("unreachable")


@contextmanager
def browser() -> Iterator[object]:
    """A headless Chromium; Django's ORM may be used from the test while it runs."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_unless_ci("playwright is not installed (pip install -e '.[dev]')")
    executable = chromium_path()
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are
    # ordinary blocking calls, so Django's async-safety guard is lifted for this test only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            instance = p.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield instance
            finally:
                instance.close()
                # Inside Playwright's event loop Django's connections are per-context: the test
                # body's ORM calls opened one here, which nothing else would ever close.
                connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


__all__ = ["browser", "pytest"]
