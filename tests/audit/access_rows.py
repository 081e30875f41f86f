"""Access-matrix rows for the auditors' audit log (merged into tests/test_access_matrix.py).

Only this hotline's auditors read the log; administrators do not (they are among those
it holds to account).
"""

from __future__ import annotations

from tests.access import Row, staff

ROWS: dict[str, Row] = {
    "audit:log": Row(staff("frank")),
    "audit:export": Row(staff("frank")),
    "audit:verify": Row(staff("frank", status=302), method="post"),
}
