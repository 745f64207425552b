"""Queries of a fixed shape run often (the API's token lookup on every request): their SQL is built
by the ORM once per thread and then run with each request's values, skipping the ORM's building
and compiling, which cost more than running them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet

_local = threading.local()


class PreparedQuery:
    """``build(**placeholders)`` gives a ``values_list`` queryset filtered on the placeholders (text
    values); ``fetchone(**values)`` runs its SQL with the real values, with the ORM's converters
    applied to the row, as ``.first()`` would give it."""

    def __init__(self, name: str, build: Callable[..., QuerySet[Any]], *slots: str) -> None:
        self.name = name
        self.build = build
        self.slots = slots

    def _compiled(self) -> tuple[str, str, list[Any], dict[str, int], Any, Any]:
        cache = _local.__dict__.setdefault("queries", {})
        compiled = cache.get(self.name)
        if compiled is None:
            placeholders = {slot: f"\x00placeholder:{self.name}:{slot}\x00" for slot in self.slots}
            queryset = self.build(**placeholders)
            compiler = queryset.query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()
            params = list(params)
            positions = {slot: params.index(value) for slot, value in placeholders.items()}
            converters = compiler.get_converters([column for column, _, _ in compiler.select])
            compiled = (queryset.db, sql, params, positions, compiler, converters)
            cache[self.name] = compiled
        return compiled

    def fetchone(self, **values: Any) -> tuple[Any, ...] | None:
        using, sql, params, positions, compiler, converters = self._compiled()
        params = list(params)
        for slot, position in positions.items():
            params[position] = values[slot]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if converters:
            row = next(iter(compiler.apply_converters([row], converters)))
        return tuple(row)
