"""Inserting many rows at once: COPY on PostgreSQL, bulk INSERT elsewhere."""

import io
from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from psycopg import Copy
from psycopg.copy import FileWriter
from psycopg.types.json import Jsonb


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


PG_TYPE_NAMES = {
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "boolean": "bool",
    "double precision": "float8",
    "timestamp with time zone": "timestamptz",
}


def _pg_type(field: models.Field) -> str:
    name = field.db_type(connection).split("(")[0].strip()
    return PG_TYPE_NAMES.get(name, name)


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Plain inserts of dicts (field name → value), all with the same keys."""
    if rows:
        columns = list(rows[0])
        insert_values(model, columns, [[row[c] for c in columns] for row in rows])


def insert_values(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Plain inserts: binary COPY on PostgreSQL (fastest), bulk_create elsewhere."""
    if not rows:
        return
    if not _on_postgres():
        model.objects.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=500
        )
        return
    fields = [model._meta.get_field(name) for name in columns]
    quoted = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    json_columns = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    sql = f"COPY {model._meta.db_table} ({quoted}) FROM STDIN (FORMAT BINARY)"
    # Format every row first, without touching the network, then send the lot:
    # one long CPU stretch and one long I/O stretch instead of hundreds of short
    # alternations (each of which would wait for the GIL in a busy process).
    connection.ensure_connection()
    buffer = io.BytesIO()
    with (
        connection.connection.cursor() as raw_cursor,  # only lends its adapters
        Copy(raw_cursor, binary=True, writer=FileWriter(buffer)) as formatter,
    ):
        formatter.set_types([_pg_type(f) for f in fields])
        if json_columns:
            for row in rows:
                values = list(row)
                for i in json_columns:
                    values[i] = Jsonb(values[i])
                formatter.write_row(values)
        else:
            for row in rows:
                formatter.write_row(row)
    # wrap_database_errors: psycopg's errors become Django's (IntegrityError…).
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(buffer.getbuffer())
