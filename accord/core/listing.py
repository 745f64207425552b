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
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.core import customfields

M = TypeVar("M", bound=models.Model)

RESERVED = {"q", "sort", "cursor", "before", "limit"}


@dataclass(frozen=True)
class Filter:
    """One allowed filter: ``?owner=<uuid>``; several values (repeated or comma-separated) mean OR."""

    name: str
    path: str
    kind: str = "str"  # str | uuid | choice | bool | date | datetime | int
    lookup: str = "exact"  # exact | in | gte | lte | icontains | isnull
    choices: Sequence[str] = ()
    label: Any = ""
    # For filters that are not a plain lookup (a tag through its join table): values -> Q.
    build: Callable[[list[Any]], Q] | None = None

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
            except ValueError:
                parsed = None
            if parsed is None:
                raise ValidationError(_("Enter a date and time in ISO 8601."))
            # A bare date or a time without an offset is the server's local time, as a person means it.
            return _aware(parsed)
        if self.kind == "choice" and raw not in self.choices:
            raise ValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(self.choices)})
        return raw

    def q(self, values: list[Any]) -> Q:
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
    kind: str = "str"  # str | datetime | date | int


@dataclass
class ListSpec(Generic[M]):
    entity: str
    filters: Sequence[Filter]
    sorts: Sequence[Sort]
    default_sort: str
    search: Callable[[models.QuerySet[M], str], models.QuerySet[M]] | None = None
    custom_fields: bool = False

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
) -> ListQuery:
    """Parse list parameters. ``strict`` (the API) rejects unknown parameters; the UI drops them."""
    errors: dict[str, list[str]] = {}
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
        try:
            query.filters[name] = [flt.convert(v) for v in values]
            query.raw[name] = values
        except ValidationError as exc:
            errors[name] = exc.messages
    if "q" in params:
        query.search = " ".join(_raw_values(params, "q")).strip()[:200]
        if query.search:
            query.raw["q"] = [query.search]
    sort = (_values(params, "sort") or [""])[0] if "sort" in params else ""
    sort = sort.strip() or spec.default_sort
    if sort.removeprefix("-") not in spec.sort_map():
        if strict or ("sort" in params and sort != spec.default_sort):
            errors["sort"] = [_("Unknown sort. Allowed: %(names)s.") % {"names": ", ".join(sorted(spec.sort_map()))}]
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


def apply(spec: ListSpec[M], query: ListQuery, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    filter_map = spec.filter_map()
    for name, values in query.filters.items():
        queryset = queryset.filter(filter_map[name].q(values))
    for condition in query.custom.values():
        queryset = queryset.filter(condition)
    if query.search and spec.search is not None:
        queryset = spec.search(queryset, query.search)
    return queryset


# --- keyset pagination -----------------------------------------------------------------------------


def encode_cursor(value: Any, pk: Any) -> str:
    if isinstance(value, datetime.datetime | datetime.date):
        value = value.isoformat()
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
    return timezone.make_aware(value) if timezone.is_naive(value) else value


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
    except ValueError:
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


def _after_q(sort: Sort, value: Any, pk: Any, descending: bool) -> Q:
    """Rows strictly after (value, pk) in the order (field [desc] nulls last, id [desc])."""
    path = sort.path
    id_op = "lt" if descending else "gt"
    if value is None:
        # In the trailing block of NULLs only the id decides.
        return Q(**{f"{path}__isnull": True, f"pk__{id_op}": pk})
    op = "lt" if descending else "gt"
    q = Q(**{f"{path}__{op}": value}) | Q(**{path: value, f"pk__{id_op}": pk})
    if sort.nullable:
        q |= Q(**{f"{path}__isnull": True})
    return q


def _order(sort: Sort, descending: bool, reverse: bool) -> list[Any]:
    desc = descending != reverse
    column = F(sort.path)
    if sort.nullable:
        # NULLs sort last going forwards, hence first when walking backwards.
        nulls = {"nulls_first": True} if reverse else {"nulls_last": True}
        expr = column.desc(**nulls) if desc else column.asc(**nulls)
    else:
        expr = column.desc() if desc else column.asc()
    return [expr, "-pk" if desc else "pk"]


@dataclass
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None
    prev_cursor: str | None
    limit: int


def paginate(spec: ListSpec[M], query: ListQuery, queryset: models.QuerySet[M]) -> Page[M]:
    """One page after ``query.cursor`` (or before ``query.before``), in the query's sort order."""
    sort = spec.sort_map()[query.sort_name]
    descending = query.descending
    backwards = bool(query.before) and not query.cursor
    token = query.before if backwards else query.cursor
    qs = queryset
    if token:
        value, pk = _position(sort, token)
        if backwards:
            # "Before" is "after" in the reversed order.
            qs = qs.filter(_before_q(sort, value, pk, descending))
        else:
            qs = qs.filter(_after_q(sort, value, pk, descending))
    qs = qs.order_by(*_order(sort, descending, reverse=backwards))
    rows = list(qs[: query.limit + 1])
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


def _before_q(sort: Sort, value: Any, pk: Any, descending: bool) -> Q:
    path = sort.path
    id_op = "gt" if descending else "lt"
    if value is None:
        q = Q(**{f"{path}__isnull": True, f"pk__{id_op}": pk})
        return q | Q(**{f"{path}__isnull": False})
    op = "gt" if descending else "lt"
    return Q(**{f"{path}__{op}": value}) | Q(**{path: value, f"pk__{id_op}": pk})


def _cursor_for(sort: Sort, obj: models.Model) -> str:
    value: Any = obj
    for part in sort.path.split("__"):
        value = getattr(value, part) if value is not None else None
    return encode_cursor(value, obj.pk)
