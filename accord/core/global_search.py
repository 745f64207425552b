"""The search box: one service over every kind of record an app registers.

Each searchable model is registered once, explicitly, by its app (``people/searching.py``,
``sales/searching.py``, imported from the app's ``AppConfig.ready``): which rows a user may see
(the access policy), the columns to read, the names a person knows a row by (for ranking), and how
a hit is shown (title, subtitle, URL, the fields it may have matched on). Its ``search_text``
column is indexed by ``core.search`` (pg_trgm on PostgreSQL, an FTS5 trigram table on SQLite);
``accord reindex``, the nightly dictionary of words and bulk inserts take the registered models.

The box asks this service only: the best hits of each kind, grouped, each with the field that
matched ("e-mail: jan.kowalski@…") and the matched part marked, every value escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accord.core import access, search

# Kinds of shown field: plain text (names, e-mails, tax ids) or a phone number (matched on digits).
TEXT = "text"
PHONE = "phone"


@dataclass(frozen=True)
class Shown:
    """How one hit is shown: ``fields`` are (label, value, kind) it may have matched on, the title
    first (with an empty label)."""

    title: str
    subtitle: str
    url: str
    fields: Sequence[tuple[Any, str, str]] = ()


@dataclass(frozen=True)
class Match:
    """The field a hit matched on, and where in its value (``start`` -1: a near miss, unmarked)."""

    label: str
    value: str
    start: int = -1
    end: int = -1

    def html(self) -> SafeString:
        if self.start < 0:
            return format_html("{}", self.value)
        return format_html(
            "{}<mark>{}</mark>{}",
            self.value[: self.start],
            self.value[self.start : self.end],
            self.value[self.end :],
        )


@dataclass(frozen=True)
class Hit:
    type: str  # "contact", "company", "lead", "deal", "quote"
    id: Any
    title: str
    subtitle: str
    url: str
    score: float
    # Where the query was found: the title itself (``in_title``) or another field (``matched``).
    matched: Match | None = None
    in_title: Match | None = None

    def title_html(self) -> SafeString:
        return self.in_title.html() if self.in_title is not None else format_html("{}", self.title)


@dataclass(frozen=True)
class Searchable:
    """A kind of record the search box finds."""

    kind: str  # "contact": the hits' ``type``
    label: Any  # the group's heading ("Contacts")
    model: type[models.Model]
    visible: Callable[[Any], models.QuerySet[Any]]  # the rows a user may see
    names: Callable[[Any], Sequence[str]]  # what a person knows a row by, for ranking
    show: Callable[[Sequence[Any]], dict[Any, Shown]]  # hits -> how each is shown, in bulk
    columns: Sequence[str] = field(default_factory=tuple)  # the only columns read (with search_text)
    # More fields a hit may have matched on (a second e-mail...), read in bulk only for the hits
    # that ``show``'s fields do not explain, so most searches never ask for them.
    more: Callable[[Sequence[Any]], dict[Any, list[tuple[Any, str, str]]]] | None = None
    # How hits are shown to a user who may not see amounts (``access.sees_amounts``), when ``show``
    # shows any (a deal's amount in its subtitle).
    show_without_amounts: Callable[[Sequence[Any]], dict[Any, Shown]] | None = None


_registry: dict[str, Searchable] = {}


def register(searchable: Searchable) -> None:
    """Make a kind of record searchable. One registration per model and per type: registering
    the same pair again replaces it, anything else is a mistake."""
    for other in _registry.values():
        if (other.model is searchable.model) != (other.kind == searchable.kind):
            raise ValueError(f"{searchable.model._meta.label} / {searchable.kind!r} is already registered for search")
    _registry[searchable.kind] = searchable


def registered() -> list[Searchable]:
    return list(_registry.values())


def models_() -> list[type[models.Model]]:
    """The registered models, whose ``search_text`` the search indexes keep."""
    return [s.model for s in _registry.values()]


def _search_one(searchable: Searchable, user: Any, query: str, limit: int) -> list[Hit]:
    ranked = search.ranked(
        searchable.visible(user), query, limit=limit, label=searchable.names, fields=searchable.columns
    )
    if not ranked:
        return []
    show = searchable.show
    if searchable.show_without_amounts is not None and not access.sees_amounts(user):
        show = searchable.show_without_amounts
    shown = show([h.obj for h in ranked])
    found = {
        h.obj.pk: exact_match(query, shown[h.obj.pk].fields or [("", shown[h.obj.pk].title, TEXT)]) for h in ranked
    }
    unexplained = [h.obj for h in ranked if found[h.obj.pk] is None]
    extra = searchable.more(unexplained) if searchable.more is not None and unexplained else {}
    hits = []
    for h in ranked:
        view = shown[h.obj.pk]
        fields = [*(view.fields or [("", view.title, TEXT)]), *extra.get(h.obj.pk, [])]
        in_title, matched = found[h.obj.pk] or matched_field(query, fields)
        hits.append(
            Hit(
                type=searchable.kind,
                id=h.obj.pk,
                title=view.title,
                subtitle=view.subtitle,
                url=view.url,
                score=h.score,
                matched=matched,
                in_title=in_title,
            )
        )
    return hits


def search_grouped(user: Any, query: str, *, limit: int = 8) -> list[tuple[str, Any, list[Hit]]]:
    """The best ``limit`` hits of every kind, for the search page: (type, label, hits), in the
    order the kinds were registered."""
    query = query.strip()
    if not query:
        return []
    return [(s.kind, s.label, _search_one(s, user, query, limit)) for s in _registry.values()]


def search_all(user: Any, query: str, *, limit: int = 10) -> list[Hit]:
    """The best ``limit`` hits over every kind, best score first."""
    hits = [hit for _type, _label, group in search_grouped(user, query, limit=limit) for hit in group]
    hits.sort(key=lambda h: -h.score)
    return hits[:limit]


def search_box(user: Any, query: str, *, limit: int = 10) -> list[tuple[str, Any, list[Hit]]]:
    """The dropdown: the best ``limit`` hits over every kind, grouped by kind, the group with the
    best hit first."""
    best = search_all(user, query, limit=limit)
    labels = {s.kind: s.label for s in _registry.values()}
    groups: dict[str, list[Hit]] = {}
    for hit in best:
        groups.setdefault(hit.type, []).append(hit)
    return [(kind, labels[kind], hits) for kind, hits in groups.items()]


# --- which field matched, and where -----------------------------------------------------------------


def _folded(value: str) -> tuple[str, list[int]]:
    """``value`` in the index's form (``search.normalize``), with the index in ``value`` of each
    character of the result, so a match found in the folded text can be marked in the original."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(value):
        piece = " " if ch.isspace() else search.normalize(ch)
        if piece == " " and (not out or out[-1] == " "):
            continue
        for c in piece or "":
            out.append(c)
            where.append(i)
    return "".join(out), where


def _find_text(terms: str, value: str) -> tuple[int, int] | None:
    folded, where = _folded(value)
    at = folded.find(terms)
    if at < 0 or not terms:
        return None
    return where[at], where[at + len(terms) - 1] + 1


_DIGIT = re.compile(r"\d")


def _find_digits(digits: str, value: str) -> tuple[int, int] | None:
    positions = [m.start() for m in _DIGIT.finditer(value)]
    at = "".join(value[i] for i in positions).find(digits)
    if at < 0 or not digits:
        return None
    return positions[at], positions[at + len(digits) - 1] + 1


def matched_field(query: str, fields: Sequence[tuple[Any, str, str]]) -> tuple[Match | None, Match | None]:
    """(the title's match, another field's match) for ``query``: the first field containing the
    whole query as the index reads it, else its longest word; a phone number matches on digits.
    A hit found only as a near miss matches no field exactly: its closest field is named, unmarked."""
    exact = exact_match(query, fields)
    if exact is not None:
        return exact
    terms = search.query_terms(query)
    if not fields:
        return None, None
    closest = max(
        range(len(fields)),
        key=lambda i: search.similarity(terms, search.normalize(fields[i][1])) if fields[i][1] else -1.0,
    )
    if closest == 0:
        return None, None
    label, value, _kind = fields[closest]
    return None, Match(str(label), value)


def exact_match(query: str, fields: Sequence[tuple[Any, str, str]]) -> tuple[Match | None, Match | None] | None:
    """``matched_field``'s answer when some field contains the query; None when none does."""
    terms = search.query_terms(query)
    digits = terms if terms.isdigit() else ""
    words = sorted((w for w in terms.split(" ") if w), key=len, reverse=True)
    for wanted in [terms, *words[:1]] if len(words) > 1 else [terms]:
        for index, (label, value, kind) in enumerate(fields):
            if not value:
                continue
            span = _find_digits(digits, value) if kind == PHONE and digits else None
            if span is None and not (kind == PHONE and digits):
                span = _find_text(wanted, value)
            if span is not None:
                found = Match(str(label), value, *span)
                return (found, None) if index == 0 else (None, found)
    return None
