"""Related rows read as JSON inside the parent's query: one round trip for a record and its lists
(e-mails, phones, tags...) instead of one query per list, on SQLite and PostgreSQL alike.

``json_rows(queryset, **fields)`` is a correlated subquery giving, for each parent row, a JSON array
of objects (or NULL when there are none); ``load_rows`` reads it back and ``set_prefetched`` hands the
rows to the parent as if ``prefetch_related`` had loaded them, so ``obj.emails.all()`` costs no query. ``precompiled``
turns such subqueries into SQL once per process: building and compiling them through the ORM
costs more than running them.
The order of the rows inside the array is not guaranteed by SQL: callers sort them by keys they
include (``position``, ``id``...).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import models
from django.db.models import Aggregate, Expression, JSONField, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject


class JSONArrayAgg(Aggregate):
    """``json_group_array`` on SQLite, ``jsonb_agg`` on PostgreSQL (read back as text, like a
    JSONField's column)."""

    function = "JSON_GROUP_ARRAY"
    name = "JSONArrayAgg"
    output_field = JSONField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra)


def json_rows(queryset: models.QuerySet[Any], parent: str, **fields: Any) -> Subquery:
    """A subquery of ``queryset`` (rows whose ``parent`` column is the outer row's key, which the
    caller filters with ``OuterRef``) giving a JSON array of ``{name: field}`` objects."""
    rows = queryset.order_by().values(parent).annotate(rows=JSONArrayAgg(JSONObject(**fields))).values("rows")
    return Subquery(rows, output_field=JSONField())


def load_rows(value: Any) -> list[dict[str, Any]]:
    """The list a ``json_rows`` column holds ([] for NULL)."""
    if value is None:
        return []
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return list(value)


def set_prefetched(obj: models.Model, name: str, items: Sequence[models.Model]) -> None:
    """Give ``obj.<name>.all()`` these items without a query, as ``prefetch_related`` does."""
    queryset = getattr(obj, name).get_queryset()
    queryset._result_cache = list(items)
    queryset._prefetch_done = True
    cache = obj.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = queryset


_COMPILED: dict[tuple[str, str], dict[str, tuple[str, tuple[Any, ...], Any]]] = {}


def precompiled(
    key: str, model: type[models.Model], build: Callable[[], dict[str, Expression]], using: str = "default"
) -> dict[str, RawSQL]:
    """The annotations ``build()`` gives for ``model``, compiled to SQL the first time and reused:
    the same SQL for every request, with the outer row referred to by its table's name. Only for
    annotations whose SQL depends on nothing but the schema (no values of the request)."""
    cache_key = (using, key)
    compiled = _COMPILED.get(cache_key)
    if compiled is None:
        expressions = build()
        query = model._default_manager.using(using).annotate(**expressions).query
        compiler = query.get_compiler(using=using)
        compiled = {}
        for name in expressions:
            annotation = query.annotations[name]
            sql, params = compiler.compile(annotation)
            compiled[name] = (sql, tuple(params), annotation.output_field)
        _COMPILED[cache_key] = compiled
    # The SQL was compiled by the ORM from the schema alone, its values kept as parameters.
    return {
        name: RawSQL(sql, params, output_field=field)  # noqa: S611
        for name, (sql, params, field) in compiled.items()
    }
