"""The ``hotline`` console command: Django's management commands with a clean error line.

``hotline run``, ``hotline worker``, ``hotline scheduler``, ``hotline demo``,
``hotline audit verify`` and every other ``manage.py`` command.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "hotline"
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        print(f"hotline: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
