"""Lists: whitelisted filters and sorts, parsed once for the UI, the API and exports, and keyset
pagination that stays fast on page 1,000 and never skips or repeats a row when rows are added.

A list declares a ``ListSpec``; ``parse`` turns query parameters into a ``ListQuery`` (unknown
filters or sorts are an error, never passed to SQL); ``apply`` filters and orders a queryset;
``paginate`` cuts one page after or before a cursor.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import OperationalError, connections, models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.core import access, customfields, search

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")

RESERVED = {"q", "sort", "cursor", "before", "limit"}


@dataclass(frozen=True)
class Filter:
    """One allowed filter: ``?owner=<uuid>``; several values (repeated or comma-separated) mean OR."""

    name: str
    path: str
    kind: str = "str"  # str | uuid | choice | bool | date | datetime | int | decimal
    lookup: str = "exact"  # exact | in | gte | lte | icontains | isnull
    choices: Sequence[str] = ()
    label: Any = ""
    # A filter on an amount: refused to a user who may not see amounts (``access.sees_amounts``),
    # whose lists would otherwise tell an amount's range by the rows they keep.
    money: bool = False
    # For filters that are not a plain lookup (a tag through its join table): values -> Q.
    build: Callable[[list[Any]], Q] | None = None
    # The same condition narrowed to what a user may see, where that is cheaper to find (a tag's
    # link rows carry the record's owner and team): (values, user) -> Q. The rows it selects must
    # be exactly ``build``'s among those the user sees; the access policy still applies on top.
    build_for: Callable[[list[Any], Any], Q] | None = None
    # A filter another app adds to the list (analytics' RFM segment on contacts), offered in the
    # list's filter bar as a choice of these (value, label) pairs.
    offered: Sequence[tuple[str, Any]] = ()

    def convert(self, raw: str) -> Any:
        raw = raw.strip()
        if self.kind == "uuid":
            try:
                return uuid.UUID(raw)
            except ValueError as exc:
                raise ValidationError(_("Not a valid id.")) from exc
        if self.kind == "int":
            try:
                return int(raw)
            except ValueError as exc:
                raise ValidationError(_("Enter a whole number.")) from exc
        if self.kind == "decimal":
            try:
                number = decimal.Decimal(raw)
            except decimal.InvalidOperation as exc:
                raise ValidationError(_("Enter a number.")) from exc
            if not number.is_finite():
                raise ValidationError(_("Enter a number."))
            return number
        if self.kind == "bool" or self.lookup == "isnull":
            word = raw.casefold()
            if word in customfields.TRUE_WORDS:
                return True
            if word in customfields.FALSE_WORDS:
                return False
            raise ValidationError(_("Enter true or false."))
        if self.kind == "date":
            try:
                value = parse_date(raw)
            except ValueError:
                value = None
            if value is None:
                raise ValidationError(_("Enter a date as YYYY-MM-DD."))
            return value
        if self.kind == "datetime":
            try:
                parsed = parse_datetime(raw) or (
                    datetime.datetime.combine(d, datetime.time.min) if (d := parse_date(raw)) else None
                )
                # A bare date or a time without an offset is the server's local time, as a person means it.
                return _aware(parsed) if parsed is not None else self._bad_datetime()
            except (ValueError, OverflowError):
                return self._bad_datetime()
        if self.kind == "choice" and raw not in self.choices:
            raise ValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(self.choices)})
        return raw

    @staticmethod
    def _bad_datetime() -> Any:
        raise ValidationError(_("Enter a date and time in ISO 8601."))

    def q(self, values: list[Any], user: Any = None) -> Q:
        if self.build_for is not None and user is not None:
            return self.build_for(values, user)
        if self.build is not None:
            return self.build(values)
        if self.lookup == "exact":
            if len(values) == 1:
                return Q(**{self.path: values[0]})
            return Q(**{f"{self.path}__in": values})
        if self.lookup == "in":
            return Q(**{f"{self.path}__in": values})
        q = Q()
        for value in values:
            q |= Q(**{f"{self.path}__{self.lookup}": value})
        return q


@dataclass(frozen=True)
class Sort:
    """One allowed sort key. Rows are always ordered by (field, id) so the order is total."""

    name: str
    path: str
    label: Any = ""
    nullable: bool = False
    kind: str = "str"  # str | datetime | date | int (a decimal sorts as str: its cursor holds the text)
    # An order by amount: a user who may not see amounts gets the list's default order instead (the
    # API: an error), as the order of rows would give the amounts away.
    money: bool = False


@dataclass
class ListSpec(Generic[M]):
    entity: str
    filters: Sequence[Filter]
    sorts: Sequence[Sort]
    default_sort: str
    search: Callable[[models.QuerySet[M], str], models.QuerySet[M]] | None = None
    custom_fields: bool = False
    # For large tables with many filters: how many rows of the sort order a filtered page reads
    # before it asks the filters' own indexes instead (0: leave the plan to the database). See
    # ``paginate``.
    walk: int = 0

    def __post_init__(self) -> None:
        # Every list selects rows by key (``?id=..&id=..``): a selection of ticked rows is then
        # list parameters like any filter, for bulk actions, exports and the API alike.
        if not any(f.name == "id" for f in self.filters):
            self.filters = [*self.filters, Filter("id", "pk", kind="uuid", label=gettext_lazy("Id"))]

    def filter_map(self) -> dict[str, Filter]:
        return {f.name: f for f in self.filters}

    def sort_map(self) -> dict[str, Sort]:
        return {s.name: s for s in self.sorts}


@dataclass
class ListQuery:
    filters: dict[str, list[Any]] = field(default_factory=dict)
    custom: dict[str, Q] = field(default_factory=dict)  # custom field key -> condition
    search: str = ""
    sort: str = ""
    cursor: str = ""
    before: str = ""
    limit: int = 50
    raw: dict[str, list[str]] = field(default_factory=dict)  # what was asked, for links and saved views

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @property
    def sort_name(self) -> str:
        return self.sort.removeprefix("-")

    def is_filtered(self) -> bool:
        return bool(self.filters or self.custom or self.search)


def _raw_values(params: Any, name: str) -> list[str]:
    """The parameter's values as given: repeated parameters or a list, blanks left out."""
    raw = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
    values: list[str] = []
    for item in raw:
        items = item if isinstance(item, list | tuple) else [item]
        values.extend(str(v) for v in items if str(v).strip())
    return values


def _values(params: Any, name: str) -> list[str]:
    """The parameter's values, a comma-separated value counting as several."""
    return [part for value in _raw_values(params, name) for part in value.split(",") if part.strip()]


def parse(
    spec: ListSpec[Any],
    params: Mapping[str, Any],
    *,
    strict: bool,
    default_limit: int = 50,
    max_limit: int = 500,
    ignore: Sequence[str] = (),
    user: Any = None,
) -> ListQuery:
    """Parse list parameters. ``strict`` (the API) rejects unknown parameters; the UI drops them.
    Given the ``user`` the list is for, filters and sorts by amount are refused (the UI: dropped)
    when that user may not see amounts."""
    errors: dict[str, list[str]] = {}
    hides_money = user is not None and not access.sees_amounts(user)
    # No database column stores a NUL character (PostgreSQL refuses it in any text): a parameter
    # carrying one is refused (the API) or dropped (the UI) before anything is asked of it.
    refused = [name for name in params if any("\x00" in v for v in _raw_values(params, name))]
    if refused:
        errors.update({str(name): [_("Text cannot contain NUL characters.")] for name in refused})
        params = {name: _raw_values(params, name) for name in params if name not in refused}
    query = ListQuery(limit=default_limit)
    filter_map = spec.filter_map()
    wants_custom = spec.custom_fields and any(str(name).startswith("cf.") for name in params)
    custom_defs = {d.key: d for d in customfields.definitions(spec.entity)} if wants_custom else {}
    for name in params:
        if name in ignore or name in RESERVED:
            continue
        if name.startswith("cf.") and spec.custom_fields:
            key = name[3:]
            definition = custom_defs.get(key)
            if definition is None:
                if strict:
                    errors[name] = [_("Unknown custom field.")]
                continue
            # Not split at commas here: "12,5" and "Kowalski, Jan" are one value of a custom field.
            raw_values = _raw_values(params, name)
            if not raw_values:
                continue
            try:
                query.custom[key] = customfields.filter_q(definition, raw_values)
                query.raw[name] = raw_values
            except ValidationError as exc:
                errors[name] = exc.messages
            continue
        flt = filter_map.get(name)
        if flt is None:
            if strict:
                errors[name] = [_("Unknown filter. Allowed: %(names)s.") % {"names": ", ".join(sorted(filter_map))}]
            continue
        values = _values(params, name)
        if not values:
            continue
        if flt.money and hides_money:
            if strict:
                errors[name] = [_money_refused()]
            continue
        try:
            query.filters[name] = [flt.convert(v) for v in values]
            query.raw[name] = values
        except ValidationError as exc:
            errors[name] = exc.messages
    if "q" in params:
        text = " ".join(_raw_values(params, "q")).strip()[:200]
        # A search of nothing but invisible characters (a zero-width or no-break space) has no
        # terms to look for: it must not count as a filter, or "all records" would need no
        # confirmation in bulk actions.
        if search.query_terms(text):
            query.search = text
            query.raw["q"] = [text]
    sort = (_values(params, "sort") or [""])[0] if "sort" in params else ""
    sort = sort.strip() or spec.default_sort
    if sort.removeprefix("-") not in spec.sort_map():
        if strict or ("sort" in params and sort != spec.default_sort):
            errors["sort"] = [_("Unknown sort. Allowed: %(names)s.") % {"names": ", ".join(sorted(spec.sort_map()))}]
        sort = spec.default_sort
    if spec.sort_map()[sort.removeprefix("-")].money and hides_money:
        if strict:
            errors["sort"] = [_money_refused()]
        sort = spec.default_sort
    query.sort = sort
    if sort != spec.default_sort:
        query.raw["sort"] = [sort]
    if "limit" in params:
        try:
            limit = int(_values(params, "limit")[0])
            if not 1 <= limit <= max_limit:
                raise ValueError
            query.limit = limit
        except (ValueError, IndexError):
            errors["limit"] = [_("Enter a number from 1 to %(max)d.") % {"max": max_limit}]
    sort_def = spec.sort_map()[query.sort_name]
    for name in ("cursor", "before"):
        if name in params:
            value = (_values(params, name) or [""])[0].strip()
            if value:
                try:
                    _position(sort_def, value)
                    setattr(query, name, value)
                except ValidationError as exc:
                    errors[name] = exc.messages
    if errors and strict:
        raise ValidationError(errors)
    # In the UI a bad value is dropped, not fatal (a stale link still shows a list); nothing that
    # failed was stored in ``query`` above, and the form shows what was kept.
    return query


def _money_refused() -> str:
    return _("Your role may not see amounts, so lists cannot be filtered or sorted by them for you.")


def apply(spec: ListSpec[M], query: ListQuery, queryset: models.QuerySet[M], *, user: Any = None) -> models.QuerySet[M]:
    """``queryset`` narrowed by the query's filters and search. Given the ``user`` whose visible
    rows ``queryset`` holds, filters that can use it (``Filter.build_for``) do."""
    filter_map = spec.filter_map()
    for name, values in query.filters.items():
        queryset = queryset.filter(filter_map[name].q(values, user))
    for condition in query.custom.values():
        queryset = queryset.filter(condition)
    if query.search and spec.search is not None:
        queryset = spec.search(queryset, query.search)
    return queryset


# --- keyset pagination -----------------------------------------------------------------------------


def encode_cursor(value: Any, pk: Any) -> str:
    if isinstance(value, datetime.datetime | datetime.date):
        value = value.isoformat()
    elif isinstance(value, decimal.Decimal):
        value = str(value)  # an amount sort (largest first): the column reads it back exactly
    payload = json.dumps([value, str(pk)], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        uuid.UUID(pk)
    except (ValueError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError(gettext_lazy("Not a valid page cursor.")) from exc
    return value, pk


def _aware(value: datetime.datetime) -> datetime.datetime:
    """In UTC: an offset such as -20:29 (which ISO 8601 allows) is one PostgreSQL refuses."""
    aware = timezone.make_aware(value) if timezone.is_naive(value) else value
    return aware.astimezone(datetime.UTC)


def _typed(sort: Sort, value: Any) -> Any:
    """The cursor's sort value as the column holds it; None when it cannot be one."""
    if value is None:
        return None
    try:
        if sort.kind == "datetime":
            parsed = parse_datetime(value) if isinstance(value, str) else None
            return _aware(parsed) if parsed is not None else None
        if sort.kind == "date":
            return parse_date(value) if isinstance(value, str) else None
    except (ValueError, OverflowError):
        return None
    if sort.kind == "int":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return value if isinstance(value, str) else None


def _position(sort: Sort, cursor: str) -> tuple[Any, str]:
    """The (sort value, id) a cursor points at, checked against the sort it is used with."""
    raw_value, pk = decode_cursor(cursor)
    value = _typed(sort, raw_value)
    if value is None and (raw_value is not None or not sort.nullable):
        # A cursor of another sort, or one edited by hand: it would silently point elsewhere.
        raise ValidationError(gettext_lazy("Not a valid page cursor."))
    return value, pk


def _range_q(path: str, value: Any, pk: Any, *, forwards: bool, descending: bool) -> Q:
    """Non-null rows strictly after (value, pk) when walking ``forwards`` in (field, id) order
    [``descending``], or strictly before it otherwise.

    Written as ``field <= v AND (field < v OR (field = v AND id < pk))`` (mirrored as needed): the
    first, redundant bound is what lets PostgreSQL and SQLite start an index range scan at the
    cursor, so page 1,000 costs what page 1 does; the OR alone would make them read from the top.
    """
    down = descending == forwards  # True when the rows wanted have smaller values
    op = "lt" if down else "gt"
    bound = {f"{path}__{op}e": value}
    return Q(**bound) & (Q(**{f"{path}__{op}": value}) | Q(**{path: value, f"pk__{op}": pk}))


@dataclass(frozen=True)
class _Segment:
    """A stretch of the list that one index range scan reads in order: by (``path``, id), or by id
    alone when ``path`` is None (the NULL block of a nullable sort); ``down`` when the values
    read decrease."""

    where: Q
    order: list[Any]
    path: str | None = None
    down: bool = False
    nulls_of: str | None = None  # the sort column whose NULL block this is (``path`` None)


def _segments(sort: Sort, position: tuple[Any, Any] | None, descending: bool, forwards: bool) -> list[_Segment]:
    """The rows after ``position`` (or from the start) in the direction of travel, as ordered stretches.

    A nullable sort key orders rows as (non-null values in order, then NULLs by id) going forwards.
    Each block is read by its own query with a plain ``ORDER BY field, id`` that an ordinary
    (field, id) index serves in either direction; one ``NULLS LAST`` ordering with an OR of both
    blocks would make the database sort every matching row instead.
    """
    path = sort.path
    down = descending == forwards
    field_order = F(path).desc() if down else F(path).asc()
    id_order = "-pk" if down else "pk"
    values_order = [field_order, id_order]
    nulls_order = [id_order]
    id_op = "lt" if down else "gt"

    def by_values(where: Q) -> _Segment:
        return _Segment(where, values_order, path, down)

    def by_id(where: Q) -> _Segment:
        return _Segment(where, nulls_order, None, down, path)

    if not sort.nullable:
        where = (
            Q()
            if position is None
            else _range_q(path, position[0], position[1], forwards=forwards, descending=descending)
        )
        return [by_values(where)]
    values = Q(**{f"{path}__isnull": False})
    nulls = Q(**{f"{path}__isnull": True})
    if position is None:
        blocks = [by_values(values), by_id(nulls)]
        return blocks if forwards else blocks[::-1]
    value, pk = position
    if value is None:
        after_in_nulls = by_id(nulls & Q(**{f"pk__{id_op}": pk}))
        # Forwards, the NULL block is the last; backwards, the whole non-null block still lies ahead.
        return [after_in_nulls] if forwards else [after_in_nulls, by_values(values)]
    in_values = by_values(_range_q(path, value, pk, forwards=forwards, descending=descending))
    return [in_values, by_id(nulls)] if forwards else [in_values]


# A filtered page that found too few rows in the first ``ListSpec.walk`` rows of its sort order
# has its remaining rows looked up through the filters' indexes and sorted, when the database
# expects at most this many of them; more than that, and reading on in the sort order finds them
# sooner.
SORT_AT_MOST = 20_000


def _position_q(segment: _Segment, value: Any, pk: Any, *, through: bool) -> Q:
    """The rows of ``segment``'s order up to and including (value, pk) (``through``), or those
    strictly after it. Both carry a plain bound on the sort column, so that an index range scan
    starts or stops there."""
    if segment.path is None:
        if through:
            return Q(pk__gte=pk) if segment.down else Q(pk__lte=pk)
        return Q(pk__lt=pk) if segment.down else Q(pk__gt=pk)
    path = segment.path
    if through:
        op = "gt" if segment.down else "lt"
        return Q(**{f"{path}__{op}e": value}) & (Q(**{f"{path}__{op}": value}) | Q(**{path: value, f"pk__{op}e": pk}))
    op = "lt" if segment.down else "gt"
    return Q(**{f"{path}__{op}e": value}) & (Q(**{f"{path}__{op}": value}) | Q(**{path: value, f"pk__{op}": pk}))


def _unindexed(order: Sequence[Any]) -> list[Any]:
    """``order`` as expressions no index provides, so that the database finds the rows through
    the filters' indexes and sorts them, instead of reading the sort column's index in order and
    testing every row against the filters."""
    plain = []
    for item in order:
        if isinstance(item, str):
            name, descending = item.removeprefix("-"), item.startswith("-")
        else:  # F(path).asc() / .desc()
            name, descending = item.expression.name, item.descending
        expression = Coalesce(F(name), F(name))
        plain.append(expression.desc() if descending else expression.asc())
    return plain


def _read_segment(queryset: models.QuerySet[M], segment: _Segment, want: int, walk: int) -> list[M]:
    """Up to ``want`` rows of ``queryset`` in ``segment``, in its order.

    Without filters (or with ``walk`` 0) that is one query, which reads the sort column's index in
    order. With filters, the database guesses how far along that index it must read to find
    ``want`` matches, and guesses wrong when the filters match few rows or the rows they match lie
    far along the order (a sales rep filtering on another team's owner reads all million contacts
    to find none). So the index is read for ``walk`` rows at most; if those hold too few matches,
    the rest are looked up through the filters' own indexes and sorted, unless the database
    expects more than ``SORT_AT_MOST`` of them (then reading on in order finds them soon).
    """
    ordered = queryset.filter(segment.where)
    if walk <= 0 or not queryset.query.where:
        return list(ordered.order_by(*segment.order)[:want])
    columns = ["pk"] if segment.path is None else [segment.path, "pk"]
    every = queryset.model._default_manager.filter(segment.where).order_by(*segment.order)
    bound = _walk_bound(queryset.db, every.values_list(*columns)[walk - 1 : walk])
    if not bound:  # the whole segment is shorter than the walk
        return list(ordered.order_by(*segment.order)[:want])
    value, pk = (None, bound[0][0]) if segment.path is None else bound[0]
    rows = list(ordered.filter(_position_q(segment, value, pk, through=True)).order_by(*segment.order)[:want])
    if len(rows) >= want:
        return rows
    rest = ordered.filter(_position_q(segment, value, pk, through=False))
    expected = _estimate(rest)
    if expected is not None and expected > SORT_AT_MOST:
        return rows + list(rest.order_by(*segment.order)[: want - len(rows)])
    # The rows after the bound, asked with the sort column and the id hidden from the planner
    # (the segment's rows are those after the bound, which lies inside it): SQLite, which has no
    # histograms, otherwise takes a range of the sort index for cheaper than a rare value's index.
    hidden = _Segment(Q(), [], "_walk_key" if segment.path else None, segment.down)
    after: models.QuerySet[Any] = queryset.alias(
        _walk_key=Coalesce(F(segment.path or "pk"), F(segment.path or "pk")), _walk_id=Coalesce(F("pk"), F("pk"))
    )
    if segment.path is None:
        after = after.filter(**{f"{segment.nulls_of}__isnull": True})
    else:
        after = after.filter(_walk_key__isnull=False)
    after = after.filter(_hidden_id(_position_q(hidden, value, pk, through=False)))
    return rows + list(after.order_by(*_unindexed(segment.order))[: want - len(rows)])


# Where a walk of the sort order stops, per query, for a while: any bound splits the rows in two
# parts read in turn, so one a little out of date (rows added or changed since) costs at most a
# longer read, never a wrong page. Every filtered first page asks the same question.
WALK_BOUND_SECONDS = 30.0
_WALK_BOUNDS: dict[tuple[str, str], tuple[float, list[Any]]] = {}


def _walk_bound(alias: str, query: models.QuerySet[Any]) -> list[Any]:
    sql, params = query.query.sql_with_params()
    key = (alias, f"{sql}\x00{params!r}")
    now = time.monotonic()
    cached = _WALK_BOUNDS.get(key)
    if cached is not None and now - cached[0] < WALK_BOUND_SECONDS:
        return cached[1]
    bound = list(query)
    if len(_WALK_BOUNDS) >= 512:
        _WALK_BOUNDS.clear()
    _WALK_BOUNDS[key] = (now, bound)
    return bound


def _hidden_id(condition: Q) -> Q:
    """``condition`` with its conditions on the id asked of ``_walk_id`` instead."""
    children: list[Any] = []
    for child in condition.children:
        if isinstance(child, Q):
            children.append(_hidden_id(child))
        else:
            name, value = cast(tuple[str, Any], child)
            children.append((name.replace("pk", "_walk_id", 1) if name.startswith("pk") else name, value))
    hidden = Q(*children, _connector=condition.connector, _negated=condition.negated)
    return hidden


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    prev_cursor: str | None
    limit: int


def paginate(spec: ListSpec[M], query: ListQuery, queryset: models.QuerySet[M]) -> Page[M]:
    """One page after ``query.cursor`` (or before ``query.before``), in the query's sort order."""
    sort = spec.sort_map()[query.sort_name]
    descending = query.descending
    backwards = bool(query.before) and not query.cursor
    token = query.before if backwards else query.cursor
    position = _position(sort, token) if token else None
    wanted = query.limit + 1
    rows: list[M] = []
    for segment in _segments(sort, position, descending, forwards=not backwards):
        rows.extend(_read_segment(queryset, segment, wanted - len(rows), spec.walk))
        if len(rows) >= wanted:
            break
    has_more = len(rows) > query.limit
    rows = rows[: query.limit]
    if backwards:
        rows.reverse()
    next_cursor = prev_cursor = None
    if rows:
        first, last = rows[0], rows[-1]
        if backwards:
            next_cursor = _cursor_for(sort, last)
            prev_cursor = _cursor_for(sort, first) if has_more else None
        else:
            next_cursor = _cursor_for(sort, last) if has_more else None
            prev_cursor = _cursor_for(sort, first) if token else None
    return Page(items=rows, next_cursor=next_cursor, prev_cursor=prev_cursor, limit=query.limit)


def _cursor_for(sort: Sort, obj: models.Model) -> str:
    value: Any = obj
    for part in sort.path.split("__"):
        value = getattr(value, part) if value is not None else None
    return encode_cursor(value, obj.pk)


# --- totals ----------------------------------------------------------------------------------------

# Above this many rows (as estimated) a list shows "about N" instead of counting: an exact count of
# a large filtered list reads every matching row, which at a million contacts takes longer than the
# page itself. Below it the count is exact, unless it overruns COUNT_BUDGET_MS.
ESTIMATE_ABOVE = 5_000
COUNT_BUDGET_MS = 300
SAMPLE_ROWS = 20_000  # SQLite estimates from this many rows, read in SAMPLE_WINDOWS spread-out stretches
SAMPLE_WINDOWS = 8


@dataclass(frozen=True)
class Total:
    """How many rows a list has: exact, or an estimate a screen shows as "about N"."""

    value: int
    exact: bool

    @property
    def estimated(self) -> bool:
        return not self.exact


def total(
    queryset: models.QuerySet[Any],
    *,
    exact: bool = False,
    query: ListQuery | None = None,
    page: Page[Any] | None = None,
) -> Total:
    """The number of rows in ``queryset``: exact when asked, or when it is small enough to count in
    time; otherwise an estimate (PostgreSQL's planner, or a sample of the table on SQLite).

    Given the ``page`` already read for ``query``: when it is the list's first page and nothing
    follows it, its rows are all the rows, and nothing is counted (a filter matching a handful of
    records, or none, costs no second read of them)."""
    if query is not None and page is not None and not query.cursor and not query.before and page.next_cursor is None:
        return Total(len(page.items), True)
    if queryset.query.is_empty():
        return Total(0, True)  # a queryset that can match nothing (.none()) has no SQL to plan
    if exact:
        return Total(queryset.count(), True)
    estimate = _estimate(queryset)
    if estimate is not None and estimate > ESTIMATE_ABOVE:
        return Total(_rounded(estimate), False)
    counted = _count_within(queryset, COUNT_BUDGET_MS)
    if counted is not None:
        return Total(counted, True)
    return Total(_rounded(max(estimate or 0, ESTIMATE_ABOVE)), False)


def _rounded(value: float) -> int:
    """Two significant figures: an estimate should not look more precise than it is."""
    value = max(0, round(value))
    if value < 100:
        return value
    digits = len(str(value)) - 2
    return round(value, -digits)


def _estimate(queryset: models.QuerySet[Any]) -> float | None:
    connection = connections[queryset.db]
    if connection.vendor == "postgresql":
        try:
            sql, params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            return 0.0  # a filter that can match nothing ("pk in ()") compiles to no SQL at all
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return float(plan[0]["Plan"]["Plan Rows"])
    if connection.vendor == "sqlite":
        return _sampled_estimate(queryset)
    return None


def _sampled_estimate(queryset: models.QuerySet[Any]) -> float | None:
    """Count the matches among SAMPLE_ROWS rows taken in stretches across the table, scaled up.
    None when the table is small enough to count outright."""
    table = queryset.model._meta.db_table
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f'SELECT max(rowid) FROM "{table}"')  # noqa: S608 - a table name from model metadata
        top = cursor.fetchone()[0] or 0
    if top <= SAMPLE_ROWS * 2:
        return None
    width = SAMPLE_ROWS // SAMPLE_WINDOWS
    step = top // SAMPLE_WINDOWS
    starts = [i * step + 1 for i in range(SAMPLE_WINDOWS)]
    where = " OR ".join(f'"{table}".rowid BETWEEN %s AND %s' for _ in starts)
    params = [bound for start in starts for bound in (start, start + width - 1)]
    sample = queryset.order_by().extra(where=[f"({where})"], params=params).values("pk")  # noqa: S610
    sql, sql_params = sample.query.sql_with_params()
    # Read the sample by rowid, never through an index: given "owner = me OR team = mine" SQLite
    # otherwise gathers all of a sales rep's rows from those two indexes (100,000 at a million
    # contacts, 0.6 s) and only then keeps the few thousand the sample holds (8 ms this way).
    source = f'FROM "{table}" '
    if sql.count(source) == 1:
        sql = sql.replace(source, f'FROM "{table}" NOT INDEXED ')
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql})", sql_params)  # noqa: S608 - the queryset's own SQL
        matched = cursor.fetchone()[0]
    return matched * top / SAMPLE_ROWS


def _count_within(queryset: models.QuerySet[Any], budget_ms: int) -> int | None:
    """``queryset.count()``, or None if the database could not finish it within ``budget_ms``."""
    connection = connections[queryset.db]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Outside a transaction a cancelled statement leaves nothing to roll back: no savepoint needed.
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(budget_ms)}")
            try:
                return queryset.count()
            except OperationalError:  # cancelled by the timeout
                return None
            finally:
                cursor.execute("RESET statement_timeout")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        deadline = time.monotonic() + budget_ms / 1000
        raw = connection.connection
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 20_000)
        try:
            return queryset.count()
        except OperationalError:
            return None
        finally:
            raw.set_progress_handler(None, 0)
    return queryset.count()
