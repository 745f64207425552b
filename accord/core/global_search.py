"""The search box: one query across every kind of record an app registers.

Each app registers a provider that returns its best hits for a user (already scoped by the access
policy); the search box shows them grouped, best first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Hit:
    type: str  # "contact", "company"
    id: Any
    title: str
    subtitle: str
    url: str
    score: float


Provider = Callable[[Any, str, int], list[Hit]]
_providers: dict[str, tuple[Any, Provider]] = {}


def register(type_name: str, label: Any, provider: Provider) -> None:
    _providers[type_name] = (label, provider)


def providers() -> dict[str, tuple[Any, Provider]]:
    return dict(_providers)


def search_all(user: Any, query: str, *, limit: int = 10) -> list[Hit]:
    """The best ``limit`` hits over every provider, best score first."""
    query = query.strip()
    if not query:
        return []
    hits: list[Hit] = []
    for _label, provider in _providers.values():
        hits.extend(provider(user, query, limit))
    hits.sort(key=lambda h: -h.score)
    return hits[:limit]


def search_grouped(user: Any, query: str, *, limit: int = 8) -> list[tuple[str, Any, list[Hit]]]:
    """Hits per provider, for the search page: (type, label, hits)."""
    query = query.strip()
    if not query:
        return []
    return [(name, label, provider(user, query, limit)) for name, (label, provider) in _providers.items()]
