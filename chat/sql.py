"""Plain SQL for the hot path: several statements in one round trip, rows back as model instances.

Storing a batch of customer messages takes five statements; sent one by one,
each waits for its own round trip to PostgreSQL, and those waits, not the work,
set how fast a process acknowledges messages. Inside `pipeline()` PostgreSQL
receives the statements together and runs them in order, so a statement still
sees everything the ones before it did (a lock taken, a row inserted). Reading
a result ends the round trip. Other databases run the statements as they come.
"""

from contextlib import contextmanager

from django.db import connection
from django.db.models.sql import Query


@contextmanager
def pipeline():
    """Send the statements executed inside together, where the database allows it."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.connection.pipeline():
        yield


def execute(statement, params):
    """Execute a statement and return a function that reads its rows (ending the round trip)."""
    cursor = connection.cursor()
    cursor.execute(statement, params)

    def rows():
        try:
            return cursor.fetchall()
        finally:
            cursor.close()

    return rows


def placeholders(count, width=1):
    """`%s, %s, ...` for count values, or `(%s, %s), ...` for count rows of width values."""
    one = "%s" if width == 1 else "(" + ", ".join(["%s"] * width) + ")"
    return ", ".join([one] * count)


def columns(model):
    """The model's concrete columns, quoted, in field order: what `instances` expects."""
    return ", ".join(connection.ops.quote_name(f.column) for f in model._meta.concrete_fields)


def instances(model, rows):
    """Model instances from rows of `columns(model)`, with the same conversions the ORM applies."""
    fields = model._meta.concrete_fields
    compiler = connection.ops.compiler("SQLCompiler")(Query(model), connection, connection.alias)
    converters = compiler.get_converters([f.get_col(model._meta.db_table) for f in fields])
    if converters:
        rows = compiler.apply_converters(rows, converters)
    names = [f.attname for f in fields]
    return [model.from_db(connection.alias, names, list(row)) for row in rows]
