"""Who may see the platform's operations pages (merged into tests/test_access_matrix.py)."""

from __future__ import annotations

from tests.access import Row, api, everyone, staff

ROWS: dict[str, Row] = {
    # Readiness reveals counts only (no host names), for orchestrators; 503: no worker runs.
    "readyz": Row(everyone(503)),
    # Host names, process ids and queue contents are for administrators.
    "health": Row(staff("erin")),
    # Only a credential with the metrics scope; the world's feed and intake tokens lack it.
    "metrics": Row(api()),
    # Signed audit heads carry no case data: any valid credential may witness them.
    "api_audit_head": Row(api(feed=200, company=200)),
    "api_audit_checkpoint": Row(api(feed=200, company=200)),
}
