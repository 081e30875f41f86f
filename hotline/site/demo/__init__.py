"""Demo data for ``hotline demo``, in one place: the accounts, reports and routing world
(``base``), the tourism world (``tourism``) and the monitoring figures (``monitoring``).
Synthetic data under reserved names only. It lives in the assembly layer because it fills
every app."""

from __future__ import annotations

from hotline.site.demo.base import DemoSummary, load_demo_data

__all__ = ["DemoSummary", "load_demo_data"]
