"""Inserting many new rows of one model with PostgreSQL's COPY instead of ``bulk_create``.

Why: a batch of 100 company reports writes ~800 new rows (reports, items, their links, audit
events, enrichment tasks). Through ``bulk_create`` about half the web process's CPU per report
went to Django preparing each value (``pre_save``, ``get_db_prep_save``, the compiler) and
psycopg converting the flattened parameters; ``COPY ... FROM STDIN`` sends the same rows
formatted by psycopg's C code. The ids come first, from the table's own sequence in one
query (``nextval`` over ``generate_series``), so objects have their primary keys exactly as
after ``bulk_create`` and can be referred to by the next table's rows.

The rows are the ones ``bulk_create`` would write: every concrete field, ``auto_now_add`` and
``auto_now`` dates set, a foreign key taken from its related object when that got its id after
assignment. Only the field types listed in ``_AS_IS`` are sent as they are; any other field
goes through its own ``get_db_prep_save``, so a new field type is correct, if slower. Signals
are not sent (``bulk_create`` sends none either). Below ``COPY_FROM`` rows the same values go in
one ``INSERT ... VALUES`` whose text is made once per model and row count (``RETURNING`` the
ids when they are not set), the values merged in by ``bind`` as psycopg's client-side binding
would: there the two extra round trips of COPY cost more than the
preparation they save, and ``bulk_create`` for a row or two (a single report's report, items,
links, audit event and tasks) cost about a third of the request's CPU in its compiler. On any
other database than PostgreSQL this is ``bulk_create``.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models.base import ModelState
from django.db.models.fields import NOT_PROVIDED
from django.db.models.signals import post_init, pre_init
from psycopg.adapt import Transformer

COPY_FROM = 32

M = TypeVar("M", bound=models.Model)

# Field types whose Python value psycopg writes exactly as Django's preparation would.
_AS_IS: tuple[type[models.Field[Any, Any]], ...] = (
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,  # and EmailField, SlugField, URLField
    models.DateField,  # and DateTimeField (without auto_now, see below)
    models.FloatField,
    models.IntegerField,  # and the positive/small variants
    models.TextField,
    models.UUIDField,
)

Converter = Callable[[models.Model], Any]


def insert_new(objs: Sequence[models.Model]) -> None:
    """INSERT ``objs`` (new instances of one model, ids unset or set by the caller) in the
    caller's transaction; afterwards each has its primary key, as after ``bulk_create``."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=500)
        return
    _write(model, objs)
    alias = connection.alias  # once: each read goes through the connection proxy's lookup
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


def _write(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """The PostgreSQL paths; the suite's one-writer-per-model check watches this as it does
    ``bulk_create``."""
    if len(objs) >= COPY_FROM:
        _copy(model, objs)
        return
    with_ids = [obj.pk is not None for obj in objs]
    if any(with_ids) and not all(with_ids):
        model._default_manager.bulk_create(objs)  # some ids set by the caller: Django splits
        return
    returning = not with_ids[0]
    _, row = _plan(model, without_pk=returning)
    params = [value for obj in objs for value in row(obj)]
    template = _values_template(model, len(objs), returning)
    with connection.cursor() as cursor:
        with connection.wrap_database_errors:  # a value psycopg refuses: Django's DataError
            statement = bind(cursor, template, params)
        cursor.execute(statement)
        if returning:
            for obj, (new_id,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = new_id


@functools.cache
def _values_statement(model: type[models.Model], rows: int, returning: bool) -> str:
    """``INSERT INTO table (columns) VALUES (...), ...`` for ``rows`` rows; with ``RETURNING``
    the primary key, whose values PostgreSQL gives in the order of the rows (as Django's
    ``bulk_create`` relies on)."""
    meta = model._meta
    columns, _ = _plan(model, without_pk=returning)
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    statement = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - the model's names, quoted
        f"VALUES {', '.join([row] * rows)}"
    )
    if returning:
        assert meta.pk is not None
        statement += f" RETURNING {quote(meta.pk.column)}"
    return statement


@functools.cache
def _values_template(model: type[models.Model], rows: int, returning: bool) -> bytes:
    """``_values_statement`` as the bytes ``bind`` fills in."""
    return _values_statement(model, rows, returning).encode()


def bind(cursor: Any, template: bytes, params: Sequence[Any]) -> str:
    """``template`` (a statement whose only ``%`` are one ``%s`` per parameter) with ``params``
    merged in as SQL literals: the bytes psycopg's client-side binding sends (``mogrify``),
    made the same way (``as_literal`` of the cursor's adapters, NULL for None), as text.

    Why: psycopg caches how it splits a statement at its placeholders only for statements of at
    most 50 parameters. A multi-row INSERT has more (a group of single reports' items: 28 per
    row), so psycopg parsed its text anew on every call: a fifth of a web process's CPU under
    48 concurrent single reports (py-spy). The placeholders' places are known here."""
    literal = Transformer.from_context(cursor.cursor).as_literal
    merged = template % tuple(b"NULL" if value is None else literal(value) for value in params)
    return merged.decode()  # Django's cursor takes text; the literals are the connection's UTF-8


def _copy(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """From ``COPY_FROM`` rows: ids from the sequence in one query, then the rows by COPY."""
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    missing = [obj for obj in objs if obj.pk is None]
    with connection.cursor() as cursor:
        if missing:
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                [_sequence(meta.db_table, pk.column), len(missing)],
            )
            for obj, (new_id,) in zip(missing, cursor.fetchall(), strict=True):
                obj.pk = new_id
        columns, row = _plan(model)
        quote = connection.ops.quote_name
        statement = (
            f"COPY {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        )
        # Django's cursor wraps execute() but not copy(): without this, a unique violation
        # would surface as psycopg's error, which callers catching IntegrityError never see.
        with connection.wrap_database_errors, cursor.copy(statement) as copy:
            for obj in objs:
                copy.write_row(row(obj))


@functools.cache
def _sequence(table: str, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        name = cursor.fetchone()[0]
    if name is None:
        raise LookupError(f"{table}.{column} has no sequence; set the ids before insert_new")
    return str(name)


@functools.cache
def _plan(
    model: type[models.Model], *, without_pk: bool = False
) -> tuple[list[str], Callable[[models.Model], list[Any]]]:
    """The columns written (without the primary key: the table's default gives it) and the
    function making an instance's row of values for them.

    The columns of fields whose value goes as it is come first, read in one C call
    (``operator.attrgetter``); then the others, each through its own converter. A per-field
    function for every column was a fifth of a batch's CPU."""
    fields = [f for f in model._meta.concrete_fields if not (without_pk and f.primary_key)]
    plain = [field for field in fields if _as_is(field)]
    special = [field for field in fields if not _as_is(field)]
    converters = [_converter(field) for field in special]
    # attrgetter gives a tuple for two names or more, the value itself for one.
    names = [field.attname for field in plain]
    read: Callable[[models.Model], Any] = (
        operator.attrgetter(*names)
        if len(names) > 1
        else lambda obj: tuple(getattr(obj, name) for name in names)
    )

    def row(obj: models.Model) -> list[Any]:
        values = list(read(obj))
        values += [convert(obj) for convert in converters]
        return values

    return [field.column for field in plain + special], row


def _as_is(field: Any) -> bool:
    """Whether the field's Python value is what its preparation for the database gives."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return False
    if field.is_relation or isinstance(field, models.JSONField):
        return False
    return (
        isinstance(field, _AS_IS) and type(field).get_db_prep_save is models.Field.get_db_prep_save
    )


def _converter(field: Any) -> Converter:
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return functools.partial(field.pre_save, add=True)  # sets the attribute, as a save does
    if field.is_relation:
        name = field.name

        def foreign_key(obj: models.Model) -> Any:
            value = getattr(obj, attname)
            if value is None and field.is_cached(obj):
                related = getattr(obj, name)
                if related is not None:  # saved after it was assigned: take its id now
                    value = related.pk
                    setattr(obj, attname, value)
            return value

        return foreign_key
    if isinstance(field, models.JSONField):

        def as_json(obj: models.Model) -> Any:
            value = getattr(obj, attname)
            if value is None:
                return None
            if not value and type(value) in (dict, list):
                return "{}" if type(value) is dict else "[]"  # most of them: not worth dumps
            return json.dumps(value, cls=field.encoder)

        return as_json
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)


# A field not given to ``build`` gets its default: one value computed once per model where
# Django's ``get_default`` returns the same object each time, else the field's own call.
_CALL = object()


@functools.cache
def _layout(
    model: type[models.Model],
) -> tuple[list[str], list[Any], list[tuple[int, Any]], dict[str, tuple[int, Any]]] | None:
    """For ``build``: the attnames and the defaults in ``concrete_fields`` order, the fields
    whose default is made per instance, and where each name and attname goes (with the field if
    it is a foreign key given by name). None for a model ``build`` does not cover (generated
    fields)."""
    fields = list(model._meta.concrete_fields)
    if any(getattr(field, "generated", False) for field in fields):
        return None
    template: list[Any] = []
    per_instance: list[tuple[int, Any]] = []
    where: dict[str, tuple[int, Any]] = {}
    for index, field in enumerate(fields):
        database_default = getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED
        if (field.has_default() and callable(field.default)) or database_default:
            template.append(_CALL)
            per_instance.append((index, field))
        else:
            template.append(field.get_default())  # None, "" or the field's constant default
        where[field.attname] = (index, None)
        where[field.name] = (index, field if field.is_relation else None)
    return [field.attname for field in fields], template, per_instance, where


def build(model: type[M], /, **values: Any) -> M:
    """``model(**values)``, at a third of the cost.

    Why: a batch of reports builds about eight instances per report, and Django's keyword path
    (a lookup, a pop and a default for every field of the model) was a quarter of the web
    process's CPU for a batch. The instance is the same: every concrete field set, a field not
    given at its default, a foreign key given as an object assigned through its descriptor
    (id and cached object) as the keyword path does. Where ``pre_init`` or ``post_init`` has a
    receiver for the model, Django's positional path (the one rows read from the database take)
    builds it and sends them. Only concrete fields can be given (no properties): anything else
    is a ``TypeError``. ``tests/core/test_fast_build.py`` compares it with the keyword path for
    every model of the project.
    """
    layout = _layout(model)
    if layout is None:
        return model(**values)
    attnames, template, per_instance, where = layout
    args = template.copy()
    related: list[tuple[Any, Any]] = []
    for name, value in values.items():
        try:
            index, relation = where[name]
        except KeyError:
            raise TypeError(f"{model.__qualname__} has no field '{name}'") from None
        if relation is None or value is None:
            args[index] = value
        else:
            args[index] = None
            related.append((relation.name, value))
    for index, field in per_instance:
        if args[index] is _CALL:
            args[index] = field.get_default()
    # ``receivers`` first: an empty list (no receiver at all, as in Hotline) is one check,
    # where ``has_listeners`` looks the model up on every call.
    if (pre_init.receivers or post_init.receivers) and (
        pre_init.has_listeners(model) or post_init.has_listeners(model)
    ):
        obj = model(*args)  # Django's own positional path, which sends them
    else:
        # What that path does, without its loop of setattr: on a new instance no descriptor
        # of a concrete field does anything but store the value (nothing is cached yet).
        obj = model.__new__(model)
        obj._state = ModelState()
        obj.__dict__.update(zip(attnames, args, strict=True))
    for name, value in related:
        setattr(obj, name, value)  # as Model(name=obj) does: checks the type, sets id and cache
    return obj
