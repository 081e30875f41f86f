from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.core.worker import HotlineWorker, new_worker_id


class Command(BaseCommand):
    help = "Run background tasks and deliver the outbox. Start as many as you need."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queue", action="append", dest="queues", help="queue(s) to serve (default: all)"
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds to sleep when idle"
        )
        parser.add_argument(
            "--batch", action="store_true", help="exit when there is nothing left to do"
        )
        parser.add_argument(
            "--no-outbox", action="store_true", help="do not deliver outbox messages"
        )
        parser.add_argument(
            "--worker-id", default="", help="stable id for this worker (default: generated)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("hotline").setLevel(logging.INFO)
        worker = HotlineWorker(
            queue_names=options["queues"] or ["*"],
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=options["worker_id"] or new_worker_id(),
            excluded_queue_names=[],
            outbox=not options["no_outbox"],
        )
        worker.configure_signals()
        worker.run()
