"""Panels on a record's 360° page contributed by other apps.

The people app owns the contact page but not the timeline, tasks, deals or tickets shown on it:
those apps sit above it and register a panel here at start-up, so the page grows with the modules
installed while imports keep pointing one way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any]]
    slot: str = "main"  # "main" (the centre column) or "side"
    order: int = 100


_panels: dict[str, list[Panel]] = defaultdict(list)


def register(entity: str, panel: Panel) -> None:
    if all(p.name != panel.name for p in _panels[entity]):
        _panels[entity].append(panel)
        _panels[entity].sort(key=lambda p: p.order)


def for_entity(entity: str) -> list[Panel]:
    return list(_panels.get(entity, ()))


@dataclass
class RenderedPanel:
    panel: Panel
    context: dict[str, Any]


def build_slot(request: HttpRequest, entity: str, obj: Any, slot: str) -> list[RenderedPanel]:
    """The panels of one slot only, for pages that place each slot themselves."""
    return [RenderedPanel(panel=p, context=p.context(request, obj)) for p in for_entity(entity) if p.slot == slot]


def build(request: HttpRequest, entity: str, obj: Any) -> dict[str, list[RenderedPanel]]:
    """Each panel's context for ``obj``, grouped by slot, ready for ``{% include %}``."""
    slots: dict[str, list[RenderedPanel]] = defaultdict(list)
    for panel in for_entity(entity):
        slots[panel.slot].append(RenderedPanel(panel=panel, context=panel.context(request, obj)))
    return dict(slots)
