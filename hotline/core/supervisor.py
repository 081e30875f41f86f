"""``hotline run``'s supervisor: starts the web server, a worker and the scheduler as child
processes, restarts any that dies (with backoff, logged), and stops them all on SIGTERM/SIGINT.

The supervisor itself never touches the database, so nothing that happens to the database can
stop it; each child survives outages by itself and the supervisor covers what remains (a child
killed by the kernel, an operator's mistaken ``kill -9``, a crash).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

# A child that exits with this code cannot work as configured (bad settings, address in use):
# restarting it would only repeat the error, so the supervisor stops everything and says so.
EXIT_CONFIGURATION = 2
# A child that ran this long before dying counts as healthy: its restart delay starts over.
STABLE_AFTER_SECONDS = 60.0


@dataclass
class Child:
    """One supervised process: its name (web, worker, scheduler) and its command line."""

    name: str
    command: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    delay: float = 0.0
    restart_at: float | None = None
    exits: list[int] = field(default_factory=list)


def _own_process_group() -> None:  # pragma: no cover - runs in the child between fork and exec
    # The terminal's Ctrl+C reaches the supervisor only; it then stops each child exactly once
    # (a worker treats a second signal as "abandon the current task").
    os.setpgid(0, 0)
    _die_with_parent()


def _die_with_parent() -> None:  # pragma: no cover - Linux only, in the child
    # If the supervisor itself is killed (SIGKILL), its children must not run on unsupervised.
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return


class Supervisor:
    """Keep ``children`` running until asked to stop."""

    def __init__(
        self,
        children: Sequence[Child],
        *,
        min_delay: float = 1.0,
        max_delay: float = 30.0,
        stop_timeout: float = 10.0,
        poll: float = 0.2,
    ) -> None:
        self.children = list(children)
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.stop_timeout = stop_timeout
        self.poll = poll
        self.stopping = False
        self.exit_code = 0

    # --- lifecycle --------------------------------------------------------------------
    def request_stop(self, signum: int = signal.SIGTERM, frame: object = None) -> None:
        """Signal handler: stop after this round (only sets a flag: safe in a handler)."""
        self.stopping = True

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)

    def run(self) -> int:
        """Start every child and supervise until stopped; returns the exit code for the
        command (0 after a requested stop, 2 when a child reported a configuration error)."""
        for child in self.children:
            self._start(child)
        try:
            while not self.stopping:
                self.check()
                time.sleep(self.poll)
        finally:
            self.stop_all()
        return self.exit_code

    def _start(self, child: Child) -> None:
        child.process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            child.command, preexec_fn=_own_process_group
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        logger.info("%s started (pid %d)", child.name, child.process.pid)

    def check(self) -> None:
        """One round: notice children that exited, restart those whose delay has passed."""
        now = time.monotonic()
        for child in self.children:
            if child.process is not None:
                code = child.process.poll()
                if code is None:
                    continue
                child.exits.append(code)
                child.process = None
                if code == EXIT_CONFIGURATION:
                    logger.error(
                        "%s cannot run as configured (exit code %d); stopping everything",
                        child.name,
                        code,
                    )
                    self.exit_code = EXIT_CONFIGURATION
                    self.stopping = True
                    return
                ran = now - child.started_at
                child.delay = (
                    self.min_delay
                    if ran >= STABLE_AFTER_SECONDS or child.delay == 0
                    else min(self.max_delay, child.delay * 2)
                )
                child.restart_at = now + child.delay
                logger.warning(
                    "%s exited (%s) after %.1f s; restarting in %.1f s",
                    child.name,
                    _describe_exit(code),
                    ran,
                    child.delay,
                )
            elif child.restart_at is not None and now >= child.restart_at and not self.stopping:
                child.restarts += 1
                self._start(child)

    def stop_all(self) -> None:
        """SIGTERM every child, wait up to ``stop_timeout`` for each, then SIGKILL."""
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + self.stop_timeout
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("pid %d did not stop in time; killing it", process.pid)
                process.kill()
                process.wait()
        for child in self.children:
            child.process = None
            child.restart_at = None


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
