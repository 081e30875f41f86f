"""Hash list file formats (CSV, Project VIC VICS JSON, plain PDQ): one module each."""

from __future__ import annotations

import importlib
import pkgutil

from hotline.matching.formats.base import (
    HashListFormat,
    HashRecord,
    ParseItem,
    ParseNotice,
    ParseProblem,
    register,
    registered,
)

__all__ = [
    "HashListFormat",
    "HashRecord",
    "ParseItem",
    "ParseNotice",
    "ParseProblem",
    "get_format",
    "register",
    "registered",
]

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")


def get_format(name: str) -> HashListFormat:
    """The format registered as ``name``; ``ValueError`` naming the known ones otherwise."""
    try:
        return registered()[name.strip().lower()]
    except KeyError:
        known = ", ".join(sorted(registered()))
        raise ValueError(f"unknown hash list format {name!r}; expected one of {known}") from None
