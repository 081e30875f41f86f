"""Fixtures for the matching tests: Meta's benign PDQ test data, read in place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import skip_unless_ci

PDQ_TESTDATA = Path(
    os.environ.get(
        "HOTLINE_PDQ_TESTDATA", Path(__file__).resolve().parents[3] / "shared/testdata/pdq"
    )
)


@pytest.fixture
def pdq_testdata() -> Path:
    """The PDQ conformance folder (images, expected.csv, hash lists); skipped where absent."""
    if not (PDQ_TESTDATA / "expected.csv").is_file():
        skip_unless_ci(f"PDQ test data not found at {PDQ_TESTDATA} (set HOTLINE_PDQ_TESTDATA)")
    return PDQ_TESTDATA
