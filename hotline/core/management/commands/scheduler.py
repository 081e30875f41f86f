from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from hotline.core.schedule import JOBS, enqueue_due_jobs


class Command(BaseCommand):
    help = "Enqueue periodic jobs when due. Run exactly one per installation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=10.0, help="seconds between checks")
        parser.add_argument("--once", action="store_true", help="check once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        running = True

        def stop(signum: int, frame: object) -> None:
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"scheduler: {len(JOBS)} periodic jobs: {', '.join(sorted(JOBS))}")
        while running:
            close_old_connections()
            for name in enqueue_due_jobs():
                self.stdout.write(f"scheduler: enqueued {name}")
            if options["once"]:
                return
            time.sleep(options["interval"])
