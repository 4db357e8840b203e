"""Inserting many rows at once: COPY on PostgreSQL, bulk INSERT elsewhere."""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from psycopg import Copy, adapt, postgres, pq
from psycopg.copy import FileWriter
from pydantic_core import to_json


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


class _JsonbValue:
    """Marks nothing: only the type the dumper below is registered for (by oid)."""


class _JsonbBinaryDumper(adapt.Dumper):
    """jsonb in COPY's binary format (version byte 1, then the JSON text) from any
    JSON-able Python value: empty objects and lists (the common case: no attributes,
    nothing dropped) are constants; anything else goes through pydantic-core's
    serializer, which is faster than `json.dumps` and takes datetimes and Decimals."""

    oid = postgres.types["jsonb"].oid
    format = pq.Format.BINARY
    EMPTY = {dict: b"\x01{}", list: b"\x01[]"}

    def dump(self, obj: Any) -> bytes:
        if not obj:
            empty = self.EMPTY.get(type(obj))
            if empty is not None:
                return empty
        return b"\x01" + to_json(obj)


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Plain inserts of dicts (field name → value), all with the same keys."""
    if rows:
        columns = list(rows[0])
        insert_values(model, columns, [[row[c] for c in columns] for row in rows])


def insert_values(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Plain inserts: binary COPY on PostgreSQL (fastest), bulk_create elsewhere.
    JSON columns take the Python value (None is SQL NULL, not JSON null)."""
    if not rows:
        return
    if not _on_postgres():
        model.objects.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=500
        )
        return
    copy_send(copy_data(model, columns, rows))


@dataclass(frozen=True, slots=True)
class CopyData:
    """Rows formatted for one binary `COPY … FROM STDIN` (PostgreSQL only)."""

    sql: str
    payload: bytes


def copy_data(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> CopyData:
    """Format `rows` for COPY without sending them (this thread's connection only lends
    its adapters), so another thread can send them later with `copy_send`."""
    fields = [model._meta.get_field(name) for name in columns]
    quoted = ", ".join(connection.ops.quote_name(f.column) for f in fields)
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
        # jsonb columns take the values as they are (no Jsonb wrapper per value).
        raw_cursor.adapters.register_dumper(_JsonbValue, _JsonbBinaryDumper)
        formatter.set_types([_pg_type(f) for f in fields])
        write_row = formatter.write_row
        for row in rows:
            write_row(row)
    return CopyData(sql, buffer.getvalue())


def copy_send(data: CopyData) -> None:
    """Send rows formatted by `copy_data` on this thread's connection."""
    # wrap_database_errors: psycopg's errors become Django's (IntegrityError…).
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(data.sql) as copy,
    ):
        copy.write(data.payload)
