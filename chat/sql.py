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

from django.db import connection
from django.db.models.sql import Query


def run(statement, params):
    """Execute a statement that returns nothing."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def rows(statement, params):
    """Execute a statement and return all its rows."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def placeholders(count, width=1):
    """`%s, %s, ...` for count values, or `(%s, %s), ...` for count rows of width values."""
    one = "%s" if width == 1 else "(" + ", ".join(["%s"] * width) + ")"
    return ", ".join([one] * count)


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
_unconverted = set()


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
