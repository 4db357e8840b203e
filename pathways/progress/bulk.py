"""Set-based inserts: `INSERT INTO … SELECT … ON CONFLICT DO NOTHING` built from a queryset.

`bulk_create` sends one statement per batch, and SQLite caps a batch at 999
parameters, so its query count grows with the number of rows. Enrolling a cohort
or a team instead copies rows the database already has (cohort members, team
memberships) in one statement whatever their number, on SQLite and PostgreSQL alike.
"""

from django.db import connection, models
from django.db.models import QuerySet

from pathways import page_cache


def insert_from_select(model: type[models.Model], columns: dict[str, str], rows: QuerySet) -> int:
    """Insert the rows of `rows` into `model`, skipping rows that hit a unique constraint.

    `columns` maps each target field name to the name of an annotation of `rows`,
    in the order they are inserted. Returns how many rows were inserted.
    """
    selected = rows.order_by().values_list(*columns.values())
    # The SELECT lists only these annotations, in this order (see the test that
    # checks every inserted column).
    sql, params = selected.query.sql_with_params()
    quote = connection.ops.quote_name
    target = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    # SQLite needs the SELECT to have a WHERE clause before ON CONFLICT; every caller
    # filters its rows, and "WHERE" is checked so a bare SELECT fails loudly here.
    if " WHERE " not in sql:
        raise ValueError("insert_from_select needs a filtered queryset")
    statement = f"INSERT INTO {quote(model._meta.db_table)} ({target}) {sql} ON CONFLICT DO NOTHING"
    page_cache.catalogue_changed()  # rows written without signals, for many people
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)
