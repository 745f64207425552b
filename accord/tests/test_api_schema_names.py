"""The OpenAPI document names each schema by its class name, and a second class of the same name
silently replaces the first there: a client generated from it would read one endpoint's fields as
another's. Every schema name is therefore one schema."""

from __future__ import annotations

import json
from collections import defaultdict

from ninja import Schema

import accord.api  # noqa: F401 - every router and its schemas


def _schemas(base: type[Schema]) -> list[type[Schema]]:
    found: list[type[Schema]] = []
    for sub in base.__subclasses__():
        if sub.__module__.startswith("accord.") and ".tests" not in sub.__module__:
            found.append(sub)
        found.extend(_schemas(sub))
    return found


def test_no_two_different_api_schemas_share_a_name() -> None:
    by_name: dict[str, set[str]] = defaultdict(set)
    where: dict[str, set[str]] = defaultdict(set)
    for cls in _schemas(Schema):
        by_name[cls.__name__].add(json.dumps(cls.model_json_schema(), sort_keys=True))
        where[cls.__name__].add(cls.__module__)

    clashes = {name: sorted(where[name]) for name, shapes in by_name.items() if len(shapes) > 1}

    assert clashes == {}
