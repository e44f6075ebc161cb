"""Writing many rows at once, in one statement whatever their number.

Django's ``bulk_update`` builds one ``CASE WHEN id = ... THEN ...`` branch per row and per field: costly to
build in Python and to evaluate in the database, growing with the square of the rows. On PostgreSQL
``bulk_set`` sends the values as arrays and joins them: ``UPDATE t SET f = v.f FROM (SELECT
unnest(%s::bigint[]) AS id, unnest(%s::integer[]) AS f) v WHERE t.id = v.id``. Elsewhere (SQLite, the
embedded quick start) it falls back to ``bulk_update``.
"""

from collections.abc import Sequence

from django.db import connection, models


def bulk_set(model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Write ``fields`` of ``objs`` (already saved rows) as they are in memory."""
    objs = [obj for obj in objs if obj.pk is not None]
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, list(fields), batch_size=500)
        return
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    arrays = [[column.get_db_prep_save(getattr(obj, column.attname), connection) for obj in objs] for column in columns]
    selects = ", ".join(f'unnest(%s::{column.db_type(connection)}[]) AS "{column.column}"' for column in columns)
    sets = ", ".join(f'"{column.column}" = v."{column.column}"' for column in columns[1:])
    pk = meta.pk.column
    sql = f'UPDATE "{meta.db_table}" AS t SET {sets} FROM (SELECT {selects}) AS v WHERE t."{pk}" = v."{pk}"'  # noqa: S608 - names come from the model
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
