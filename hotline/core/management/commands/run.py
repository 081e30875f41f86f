from __future__ import annotations

import logging
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.supervisor import EXIT_CONFIGURATION, Child, Supervisor

WEB_ONLY = "--web-only"


class Command(BaseCommand):
    help = (
        "Serve the web application (waitress) and, unless told otherwise, one worker and the "
        "scheduler beside it: the embedded all-in-one mode. Each runs as a child process that "
        "is restarted if it dies. At scale run the pieces separately."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT to listen on")
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="do not start a worker")
        parser.add_argument(
            "--no-scheduler", action="store_true", help="do not start the scheduler"
        )
        parser.add_argument(
            WEB_ONLY,
            action="store_true",
            help="serve in this process, unsupervised (how the supervisor starts the web child)",
        )

    def run_from_argv(self, argv: list[str]) -> None:
        # The web child gets exactly our options, whatever options later versions add.
        self._argv = argv[2:]
        super().run_from_argv(argv)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["web_only"]:
            self.serve(options)
            return
        host, _, port = options["bind"].rpartition(":")
        if not host or not port.isdigit():
            raise CommandError(f"--bind: expected HOST:PORT, got {options['bind']!r}")
        base = [sys.executable, "-m", "hotline.cli"]
        own = [a for a in getattr(self, "_argv", ["--bind", options["bind"]]) if a != WEB_ONLY]
        children = [Child("web", [*base, "run", *own, WEB_ONLY])]
        if not options["no_worker"]:
            children.append(Child("worker", [*base, "worker"]))
        if not options["no_scheduler"]:
            children.append(Child("scheduler", [*base, "scheduler"]))
        logging.getLogger("hotline.core.supervisor").setLevel(logging.INFO)
        supervisor = Supervisor(children)
        supervisor.install_signal_handlers()
        self.stdout.write(f"{settings.INSTANCE_NAME} is running at http://{host}:{port}/")
        self.stdout.write(f"  staff sign-in: http://{host}:{port}/staff/login/")
        background = [c.name for c in children if c.name != "web"]
        if background:
            self.stdout.write(
                f"  with {len(background)} background process(es): {', '.join(background)}"
            )
        if settings.DEMO:
            self.stdout.write(self.style.WARNING("  DEMO MODE: two-factor authentication relaxed"))
        self.stdout.flush()
        code = supervisor.run()
        if code == EXIT_CONFIGURATION:
            raise CommandError("stopped: a process could not start (see above)", returncode=code)

    def serve(self, options: dict[str, Any]) -> None:
        """Serve the web application in this process until SIGTERM/SIGINT."""
        import signal

        from waitress import serve

        from hotline.core.proxy import WAITRESS_OPTIONS, trust_proxies
        from hotline.wsgi import application

        host, _, port = options["bind"].rpartition(":")

        def stop(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
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
            # Exit code 2: the supervisor does not restart what cannot work as configured.
            raise CommandError(
                f"cannot listen on {host}:{port}: {exc.strerror}. Is another Hotline running? "
                "Stop it, or choose another address with --bind HOST:PORT.",
                returncode=EXIT_CONFIGURATION,
            ) from None
