"""Tasks used by the worker tests. Each appends to a journal file so a test can see runs."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django_tasks import task

from hotline.core.worker import BATCH_RUNNERS


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


@task()
def journaled_double(*, journal: str, value: int) -> int:
    """Write 'one <value>' and return twice the value; a negative value fails."""
    with Path(journal).open("a") as f:
        f.write(f"one {value}\n")
    if value < 0:
        raise ValueError(f"negative value {value}")
    return 2 * value


def journaled_double_runs(runs: Sequence[dict[str, Any]]) -> list[int]:
    """``journaled_double``'s batch runner: writes 'batch <values>' once; fails (having done
    nothing else) when any value is negative."""
    values = [int(run["value"]) for run in runs]
    with Path(str(runs[0]["journal"])).open("a") as f:
        f.write(f"batch {' '.join(map(str, values))}\n")
    if any(value < 0 for value in values):
        raise ValueError("a negative value in the batch")
    return [2 * value for value in values]


BATCH_RUNNERS.register(journaled_double.module_path, journaled_double_runs)
