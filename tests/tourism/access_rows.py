"""Access-matrix rows for the tourism app's URLs (merged into tests/test_access_matrix.py)."""

from __future__ import annotations

from typing import Any

ROWS: dict[str, Any] = {}
