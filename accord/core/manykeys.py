"""Filtering on hundreds of keys at once.

``Q(company_id__in=ids)`` sends one parameter per key, and with PostgreSQL's client-side binding
each costs the client more than the database: 500 keys add about 9 ms of CPU to a query. A
chunked job (the collections run reads a dozen things about each chunk of 500 customers) pays it
on every query. ``among`` says the same with the keys as one array parameter on PostgreSQL
(``IN (SELECT unnest(%s::uuid[]))``, which the planner joins like the list), and as the plain
``IN`` list elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL


def among(field: str, values: Iterable[Any], db_type: str = "uuid") -> Q:
    """``Q(<field>__in=values)``; ``db_type`` is the column's type (uuid, text...)."""
    values = list(values)
    if connection.vendor != "postgresql" or not values:
        return Q(**{f"{field}__in": values})
    return Q(**{f"{field}__in": RawSQL(f"SELECT unnest(%s::{db_type}[])", [values])})  # noqa: S611
