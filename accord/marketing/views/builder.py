"""The rule builder's form: a rule tree read from posted fields, changed by the builder's buttons,
and laid out for its template.

Every node of the tree has an id: ``n`` for the top group, ``n.1`` for its second item, ``n.1.0``
for the first item of that group. A group posts ``<id>__match``; a rule posts ``<id>__type`` and
``<id>__<parameter>``. The buttons post ``op`` = ``add_rule:<group id>``, ``add_group:<group id>``
or ``remove:<id>``. What the form posts is the rules as typed; ``segmenting.clean`` checks them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from accord.marketing import segmenting

ROOT = "n"
_NODE = re.compile(r"^(n(?:\.\d+)*)__(match|type)$")
DEFAULT_TYPE = "language"


def _sort_key(node_id: str) -> list[int]:
    return [int(part) for part in node_id.split(".")[1:]]


def from_post(post: Mapping[str, Any]) -> dict[str, Any]:
    """The rule tree as posted (children in the order of their ids, renumbered from 0)."""
    kinds: dict[str, str] = {}
    for key in post:
        match = _NODE.match(key)
        if match:
            kinds[match.group(1)] = "group" if match.group(2) == "match" else "rule"
    return _node(ROOT, kinds, post) if ROOT in kinds else {"match": "all", "rules": []}


def _node(node_id: str, kinds: dict[str, str], post: Mapping[str, Any]) -> dict[str, Any]:
    if kinds[node_id] == "rule":
        # Only the chosen type's parameters: a field left from the type chosen before is no input.
        kind = segmenting.rule_type(str(post.get(f"{node_id}__type") or ""))
        names = [p.name for p in kind.params] if kind is not None else []
        rule = {"type": post.get(f"{node_id}__type")}
        rule.update({name: post.get(f"{node_id}__{name}") for name in names if f"{node_id}__{name}" in post})
        return rule
    depth = node_id.count(".") + 1
    children = sorted(
        (other for other in kinds if other.startswith(node_id + ".") and other.count(".") == depth),
        key=_sort_key,
    )
    return {"match": post.get(f"{node_id}__match") or "all", "rules": [_node(c, kinds, post) for c in children]}


def _find(tree: dict[str, Any], node_id: str) -> tuple[dict[str, Any] | None, int]:
    """The group holding ``node_id`` and its index there (None for the top group)."""
    path = _sort_key(node_id)
    if not path:
        return None, -1
    group = tree
    for index in path[:-1]:
        group = group["rules"][index]
    return group, path[-1]


def _node_at(tree: dict[str, Any], node_id: str) -> dict[str, Any]:
    node = tree
    for index in _sort_key(node_id):
        node = node["rules"][index]
    return node


def apply_op(tree: dict[str, Any], op: str) -> dict[str, Any]:
    """The tree after one of the builder's buttons; an op naming no node changes nothing."""
    action, _sep, node_id = op.partition(":")
    try:
        if action == "add_rule":
            _node_at(tree, node_id)["rules"].append({"type": DEFAULT_TYPE})
        elif action == "add_group":
            if node_id.count(".") + 1 < segmenting.MAX_DEPTH:
                _node_at(tree, node_id)["rules"].append({"match": "any", "rules": [{"type": DEFAULT_TYPE}]})
        elif action == "remove":
            group, index = _find(tree, node_id)
            if group is not None:
                del group["rules"][index]
    except (IndexError, KeyError, TypeError):
        pass
    return tree


def _error_key_to_node(key: str) -> str:
    """``rules.1.0.days`` -> ``n.1.0``; ``rules`` -> ``n``."""
    parts = key.split(".")[1:]
    numbers = []
    for part in parts:
        if not part.isdigit():
            break
        numbers.append(part)
    return ".".join([ROOT, *numbers])


def layout(tree: Mapping[str, Any], errors: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    """The tree as the builder template draws it: groups with their items, rules with their type's
    parameters (label, input kind, options, value) and each node's error messages."""
    by_node: dict[str, list[str]] = {}
    for key, messages in (errors or {}).items():
        if key == "rules" or key.startswith("rules."):
            by_node.setdefault(_error_key_to_node(key), []).extend(messages)
    categories: dict[str, list[tuple[str, str]]] = {}
    for kind in segmenting.rule_types():
        categories.setdefault(str(kind.category), []).append((kind.key, str(kind.label)))
    return _layout(tree, ROOT, by_node, list(categories.items()))


def _layout(node: Mapping[str, Any], node_id: str, errors: dict[str, list[str]], types: list[Any]) -> dict[str, Any]:
    depth = node_id.count(".")
    if "type" in node or "rules" not in node:
        kind = segmenting.rule_type(str(node.get("type") or ""))
        params = []
        if kind is not None:
            for param in kind.params:
                value = node.get(param.name)
                params.append(
                    {
                        "name": f"{node_id}__{param.name}",
                        "label": param.label,
                        "kind": param.kind,
                        "value": "" if value is None else str(value),
                        "options": param.options() if param.kind == "choice" else [],
                        "required": param.required,
                        "min": param.minimum,
                        "max": param.maximum,
                    }
                )
        return {
            "id": node_id,
            "rule": True,
            "type": node.get("type") or "",
            "type_name": f"{node_id}__type",
            "types": types,
            "params": params,
            "help": str(kind.help) if kind is not None and kind.help else "",
            "errors": errors.get(node_id, []),
            "known": kind is not None,
        }
    items = node.get("rules") or []
    return {
        "id": node_id,
        "rule": False,
        "match_name": f"{node_id}__match",
        "match": node.get("match") or "all",
        "items": [_layout(item, f"{node_id}.{i}", errors, types) for i, item in enumerate(items)],
        "errors": errors.get(node_id, []),
        "can_nest": depth + 1 < segmenting.MAX_DEPTH,
        "top": node_id == ROOT,
        "matches": [("all", _("all of")), ("any", _("any of"))],
    }
