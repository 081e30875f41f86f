"""Model instances from a statement written once, as the ORM would load them.

Why: a single company report asks the database for its credential (with the organisation) and
for the items it names that already exist. Building those queries through Django's compiler,
and ``RawQuerySet``'s column mapping, cost more CPU than running them (a quarter of the web
process's CPU for one report). Here the caller writes the statement once, selecting each
model's concrete columns in order (``columns``), and ``load`` makes the instances: every value
goes through the converters Django's compiler applies (the backend's, then the field's own
``from_db_value``, e.g. JSON, booleans and aware dates on SQLite), then ``Model.from_db``, as a
queryset does. ``tests/core/test_fast_select.py`` compares the instances with the ORM's.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

Converter = Any  # Callable[[value, expression, connection], value]


@functools.cache
def columns(model: type[models.Model], alias: str) -> str:
    """The model's concrete columns, qualified by ``alias``, in the order ``load`` reads them."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


@functools.cache
def _plan(model: type[models.Model]) -> tuple[list[str], list[tuple[Any, list[Converter]]]]:
    attnames: list[str] = []
    convert: list[tuple[Any, list[Converter]]] = []
    for field in model._meta.concrete_fields:
        attnames.append(field.attname)
        column: Any = field.get_col(model._meta.db_table)
        converters = [
            *connection.ops.get_db_converters(column),
            *column.get_db_converters(connection),
        ]
        convert.append((column, converters))
    return attnames, convert


def load(
    statement: str, params: Sequence[Any], *row_models: type[models.Model]
) -> list[tuple[Any, ...]]:
    """Run ``statement`` and make each row into one instance of each of ``row_models`` (the
    row holds their ``columns`` one model after the other)."""
    plans = [(model, *_plan(model)) for model in row_models]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    loaded = []
    for row in rows:
        values = iter(row)
        instances = []
        for model, attnames, convert in plans:
            converted = []
            for (column, converters), value in zip(convert, values, strict=False):
                for converter in converters:
                    value = converter(value, column, connection)
                converted.append(value)
            instances.append(model.from_db(connection.alias, attnames, converted))
        loaded.append(tuple(instances))
    return loaded
