"""Writing many rows fast: PostgreSQL's COPY, SQLite's executemany.

``insert(model, objects)`` writes unsaved model instances as ``bulk_create`` would, without its
per-batch SQL building: on PostgreSQL the rows stream through ``COPY ... FROM STDIN`` (several
times faster than multi-row INSERTs), on SQLite one prepared INSERT runs for every row. Nothing is
returned and no signals are sent; callers set primary keys themselves (every Accord key is a
client-side UUID) and keep derived columns (search text, sort names) in step.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

from accord.core import search


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if not f.generated]


def insert(model: type[models.Model], objects: Iterable[models.Model], *, using: str | None = None) -> int:
    """Insert ``objects`` (unsaved instances with their keys set); returns how many were written.
    The instances are then saved ones, as after ``bulk_create`` (a later ``save()`` updates)."""
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    fields = _fields(model)
    table = model._meta.db_table
    columns = [f.column for f in fields]

    preparers = _preparers(tuple(fields), connection)

    def saved(obj: models.Model) -> list[Any]:
        row = [prepare(obj) for prepare in preparers]
        obj._state.adding, obj._state.db = False, alias
        return row

    rows = (saved(obj) for obj in objects)
    if connection.vendor == "postgresql":
        return _copy(connection, table, columns, rows)
    return _executemany(connection, model, columns, rows)


def insert_values(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]], *, using: str | None = None
) -> int:
    """Insert plain tuples (one value per field in ``names``, Python values as the model holds
    them) without building model instances: the fastest path, for imports and generated data.
    Fields left out get the model's default (``auto_now`` ones the time of the call). A UUID
    may also be given as its 32 hex digits (``uuid.hex``: no object made per key, and nothing to
    convert), a JSON field's value as JSON already written (``JsonText``)."""
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    fields = [model._meta.get_field(name) for name in names]
    given = {f.name for f in fields}
    # An auto-increment key left out is the database's to fill (m2m through tables have one).
    missing = [f for f in _fields(model) if f.name not in given and not isinstance(f, AutoFieldMixin)]
    now = timezone.now()
    converters = [_converter(field, connection) for field in [*fields, *missing]]
    columns = [field.column for field in [*fields, *missing]]  # type: ignore[union-attr]
    width = len(names)
    fillers = [_filler(f, now) for f in missing]
    tail: tuple[Any, ...] = ()
    if all(isinstance(fill, _Constant) for fill in fillers):
        # Defaults that are plain values (not functions) are the same for every row: converted once.
        tail = tuple(convert(fill.value) for convert, fill in zip(converters[width:], fillers, strict=True))
        converters, fillers = converters[:width], []
    # Only the columns whose values need converting are touched: most pass through as they are.
    work = [(i, convert) for i, convert in enumerate(converters) if convert is not _same]

    def convert_row(row: Sequence[Any]) -> list[Any]:
        if len(row) != width:
            raise ValueError(f"{model._meta.label} rows need {width} values, this one has {len(row)}")
        values = [*row, *tail, *[fill() for fill in fillers]] if fillers else [*row, *tail]
        for i, convert in work:
            values[i] = convert(values[i])
        return values

    converted = map(convert_row, rows)
    if connection.vendor == "postgresql":
        return _copy(connection, model._meta.db_table, columns, converted)
    return _executemany(connection, model, columns, converted)


def update_rows(
    model: type[models.Model],
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    where: str = "",
    using: str | None = None,
) -> int:
    """Set the fields ``names`` of many rows, each to values of its own, in one UPDATE joined to a
    list of VALUES (per 500 rows) instead of a statement per row or a CASE per field. Each row is
    the record's key followed by one value per field, Python values as the model holds them.
    ``where`` adds a condition in SQL over the record (``t``) and its new values (``v``, named as
    the fields' columns), e.g. ``t.seen_at IS NULL OR t.seen_at < v.seen_at``. Returns how many
    records changed."""
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    key = model._meta.pk
    assert key is not None
    fields: list[Any] = [key, *(model._meta.get_field(name) for name in names)]
    converters = [_converter(field, connection) for field in fields]
    columns = [quote(field.column) for field in fields]
    named = ", ".join(f"column{i} AS {column}" for i, column in enumerate(columns, start=1))
    sets = ", ".join(f"{column} = v.{column}" for column in columns[1:])
    condition = f" AND ({where})" if where else ""
    changed = 0
    batch = [[convert(value) for convert, value in zip(converters, row, strict=True)] for row in rows]
    with connection.cursor() as cursor:
        for start in range(0, len(batch), 500):
            chunk = batch[start : start + 500]
            values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(chunk))
            cursor.execute(
                f"UPDATE {quote(model._meta.db_table)} AS t SET {sets} "  # noqa: S608 - names from the model
                f"FROM (SELECT {named} FROM (VALUES {values}) AS given) AS v WHERE t.{columns[0]} = v.{columns[0]}"
                f"{condition}",
                [value for row in chunk for value in row],
            )
            changed += cursor.rowcount
    return changed


class JsonText(str):
    """A JSON field's value already written as JSON text (by a caller writing many rows of one
    shape, who can write them faster than a generic encoder): ``insert_values`` stores it as is."""

    __slots__ = ()


class _Constant:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self) -> Any:
        return self.value


def _filler(field: Any, now: datetime.datetime) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return _Constant(now)
    if field.has_default() and callable(field.default):
        return field.default  # a new key, a fresh dict: made for each row
    return _Constant(field._get_default())  # what a new instance would hold: the default, "" or None


def _converter(field: Any, connection: Any) -> Any:
    """A fast value -> database value function for one field (what get_db_prep_save does)."""
    target = field.target_field if field.is_relation else field
    internal = target.get_internal_type()
    sqlite = connection.vendor == "sqlite"
    if internal == "UUIDField":
        return _sqlite_uuid if sqlite else _same  # PostgreSQL reads the hex digits as a uuid
    if internal == "DateTimeField" and sqlite:
        return _sqlite_datetime()
    if internal == "DateField" and sqlite:
        return lambda v: None if v is None else v.isoformat()
    if internal == "JSONField":
        return _json
    return _same


def _sqlite_uuid(value: Any) -> Any:
    return value if value is None or type(value) is str else value.hex


def _sqlite_datetime() -> Any:
    """Aware datetime -> SQLite's UTC text; a batch's rows mostly share one time, converted once."""
    last: list[Any] = [None, None]

    def convert(value: Any) -> Any:
        if value is None:
            return None
        if value is not last[0]:
            last[:] = [value, value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")]
        return last[1]

    return convert


_ENCODER = DjangoJSONEncoder()  # what json.dumps(value, cls=DjangoJSONEncoder) makes anew for each value


def _json(value: Any) -> str:
    if type(value) is JsonText:
        return value
    if not value and isinstance(value, dict | list):
        return "{}" if isinstance(value, dict) else "[]"
    return _ENCODER.encode(value)


def _same(value: Any) -> Any:
    return value


def _row(obj: models.Model, fields: Sequence[models.Field[Any, Any]], connection: Any) -> list[Any]:
    return [prep(obj) for prep in _preparers(tuple(fields), connection)]


# Django's own field classes whose value goes to PostgreSQL unchanged when it is one of these
# Python types (get_db_prep_save returns it as it is): a row of them is read off the instance
# instead of passing each value through the field's conversions.
_PLAIN: dict[type, tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.EmailField: (str,),
    models.UUIDField: (uuid.UUID,),
    models.BooleanField: (bool,),
    models.IntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.BigIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.DecimalField: (decimal.Decimal,),
    models.DateField: (datetime.date,),
    models.DateTimeField: (datetime.datetime,),
}


def _plain_types(field: Any) -> tuple[type, ...] | None:
    if type(field) in (models.ForeignKey, models.OneToOneField):
        field = field.target_field
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return None
    return _PLAIN.get(type(field))


def _preparers(fields: tuple[Any, ...], connection: Any) -> list[Any]:
    """For each field, what ``pre_save`` and ``get_db_prep_save`` make of an instance's value."""
    key = (fields, connection.alias)
    if key in _PREPARERS:
        return _PREPARERS[key]
    found = []
    for field in fields:
        types = _plain_types(field) if connection.vendor == "postgresql" else None
        found.append(_read_plain(field, types, connection) if types else _prepared(field, connection))
    _PREPARERS[key] = found
    return found


_PREPARERS: dict[tuple[Any, ...], list[Any]] = {}


def _prepared(field: Any, connection: Any) -> Any:
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, add=True), connection)


def _read_plain(field: Any, types: tuple[type, ...], connection: Any) -> Any:
    attname = field.attname

    def prepared(obj: models.Model) -> Any:
        value = getattr(obj, attname)  # what Field.pre_save gives
        kind = type(value)
        if value is None or (
            kind in types
            and (kind is not decimal.Decimal or value.is_finite())
            and (kind is not datetime.datetime or value.utcoffset() is not None)
        ):
            return value
        return field.get_db_prep_save(value, connection)

    return prepared


def _copy(connection: Any, table: str, columns: Sequence[Any], rows: Iterable[list[Any]]) -> int:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    # Django's wrapper is bypassed for COPY, so its error translation is applied by hand: a broken
    # constraint raises django.db.IntegrityError here as it does from any other statement.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def _executemany(connection: Any, model: type[models.Model], columns: Sequence[Any], rows: Iterable[list[Any]]) -> int:
    table = model._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"  # noqa: S608
    batch = list(rows)
    if not batch:
        return 0
    index = search.indexed_in_bulk(connection, table) if search.is_searchable(model) else contextlib.nullcontext()
    with index, connection.cursor() as cursor:
        cursor.executemany(sql, batch)
    return len(batch)
