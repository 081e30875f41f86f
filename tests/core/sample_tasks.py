"""Tasks used by the worker tests. Each appends to a journal file so a test can see runs."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def journaled_sleep(journal: str, seconds: float) -> str:
    """Write 'start <pid>', sleep, write 'done <pid>'."""
    path = Path(journal)
    with path.open("a") as f:
        f.write(f"start {os.getpid()}\n")
    time.sleep(seconds)
    with path.open("a") as f:
        f.write(f"done {os.getpid()}\n")
    return "ok"


@task()
def fails_then_succeeds(journal: str, failures: int) -> str:
    """Fail the first ``failures`` runs, then succeed."""
    path = Path(journal)
    runs = len(path.read_text().splitlines()) if path.exists() else 0
    with path.open("a") as f:
        f.write(f"run {runs + 1}\n")
    if runs < failures:
        raise RuntimeError(f"planned failure {runs + 1}")
    return "ok"
