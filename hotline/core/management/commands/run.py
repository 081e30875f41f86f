from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Serve the web application (waitress) and, unless told otherwise, one worker and the "
        "scheduler beside it: the embedded all-in-one mode. At scale run the pieces separately."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT to listen on")
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="do not start a worker")
        parser.add_argument(
            "--no-scheduler", action="store_true", help="do not start the scheduler"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from hotline.core.proxy import WAITRESS_OPTIONS, trust_proxies
        from hotline.wsgi import application

        host, _, port = options["bind"].rpartition(":")
        children: list[subprocess.Popen[bytes]] = []
        base = [sys.executable, "-m", "hotline.cli"]
        if not options["no_worker"]:
            children.append(subprocess.Popen([*base, "worker"]))  # noqa: S603
        if not options["no_scheduler"]:
            children.append(subprocess.Popen([*base, "scheduler"]))  # noqa: S603

        def stop(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"{settings.INSTANCE_NAME} is running at http://{host}:{port}/")
        self.stdout.write(f"  staff sign-in: http://{host}:{port}/staff/login/")
        if children:
            self.stdout.write(f"  with {len(children)} background process(es): worker, scheduler")
        if settings.DEMO_MODE:
            self.stdout.write(self.style.WARNING("  DEMO MODE: two-factor authentication relaxed"))
        try:
            serve(
                # Proxy headers count only from HOTLINE_TRUSTED_PROXIES (hotline.core.proxy).
                trust_proxies(
                    application, proxies=settings.TRUSTED_PROXIES, hops=settings.TRUSTED_PROXY_HOPS
                ),
                host=host,
                port=int(port),
                threads=options["threads"],
                ident="hotline",
                **WAITRESS_OPTIONS,
            )
        except KeyboardInterrupt:
            pass
        except OSError as exc:
            raise CommandError(
                f"cannot listen on {host}:{port}: {exc.strerror}. Is another Hotline running? "
                "Stop it, or choose another address with --bind HOST:PORT."
            ) from None
        finally:
            for child in children:
                child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
