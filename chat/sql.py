"""Plain SQL for the hot path: statements sized to a batch, rows back as model instances.

The ORM compiles a query on every call; on the path that stores every
customer message that compilation cost more than the database's own work.
These helpers keep the statements plain and turn rows back into model
instances with the ORM's own conversions, on SQLite and PostgreSQL alike.
(Sending a batch's statements in one PostgreSQL pipeline was measured too:
on a loopback connection a round trip costs about 0.09 ms, and psycopg's
pipeline bookkeeping cost more CPU than the round trips it saved.)
"""

import functools
import operator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models.sql import Query


def run(statement, params):
    """Execute a statement that returns no rows; return how many rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def rows(statement, params):
    """Execute a statement and return all its rows."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def placeholders(count, width=1):
    """`%s, %s, ...` for count values, or `(%s, %s), ...` for count rows of width values."""
    one = "%s" if width == 1 else "(" + ", ".join(["%s"] * width) + ")"
    return ", ".join([one] * count)


def for_update():
    """` FOR UPDATE` to end a SELECT that locks its rows, or nothing where the backend has no row locks.

    SQLite has none: its IMMEDIATE transactions hold the whole database.
    """
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def vendor():
    """The database backend's name: "postgresql", "sqlite", ..."""
    return connection.vendor


def table(model):
    """The model's table name, quoted."""
    return connection.ops.quote_name(model._meta.db_table)


def columns(model, alias=None):
    """The model's concrete columns, quoted, in field order: what `instances` expects.

    With `alias`, each column is qualified by it (for joins).
    """
    return _columns(model, connection.vendor, alias)


@functools.cache
def _columns(model, vendor, alias):
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + connection.ops.quote_name(f.column) for f in model._meta.concrete_fields)


# (model, vendor) pairs whose rows the ORM would not convert: most pairs on
# PostgreSQL, where the driver already returns Python values. Which converters
# apply depends only on the fields and the backend, so asking once is enough.
_unconverted: set[Any] = set()


def instances(model, rows):
    """Model instances from rows of `columns(model)`, with the same conversions the ORM applies."""
    fields = model._meta.concrete_fields
    key = (model, connection.vendor)
    if key not in _unconverted:
        compiler = connection.ops.compiler("SQLCompiler")(Query(model), connection, connection.alias)
        converters = compiler.get_converters([f.get_col(model._meta.db_table) for f in fields])
        if converters:
            rows = compiler.apply_converters(rows, converters)
        else:
            _unconverted.add(key)
    names = [f.attname for f in fields]
    return [model.from_db(connection.alias, names, list(row)) for row in rows]


# Field types whose Python values a driver does not take as they are on every
# backend (dates become text on SQLite, JSON needs its adapter): these go
# through the field's own preparation; every other value is passed unchanged.
_PREPARED_TYPES = frozenset({
    "DateTimeField", "DateField", "TimeField", "DecimalField", "DurationField", "JSONField", "UUIDField",
    "BinaryField",
})


@dataclass(frozen=True)
class _InsertPlan:
    fields: tuple
    columns: str
    values: Any  # operator.attrgetter of every field's attname, in field order
    prepared: tuple  # (position, field) of the fields whose values need preparing


@functools.cache
def _insert_plan(model, vendor):
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    for field in fields:
        if field.has_db_default() and not field.has_default():
            # The instance would hold an expression, not a value: give the field a Python default too.
            raise TypeError(f"{model.__name__}.{field.name} has a db_default without a default")
    return _InsertPlan(
        fields=fields,
        columns=", ".join(connection.ops.quote_name(f.column) for f in fields),
        values=operator.attrgetter(*[f.attname for f in fields]),
        prepared=tuple(
            (i, f) for i, f in enumerate(fields)
            if f.get_internal_type() in _PREPARED_TYPES or getattr(f, "auto_now_add", False)
        ),
    )


def _prepare(field, value, obj):
    if value is None and (getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False)):
        value = field.pre_save(obj, True)  # sets the attribute too, as a save would
    return field.get_db_prep_save(value, connection)


def _row_values(plan, objs):
    """Every object's field values as the driver takes them, flat, in the plan's column order."""
    params: list = []
    done: dict = {}  # position -> (value, prepared): a batch usually shares one timestamp
    for obj in objs:
        row = list(plan.values(obj))
        for i, field in plan.prepared:
            value = row[i]
            last = done.get(i)
            if last is None or last[0] is not value or value is None:
                prepared = _prepare(field, value, obj)
                last = done[i] = (value, prepared)
            row[i] = last[1]
        params.extend(row)
    return params


def insert(model, objs, *, match=()):
    """Insert new instances with one multi-row INSERT ... RETURNING and give each its primary key.

    Columns and values come from the model's fields and are prepared as the
    ORM prepares them on save, without its per-object work (bulk_create costs
    several times as much on the path that stores every message). The
    returned rows come in no promised order, so a batch of more than one
    names the fields (`match`) whose values tell its rows apart.
    """
    objs = list(objs)
    if not objs:
        return objs
    if len(objs) > 1 and not match:
        raise ValueError("a batch of more than one row needs `match` fields")
    plan = _insert_plan(model, connection.vendor)
    pk = model._meta.pk
    keys = [model._meta.get_field(name) for name in match]
    returning = ", ".join(connection.ops.quote_name(f.column) for f in (pk, *keys))
    found = rows(
        f"INSERT INTO {table(model)} ({plan.columns}) VALUES {placeholders(len(objs), len(plan.fields))} "
        f"RETURNING {returning}",
        _row_values(plan, objs),
    )
    if len(objs) == 1:
        objs[0].pk = found[0][0]
    else:
        ids = {tuple(row[1:]): row[0] for row in found}
        attnames = operator.attrgetter(*[f.attname for f in keys])
        for obj in objs:
            key = attnames(obj)
            obj.pk = ids[key if len(keys) > 1 else (key,)]
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def update(model, objs, fields):
    """Write `fields` of saved instances with one UPDATE, their values prepared as on save; return the rows changed.

    On PostgreSQL the new values come as one `FROM (VALUES ...)` list: `bulk_update`
    builds a CASE with a WHEN per row for every field, and compiling those cost
    more than the update on the path that finishes every bot turn. Elsewhere it
    is `bulk_update`.
    """
    objs = list(objs)
    if not objs:
        return 0
    if connection.vendor != "postgresql":
        return model.objects.bulk_update(objs, fields)
    pk = model._meta.pk
    targets = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    row = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in (pk, *targets)) + ")"
    params: list = []
    for obj in objs:
        params.append(pk.get_db_prep_save(obj.pk, connection))
        params.extend(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in targets)
    names = ", ".join(quote(f.column) for f in (pk, *targets))
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in targets)
    name = table(model)
    return run(
        f"UPDATE {name} SET {assignments} FROM (VALUES {', '.join([row] * len(objs))}) AS v ({names}) "
        f"WHERE {name}.{quote(pk.column)} = v.{quote(pk.column)}",
        params,
    )


def insert_select(model, *, columns, values, named=""):
    """The column list, select list and parameters of an INSERT ... SELECT (or VALUES row) into `model`.

    `columns` maps attnames to SQL expressions over the SELECT's rows,
    `values` maps attnames to Python values (prepared as on save); every
    other field takes its default. The parameters are a list for `%s`
    placeholders, or with `named` a dict for `%(named_<attname>)s` ones.
    """
    plan = _insert_plan(model, connection.vendor)
    unknown = (set(columns) | set(values)) - {f.attname for f in plan.fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
    select: list = []
    params: list = []
    named_params: dict = {}
    for field in plan.fields:
        if field.attname in columns:
            select.append(columns[field.attname])
            continue
        value = values[field.attname] if field.attname in values else field.get_default()
        prepared = field.get_db_prep_save(value, connection)
        if named:
            name = f"{named}_{field.attname}"
            select.append(f"%({name})s")
            named_params[name] = prepared
        else:
            select.append("%s")
            params.append(prepared)
    return plan.columns, ", ".join(select), (named_params if named else params)


def from_values(model, values):
    """An instance as loaded from the database: `values` by attname, every other field its default."""
    names = [f.attname for f in model._meta.concrete_fields]
    return model.from_db(
        connection.alias, names,
        [values[name] if name in values else f.get_default() for name, f in zip(names, model._meta.concrete_fields)],
    )
