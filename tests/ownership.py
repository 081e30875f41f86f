"""One writer per model, checked while the suite runs.

Every row of a Hotline model changes only through its own app (STYLE.md rule 14): another app asks
for the change by calling the owner's action or by returning an outcome the owner records. This
plugin watches every way Django writes a row — ``Model.save`` (and so ``create``/``get_or_create``),
``Model.delete``, ``QuerySet.update``/``delete``/``bulk_create``/``bulk_update`` — the COPY
and INSERT of ``hotline.fast_insert``, and raw SQL (an ``INSERT INTO``, ``UPDATE`` or
``DELETE FROM`` of a Hotline model's table through a cursor), and finds the innermost frame of
Hotline code on the stack (a write helper's own frames do not count: it writes for its caller). When that code belongs to another
app than the model's, the write is recorded and the test that caused it fails, naming the model,
the writer and the line. Tests themselves may arrange data directly (their frames are not
Hotline code); the check is about what the product does.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.db.backends.utils import CursorWrapper
from django.db.models.query import QuerySet

# Modules that may write any app's rows, each with the reason.
ALLOWED_WRITERS: dict[str, str] = {
    "hotline.core.admin": (
        "the administration pages' base class: each app's admin edits that app's configuration "
        "rows, and AuditedModelAdmin.save_model audits every change"
    ),
}

# Helpers that write rows on their caller's behalf, as a QuerySet method does: the caller is
# the writer.
WRITE_HELPERS = frozenset({"hotline.fast_insert"})


@dataclass(frozen=True)
class Violation:
    model: str
    owner: str
    writer: str
    where: str
    how: str

    def __str__(self) -> str:
        return f"{self.model} (owned by {self.owner}) {self.how} by {self.writer} at {self.where}"


_violations: list[Violation] = []


def _owner_of(model: type[models.Model]) -> str | None:
    name = model._meta.app_config.name if model._meta.app_config else ""
    return name if name.startswith("hotline.") else None


def _app_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _writer() -> tuple[str, str] | None:
    """The innermost Hotline module on the stack, and its file:line."""
    frame = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if (
            module.startswith("hotline.")
            and ".migrations." not in module
            and module not in WRITE_HELPERS
        ):
            return module, f"{frame.f_code.co_filename}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _check(model: type[models.Model], how: str) -> None:
    owner = _owner_of(model)
    if owner is None:
        return
    found = _writer()
    if found is None:
        return
    module, where = found
    if _app_of(module) == owner or module in ALLOWED_WRITERS:
        return
    _violations.append(
        Violation(model=model._meta.label, owner=owner, writer=module, where=where, how=how)
    )


def _guard_model(name: str) -> None:
    original = getattr(models.Model, name)

    @functools.wraps(original)
    def guarded(self: models.Model, *args: Any, **kwargs: Any) -> Any:
        _check(type(self), f"{name}()")
        return original(self, *args, **kwargs)

    setattr(models.Model, name, guarded)


def _guard_queryset(name: str) -> None:
    original: Callable[..., Any] = getattr(QuerySet, name)

    @functools.wraps(original)
    def guarded(self: QuerySet[Any], *args: Any, **kwargs: Any) -> Any:
        _check(self.model, f"QuerySet.{name}()")
        return original(self, *args, **kwargs)

    setattr(QuerySet, name, guarded)


def install() -> None:
    for name in ("save", "delete"):
        _guard_model(name)
    for name in ("update", "delete", "bulk_create", "bulk_update"):
        _guard_queryset(name)
    _guard_insert_new()
    _guard_raw_sql()


_RAW_WRITE = re.compile(
    r"""\s*(?:WITH\b.*?\)\s*)?(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?""",
    re.IGNORECASE | re.DOTALL,
)


def written_table(sql: str) -> str | None:
    """The table an ``INSERT INTO``, ``UPDATE`` or ``DELETE FROM`` statement writes, else None."""
    match = _RAW_WRITE.match(sql)
    return match.group(1).lower() if match else None


@functools.cache
def _models_by_table() -> dict[str, type[models.Model]]:
    return {m._meta.db_table.lower(): m for m in apps.get_models()}


def _raw_writer() -> bool:
    """Whether the statement being run comes from raw SQL: not from the ORM or
    ``fast_insert``, whose writes the other guards check."""
    frame = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("django.db.models") or module in WRITE_HELPERS:
            return False
        if module.startswith("hotline."):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _guard_raw_sql() -> None:
    original = CursorWrapper._execute_with_wrappers

    @functools.wraps(original)
    def guarded(self: CursorWrapper, sql: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(sql, str) and (table := written_table(sql)) is not None:
            model = _models_by_table().get(table)
            if model is not None and _raw_writer():
                _check(model, "raw SQL")
        return original(self, sql, *args, **kwargs)

    CursorWrapper._execute_with_wrappers = guarded  # type: ignore[method-assign]


def _guard_insert_new() -> None:
    from hotline import fast_insert

    original = fast_insert._write

    @functools.wraps(original)
    def guarded(model: type[models.Model], objs: Any) -> None:
        _check(model, "insert_new()")
        original(model, objs)

    fast_insert._write = guarded  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def _one_writer_per_model() -> Iterator[None]:
    _violations.clear()
    yield
    found = list(dict.fromkeys(_violations))
    _violations.clear()
    if found:
        pytest.fail(
            "rows written outside their owning app:\n" + "\n".join(f"  {v}" for v in found),
            pytrace=False,
        )
