"""Fixtures shared with other areas: a real SMTP server, and audit-chain tampering."""

from __future__ import annotations

from tests.audit.conftest import tamper  # noqa: F401  (fixture)
from tests.takedown.conftest import smtp_server  # noqa: F401  (fixture)
