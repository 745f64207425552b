"""Fail when a view, API, form or panel module reads the database through a model manager.

Reads belong in an app's selectors, where the access policy scopes them (DESIGN.md, "Inside an
app"); a view, endpoint or form that writes ``Contact.objects.filter(...)`` skips the policy
without anyone noticing. This check reads the source (no Django needed) and flags every
``<anything>.objects``, ``._default_manager`` and ``._base_manager`` in those modules, and every call
of Django's ``get_object_or_404`` / ``get_list_or_404`` (a read through the model's manager too).

One form is allowed: ``Model.objects.none()``, the empty placeholder a form field declares and its
``__init__`` replaces with a selector's queryset; it reads nothing.

Run by `make test` (the ``checks`` target): ``python scripts/check_reads.py [PATH ...]``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404"})
# Module names (file stems or package names) that only parse, authorize and call; panels build a
# page's context as views do.
KINDS = ("views", "api", "forms", "panels")
SKIPPED_DIRS = frozenset({"tests", "migrations", "__pycache__"})


def is_checked(path: Path) -> bool:
    """Is ``path`` a view, API or form module (``views.py``, ``views_deals.py``, ``import_views.py``,
    ``api_settings.py``, ``settings_forms.py``, or any module of a ``views/`` package)?"""
    if path.suffix != ".py" or SKIPPED_DIRS & set(path.parts):
        return False
    names = [path.stem, *(p for p in path.parent.parts[-2:])]
    for name in names:
        words = name.split("_")
        if any(word in KINDS for word in words):
            return True
    return False


def _allowed(node: ast.Attribute, parents: dict[ast.AST, ast.AST]) -> bool:
    """``X.objects.none()``: an empty queryset, no read."""
    attribute = parents.get(node)
    if not (isinstance(attribute, ast.Attribute) and attribute.attr == "none" and node.attr == "objects"):
        return False
    call = parents.get(attribute)
    return isinstance(call, ast.Call) and call.func is attribute and not call.args and not call.keywords


def problems_in(source: str, filename: str) -> Iterator[str]:
    tree = ast.parse(source, filename=filename)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: list[tuple[ast.expr, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS and not _allowed(node, parents):
            found.append((node, f"{ast.unparse(node.value)}.{node.attr}"))
        elif isinstance(node, ast.Call) and _name_of(node.func) in SHORTCUTS:
            found.append((node, f"{_name_of(node.func)}()"))
    for node, what in sorted(found, key=lambda f: (f[0].lineno, f[0].col_offset)):
        yield (
            f"{filename}:{node.lineno}:{node.col_offset + 1}: {what} read in a view, API or "
            "form module; read through a selector (scoped by core.access) instead"
        )


def _name_of(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def modules(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.py") if is_checked(p.relative_to(path)))
        elif is_checked(path):
            yield path


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [ROOT / "accord"]
    found: list[str] = []
    for module in modules(paths):
        try:
            shown = str(module.resolve().relative_to(ROOT))
        except ValueError:
            shown = str(module)
        found.extend(problems_in(module.read_text(encoding="utf-8"), shown))
    for problem in found:
        print(problem)
    if found:
        print(f"{len(found)} direct read(s) outside selectors.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
