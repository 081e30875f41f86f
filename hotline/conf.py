"""Tiny typed readers for ``HOTLINE_*`` environment variables.

Every reader raises ``ImproperlyConfigured`` with a one-line message that names
the variable and says what it expects, so a bad value never becomes a traceback
deep inside the application.  Secrets may come from ``HOTLINE_<NAME>_FILE``.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    file_var = f"{name}_FILE"
    if file_var in os.environ:
        path = Path(os.environ[file_var])
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{file_var}: cannot read {path} ({exc.strerror}); expected a readable file"
            ) from None
    return os.environ.get(name)


def env_str(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}: expected true or false (1/0, yes/no, on/off), got {value!r}"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected a whole number, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}: expected a whole number >= {minimum}, got {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    return [part.strip() for part in value.split(",") if part.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}: expected one of {', '.join(choices)}, got {value!r}")
    return value


def env_country(name: str, default: str) -> str:
    """An ISO 3166-1 alpha-2 country code, upper case."""
    import pycountry

    value = env_str(name, default).strip().upper()
    if len(value) != 2 or pycountry.countries.get(alpha_2=value) is None:
        raise ImproperlyConfigured(
            f"{name}: expected an ISO 3166-1 alpha-2 country code such as FR, got {value!r}"
        )
    return value
