from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.core.schedule import JOBS, run_scheduler


class Command(BaseCommand):
    help = "Enqueue periodic jobs when due. Run exactly one per installation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=10.0, help="seconds between checks")
        parser.add_argument("--once", action="store_true", help="check once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"scheduler: {len(JOBS)} periodic jobs: {', '.join(sorted(JOBS))}")
        self.stdout.flush()
        run_scheduler(
            interval=options["interval"],
            should_stop=lambda: stopping,
            max_checks=1 if options["once"] else None,
            on_enqueued=lambda name: self.stdout.write(f"scheduler: enqueued {name}"),
        )
