"""The pivot engine: a report definition in, a table of figures out, computed by one grouped query.

A definition names an entity of the registry, filters (field, operator, value), up to two
dimensions (rows and columns), one or more measures and the grain of date dimensions. ``run`` asks
the database for one ``values().annotate()`` over the records the user may see (the entity's own
selector, so the access policy scopes every figure); cells, row and column totals and the "Other"
column are added up here from that one answer, so a total is always the sum of what the table shows.

Amounts are summed per currency in SQL and converted to the base currency here, as the forecast
does; a currency with no exchange rate is left out of the amounts and named in ``missing_rates``.
Averages are carried as a sum and a count, so that they too can be combined across cells.

``drill`` answers the records behind any cell or total: the same filters and the same grouping
expressions, under the same scope.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.analytics.reporting.registry import (
    BOOLEAN,
    CATEGORY,
    CHOICE,
    DATE,
    FK,
    REGISTRY,
    Dimension,
    Entity,
    Number,
    choices_of,
    model_field,
)
from accord.core import access, money

D = decimal.Decimal
CENT = D("0.01")
NONE_KEY = "__none__"
OTHER_KEY = "__other__"
MAX_MEASURES = 4
MAX_FILTERS = 10
MAX_TOP = 50
DEFAULT_TOP = 10
# A grouping past this many groups is not a table anyone reads: the user is asked for a coarser one.
MAX_GROUPS = 20_000
DRILL_PAGE = 25

GRAINS: dict[str, Any] = {
    "day": gettext_lazy("Day"),
    "week": gettext_lazy("Week"),
    "month": gettext_lazy("Month"),
    "quarter": gettext_lazy("Quarter"),
    "year": gettext_lazy("Year"),
}
AGGREGATES: dict[str, Any] = {
    "sum": gettext_lazy("Sum of %(field)s"),
    "avg": gettext_lazy("Average %(field)s"),
    "min": gettext_lazy("Minimum %(field)s"),
    "max": gettext_lazy("Maximum %(field)s"),
}
CHARTS: dict[str, Any] = {
    "bar": gettext_lazy("Bars"),
    "stacked": gettext_lazy("Stacked bars"),
    "line": gettext_lazy("Lines"),
    "none": gettext_lazy("No chart"),
}
OPERATORS: dict[str, Any] = {
    "eq": gettext_lazy("is"),
    "ne": gettext_lazy("is not"),
    "in": gettext_lazy("is one of"),
    "contains": gettext_lazy("contains"),
    "gt": gettext_lazy("greater than"),
    "gte": gettext_lazy("at least"),
    "lt": gettext_lazy("less than"),
    "lte": gettext_lazy("at most"),
    "after": gettext_lazy("on or after"),
    "before": gettext_lazy("on or before"),
    "last_days": gettext_lazy("in the last N days"),
    "empty": gettext_lazy("is empty"),
    "not_empty": gettext_lazy("is not empty"),
}
OPERATORS_BY_KIND = {
    CATEGORY: ("eq", "ne", "in", "contains", "empty", "not_empty"),
    CHOICE: ("eq", "ne", "in", "empty", "not_empty"),
    FK: ("eq", "ne", "in", "empty", "not_empty"),
    DATE: ("eq", "after", "before", "last_days", "empty", "not_empty"),
    BOOLEAN: ("eq",),
    "number": ("eq", "ne", "gt", "gte", "lt", "lte", "empty", "not_empty"),
}
_NO_VALUE = ("empty", "not_empty")


def operators_for(kind: str) -> tuple[str, ...]:
    return OPERATORS_BY_KIND[kind]


# --- the definition ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    field: str
    op: str
    value: Any = None  # as the user gave it (kept so that a saved definition reads back the same)
    parsed: Any = None  # converted to the field's type

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "op": self.op, "value": self.value}


@dataclass(frozen=True)
class Definition:
    entity: str
    measures: tuple[str, ...] = ("count",)
    rows: str = ""
    columns: str = ""
    grain: str = "month"
    filters: tuple[Filter, ...] = ()
    top: int = DEFAULT_TOP
    chart: str = "bar"

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "rows": self.rows,
            "columns": self.columns,
            "measures": list(self.measures),
            "grain": self.grain,
            "filters": [f.as_dict() for f in self.filters],
            "top": self.top,
            "chart": self.chart,
        }


def entity_of(key: str) -> Entity:
    entity = REGISTRY.get(key)
    assert entity is not None, key
    return entity


def _field_kind(entity: Entity, key: str) -> tuple[Dimension | Number | None, str]:
    dimension = entity.dimension(key)
    if dimension is not None:
        return dimension, dimension.kind
    number = entity.number(key)
    if number is not None:
        return number, "number"
    return None, ""


def _is_datetime(entity: Entity, path: str) -> bool:
    return isinstance(model_field(entity.model_class, path), models.DateTimeField)


def _convert_one(entity: Entity, spec: Dimension | Number, kind: str, raw: Any) -> Any:
    """``raw`` as the field's type; a django ValidationError when it is not one."""
    target = model_field(entity.model_class, spec.path)
    if kind == FK:
        related = target.related_model
        assert related is not None
        assert not isinstance(related, str)
        pk = related._meta.pk
        assert pk is not None
        return pk.to_python(raw)
    if kind == BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise ValidationError(_("Enter true or false."))
    if kind == DATE:
        text = str(raw or "").strip()
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from None
    if kind == CHOICE:
        if isinstance(spec, Dimension) and str(raw) not in choices_of(entity, spec):
            raise ValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices_of(entity, spec))})
        return str(raw)
    if kind == "number":
        try:
            return D(str(raw).strip().replace(",", "."))
        except (decimal.InvalidOperation, ValueError):
            raise ValidationError(_("Enter a number.")) from None
    text = str(raw if raw is not None else "").strip()
    if not text:
        raise ValidationError(_("Enter a value."))
    return text[:200]


def _parse_filter(user: Any, entity: Entity, raw: Any, errors: dict[str, list[str]]) -> Filter | None:
    if not isinstance(raw, Mapping):
        errors.setdefault("filters", []).append(_("Each filter needs a field, an operator and a value."))
        return None
    key = str(raw.get("field") or "")
    op = str(raw.get("op") or "")
    value = raw.get("value")
    spec, kind = _field_kind(entity, key)
    if spec is None:
        errors.setdefault("filters", []).append(_("There is no field “%(field)s” to filter by.") % {"field": key})
        return None
    if isinstance(spec, Number) and spec.currency and not access.sees_amounts(user):
        errors.update(access.amounts_refused([key]))
        return None
    if op not in OPERATORS_BY_KIND[kind]:
        errors.setdefault(key, []).append(
            _("%(field)s: choose an operator among: %(choices)s.")
            % {"field": spec.label, "choices": ", ".join(OPERATORS_BY_KIND[kind])}
        )
        return None
    try:
        if op in _NO_VALUE:
            parsed: Any = None
            value = None
        elif op == "in":
            items = value if isinstance(value, list) else list(str(value or "").split(","))
            items = [v for v in (str(i).strip() for i in items) if v]
            if not items or len(items) > 100:
                raise ValidationError(_("Give between 1 and 100 values."))
            parsed = [_convert_one(entity, spec, kind, item) for item in items]
            value = items
        elif op == "last_days":
            try:
                parsed = int(str(value).strip())
            except ValueError:
                raise ValidationError(_("Enter a whole number of days.")) from None
            if not 1 <= parsed <= 3660:
                raise ValidationError(_("Enter a number of days from 1 to 3660."))
            value = parsed
        else:
            parsed = _convert_one(entity, spec, kind, value)
            value = parsed.isoformat() if isinstance(parsed, datetime.date) else str(value).strip()
            if kind == BOOLEAN:
                value = parsed
    except ValidationError as exc:
        errors.setdefault(key, []).extend(f"{spec.label}: {m}" for m in exc.messages)
        return None
    return Filter(field=key, op=op, value=value, parsed=parsed)


def parse_definition(user: Any, data: Any) -> Definition:
    """A definition from its JSON form, checked against what ``user`` may see. Every bad part is
    reported at once in a ValidationError keyed by the part ("rows", "measures", a filter's field)."""
    if not isinstance(data, Mapping):
        raise ValidationError({"definition": [_("A report definition is an object.")]})
    errors: dict[str, list[str]] = {}
    entity_key = str(data.get("entity") or "")
    entity = REGISTRY.get(entity_key)
    if entity is None or entity not in REGISTRY.for_user(user):
        choices = ", ".join(e.key for e in REGISTRY.for_user(user))
        raise ValidationError({"entity": [_("Choose one of: %(choices)s.") % {"choices": choices}]})
    dims: dict[str, str] = {}
    for axis in ("rows", "columns"):
        key = str(data.get(axis) or "")
        if key and entity.dimension(key) is None:
            errors[axis] = [
                _("There is no dimension “%(field)s” in %(entity)s.") % {"field": key, "entity": entity.label}
            ]
        dims[axis] = key
    if dims["columns"] and not dims["rows"]:
        errors.setdefault("columns", []).append(_("Choose rows before columns."))
    elif dims["columns"] and dims["columns"] == dims["rows"]:
        errors.setdefault("columns", []).append(_("Choose a different dimension for the columns than for the rows."))
    raw_measures = data.get("measures") or ["count"]
    if isinstance(raw_measures, str):
        raw_measures = [raw_measures]
    measures: list[str] = []
    if not isinstance(raw_measures, list) or len(raw_measures) > MAX_MEASURES:
        errors["measures"] = [_("Choose from one to %(n)s measures.") % {"n": MAX_MEASURES}]
    else:
        for item in raw_measures:
            refused = measure_refused(user, entity, str(item))
            if refused:
                errors.setdefault("measures", []).append(refused)
            elif str(item) not in measures:
                measures.append(str(item))
    grain = str(data.get("grain") or "month")
    if grain not in GRAINS:
        errors["grain"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(GRAINS)}]
    chart = str(data.get("chart") or "bar")
    if chart not in CHARTS:
        errors["chart"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(CHARTS)}]
    try:
        raw_top = data.get("top")
        top = DEFAULT_TOP if raw_top in (None, "") else int(raw_top)
        if not 1 <= top <= MAX_TOP:
            raise ValueError
    except (TypeError, ValueError):
        errors["top"] = [_("Enter a whole number from 1 to %(n)s.") % {"n": MAX_TOP}]
        top = DEFAULT_TOP
    raw_filters = data.get("filters") or []
    filters: list[Filter] = []
    if not isinstance(raw_filters, list) or len(raw_filters) > MAX_FILTERS:
        errors["filters"] = [_("Give at most %(n)s filters.") % {"n": MAX_FILTERS}]
    else:
        for raw in raw_filters:
            parsed = _parse_filter(user, entity, raw, errors)
            if parsed is not None:
                filters.append(parsed)
    if errors:
        raise ValidationError(errors)
    return Definition(
        entity=entity.key,
        measures=tuple(measures) or ("count",),
        rows=dims["rows"],
        columns=dims["columns"],
        grain=grain,
        filters=tuple(filters),
        top=top,
        chart=chart,
    )


def measure_refused(user: Any, entity: Entity, key: str) -> str:
    """Why ``user`` may not use measure ``key`` on ``entity`` ("" when they may)."""
    if key == "count":
        return ""
    agg, _sep, number_key = key.partition(":")
    number = entity.number(number_key)
    if agg not in AGGREGATES or number is None:
        return _("There is no measure “%(measure)s” in %(entity)s.") % {"measure": key, "entity": entity.label}
    if number.currency and not access.sees_amounts(user):
        return _("%(measure)s: your role may not see amounts.") % {"measure": measure_label(entity, key)}
    return ""


def measure_label(entity: Entity, key: str) -> str:
    if key == "count":
        return str(entity.count_label or entity.label)
    agg, _sep, number_key = key.partition(":")
    number = entity.number(number_key)
    assert number is not None
    return str(AGGREGATES[agg]) % {"field": str(number.label).lower()}


def measure_choices(user: Any, entity: Entity) -> list[tuple[str, str]]:
    found = [("count", measure_label(entity, "count"))]
    for number in entity.numbers_for(user):
        found += [(f"{agg}:{number.key}", measure_label(entity, f"{agg}:{number.key}")) for agg in AGGREGATES]
    return found


# --- running it -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    key: str
    label: str


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    money: bool


@dataclass
class Stats:
    """What the cells' figures are made from; stats of two cells add up to their union's."""

    count: int = 0
    sums: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    mins: dict[str, Any] = field(default_factory=dict)
    maxs: dict[str, Any] = field(default_factory=dict)

    def add(self, other: Stats) -> None:
        self.count += other.count
        for key, value in other.sums.items():
            self.sums[key] = self.sums.get(key, 0) + value
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        for key, value in other.mins.items():
            self.mins[key] = value if key not in self.mins else min(self.mins[key], value)
        for key, value in other.maxs.items():
            self.maxs[key] = value if key not in self.maxs else max(self.maxs[key], value)

    def value(self, measure: str) -> Any:
        if measure == "count":
            return self.count
        agg, _sep, key = measure.partition(":")
        if not self.counts.get(key):
            return None
        if agg == "sum":
            return self.sums[key]
        if agg == "avg":
            return (D(self.sums[key]) / self.counts[key]).quantize(CENT, rounding=decimal.ROUND_HALF_UP)
        return self.mins[key] if agg == "min" else self.maxs[key]


@dataclass
class Pivot:
    definition: Definition
    entity: Entity
    measures: list[Measure]
    rows: list[Key]
    columns: list[Key]
    cells: dict[tuple[str, str], Stats]
    row_totals: dict[str, Stats]
    column_totals: dict[str, Stats]
    total: Stats
    currency: str
    missing_rates: list[str]
    row_label: str
    column_label: str

    def value(self, row: str | None, column: str | None, measure: str) -> Any:
        """A cell's figure (None for an empty cell); None as ``row`` or ``column``: the total."""
        if row is None and column is None:
            stats: Stats | None = self.total
        elif column is None:
            stats = self.row_totals.get(str(row))
        elif row is None:
            stats = self.column_totals.get(column)
        else:
            stats = self.cells.get((row, column))
        return stats.value(measure) if stats is not None else None

    @property
    def has_other(self) -> bool:
        return any(c.key == OTHER_KEY for c in self.columns)


def _base(user: Any, entity: Entity) -> QuerySet[Any]:
    visible = entity.visible(user)
    if visible.query.distinct:
        # The scope's OR across joins needed DISTINCT, which a GROUP BY would not respect: the
        # visible keys as a sub-query count each record once.
        return entity.model_class._default_manager.filter(pk__in=visible.values("pk"))
    return visible


def _filter_q(entity: Entity, flt: Filter) -> Q:
    spec, kind = _field_kind(entity, flt.field)
    assert spec is not None
    path = spec.path
    textual = kind in (CATEGORY, CHOICE)
    if flt.op == "empty":
        return Q(**{f"{path}__isnull": True}) | Q(**{path: ""}) if textual else Q(**{f"{path}__isnull": True})
    if flt.op == "not_empty":
        q = ~Q(**{f"{path}__isnull": True})
        return q & ~Q(**{path: ""}) if textual else q
    if kind == DATE:
        day_path = f"{path}__date" if _is_datetime(entity, path) else path
        if flt.op == "eq":
            return Q(**{day_path: flt.parsed})
        if flt.op == "after":
            return Q(**{f"{day_path}__gte": flt.parsed})
        if flt.op == "before":
            return Q(**{f"{day_path}__lte": flt.parsed})
        since = timezone.localdate() - datetime.timedelta(days=int(flt.parsed) - 1)
        return Q(**{f"{day_path}__gte": since})
    if flt.op == "ne":
        return ~Q(**{path: flt.parsed}) | Q(**{f"{path}__isnull": True})
    if flt.op == "eq":
        return Q(**{path: flt.parsed})
    if flt.op == "contains":
        return Q(**{f"{path}__icontains": flt.parsed})
    return Q(**{f"{path}__{flt.op}": flt.parsed})


def _filtered(user: Any, definition: Definition) -> QuerySet[Any]:
    entity = entity_of(definition.entity)
    qs = _base(user, entity)
    for flt in definition.filters:
        qs = qs.filter(_filter_q(entity, flt))
    return qs


def _group_exprs(entity: Entity, dimension: Dimension, name: str, grain: str) -> dict[str, Any]:
    if dimension.kind == DATE:
        return {name: Trunc(dimension.path, grain, output_field=models.DateField())}
    exprs: dict[str, Any] = {name: F(dimension.path)}
    if dimension.kind == FK:
        for i, label_field in enumerate(dimension.label_fields):
            exprs[f"{name}_l{i}"] = F(f"{dimension.path}__{label_field}")
    return exprs


def _money_number(entity: Entity, definition: Definition) -> Number | None:
    for key in definition.measures:
        number = entity.number(key.partition(":")[2])
        if number is not None and number.currency:
            return number
    return None


def _aggregates(entity: Entity, definition: Definition) -> dict[str, Any]:
    aggs: dict[str, Any] = {"pv_n": Count("pk")}
    for key in definition.measures:
        agg, _sep, number_key = key.partition(":")
        number = entity.number(number_key)
        if number is None:
            continue
        aggs[f"pv_s_{number.key}"] = Sum(number.path)
        aggs[f"pv_c_{number.key}"] = Count(number.path)
        if agg == "min":
            aggs[f"pv_min_{number.key}"] = Min(number.path)
        if agg == "max":
            aggs[f"pv_max_{number.key}"] = Max(number.path)
    return aggs


def _period_label(day: datetime.date, grain: str) -> str:
    if grain == "year":
        return f"{day.year}"
    if grain == "quarter":
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    if grain == "month":
        return f"{day.year}-{day.month:02d}"
    if grain == "week":
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return day.isoformat()


def _key(entity: Entity, dimension: Dimension, row: Mapping[str, Any], name: str, grain: str) -> Key:
    value = row[name]
    if value is None or value == "":
        return Key(NONE_KEY, _("(empty)"))
    if dimension.kind == DATE:
        return Key(value.isoformat(), _period_label(value, grain))
    if dimension.kind == BOOLEAN:
        return Key("true" if value else "false", _("Yes") if value else _("No"))
    if dimension.kind == FK:
        parts = [str(row[f"{name}_l{i}"] or "") for i in range(len(dimension.label_fields))]
        # A user: the full name, else the username.
        label = " ".join(p for p in parts[:2] if p) or parts[2] if len(parts) == 3 else " ".join(parts)
        return Key(str(value), label or str(value))
    if dimension.kind == CHOICE:
        return Key(str(value), choices_of(entity, dimension).get(str(value), str(value)))
    return Key(str(value), str(value))


def _stats(
    entity: Entity, definition: Definition, row: Mapping[str, Any], rates: dict[str, D], missing: set[str]
) -> Stats:
    stats = Stats(count=row["pv_n"])
    currency = row.get("pv_cur")
    for key in definition.measures:
        number = entity.number(key.partition(":")[2])
        if number is None or number.key in stats.counts:
            continue
        rate = D(1)
        if number.currency:
            if currency not in rates:
                missing.add(str(currency))
                continue
            rate = rates[currency]
        total = row[f"pv_s_{number.key}"]
        if total is None:
            continue

        def convert(value: Any, rate: D = rate, as_money: bool = bool(number.currency)) -> Any:
            return money.quantize(D(value) * rate) if as_money else value

        stats.sums[number.key] = convert(total)
        stats.counts[number.key] = row[f"pv_c_{number.key}"]
        if f"pv_min_{number.key}" in row:
            stats.mins[number.key] = convert(row[f"pv_min_{number.key}"])
        if f"pv_max_{number.key}" in row:
            stats.maxs[number.key] = convert(row[f"pv_max_{number.key}"])
    return stats


def _first_value(stats: Stats, measure: str) -> Any:
    value = stats.value(measure)
    return value if value is not None else D("-Infinity")


def run(user: Any, definition: Definition) -> Pivot:
    """The pivot of ``definition`` over what ``user`` may see, in one grouped query."""
    entity = entity_of(definition.entity)
    qs = _filtered(user, definition)
    row_dim = entity.dimension(definition.rows) if definition.rows else None
    col_dim = entity.dimension(definition.columns) if definition.columns else None
    exprs: dict[str, Any] = {}
    if row_dim is not None:
        exprs.update(_group_exprs(entity, row_dim, "pv_r", definition.grain))
    if col_dim is not None:
        exprs.update(_group_exprs(entity, col_dim, "pv_c", definition.grain))
    money_number = _money_number(entity, definition)
    if money_number is not None:
        exprs["pv_cur"] = F(money_number.currency)
    grouped = qs.annotate(**exprs).values(*exprs) if exprs else qs
    if exprs:
        found = list(grouped.annotate(**_aggregates(entity, definition)).order_by()[: MAX_GROUPS + 1])
    else:
        found = [qs.aggregate(**_aggregates(entity, definition))]
    if len(found) > MAX_GROUPS:
        raise ValidationError(
            {"rows": [_("This makes more than %(n)s groups: choose a coarser dimension or grain.") % {"n": MAX_GROUPS}]}
        )
    currencies = {str(r["pv_cur"]) for r in found if r.get("pv_cur")}
    rates = money.rates(currencies) if money_number is not None else {}
    missing: set[str] = set()
    cells: dict[tuple[str, str], Stats] = {}
    row_keys: dict[str, Key] = {}
    col_keys: dict[str, Key] = {}
    for record in found:
        if not record["pv_n"]:
            continue
        rk = _key(entity, row_dim, record, "pv_r", definition.grain) if row_dim else Key("", "")
        ck = _key(entity, col_dim, record, "pv_c", definition.grain) if col_dim else Key("", "")
        row_keys[rk.key] = rk
        col_keys[ck.key] = ck
        cells.setdefault((rk.key, ck.key), Stats()).add(_stats(entity, definition, record, rates, missing))
    first = definition.measures[0]
    columns = _capped_columns(definition, col_dim, cells, col_keys, first)
    kept = {c.key for c in columns}
    if col_dim is not None and OTHER_KEY in kept:
        folded: dict[tuple[str, str], Stats] = {}
        for (rk_key, ck_key), stats in cells.items():
            folded.setdefault((rk_key, ck_key if ck_key in kept else OTHER_KEY), Stats()).add(stats)
        cells = folded
    row_totals: dict[str, Stats] = {}
    column_totals: dict[str, Stats] = {}
    total = Stats()
    for (rk_key, ck_key), stats in cells.items():
        row_totals.setdefault(rk_key, Stats()).add(stats)
        column_totals.setdefault(ck_key, Stats()).add(stats)
        total.add(stats)
    rows = _ordered(list(row_keys.values()), row_dim, row_totals, first)
    return Pivot(
        definition=definition,
        entity=entity,
        measures=[
            Measure(
                m, measure_label(entity, m), bool(m != "count" and money_number is not None and is_money(entity, m))
            )
            for m in definition.measures
        ],
        rows=rows if row_dim else [],
        columns=columns if col_dim else [],
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        total=total,
        currency=money.base_currency(),
        missing_rates=sorted(missing),
        row_label=str(row_dim.label) if row_dim else "",
        column_label=str(col_dim.label) if col_dim else "",
    )


def is_money(entity: Entity, measure: str) -> bool:
    """Is ``measure`` an amount (summed per currency, shown only to roles that see amounts)?"""
    number = entity.number(measure.partition(":")[2])
    return bool(number and number.currency)


def _ordered(keys: list[Key], dimension: Dimension | None, totals: Mapping[str, Stats], measure: str) -> list[Key]:
    """Periods in time order; anything else biggest first (by the first measure), then by name."""
    if dimension is not None and dimension.kind == DATE:
        return sorted(keys, key=lambda k: (k.key == NONE_KEY, k.key))
    return sorted(keys, key=lambda k: (k.key == NONE_KEY, -_first_value(totals[k.key], measure), k.label.lower()))


def _capped_columns(
    definition: Definition,
    dimension: Dimension | None,
    cells: Mapping[tuple[str, str], Stats],
    keys: Mapping[str, Key],
    measure: str,
) -> list[Key]:
    """The top ``definition.top`` columns by the first measure; the rest become one "Other"."""
    if dimension is None:
        return list(keys.values())
    totals: dict[str, Stats] = {}
    for (_row, col), stats in cells.items():
        totals.setdefault(col, Stats()).add(stats)
    ranked = sorted(keys.values(), key=lambda k: (-_first_value(totals[k.key], measure), k.label.lower()))
    if len(ranked) <= definition.top:
        return _ordered(ranked, dimension, totals, measure)
    kept = _ordered(ranked[: definition.top], dimension, totals, measure)
    return [*kept, Key(OTHER_KEY, _("Other"))]


# --- drill-down -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillRow:
    record: Any
    title: str
    url: str
    values: list[str]


@dataclass
class Drill:
    entity: Entity
    headers: list[str]
    rows: list[DrillRow]
    page: Page[Any]
    row_label: str
    column_label: str


def _dimension_q(entity: Entity, dimension: Dimension, name: str, key: str, others: Iterable[str] = ()) -> Q:
    textual = dimension.kind in (CATEGORY, CHOICE)
    if key == OTHER_KEY:
        shown = [k for k in others if k != OTHER_KEY]
        q = ~Q(**{f"{name}__in": [k for k in shown if k != NONE_KEY]}) if shown else Q()
        if NONE_KEY in shown:
            q &= ~Q(**{f"{name}__isnull": True}) & (~Q(**{name: ""}) if textual else Q())
        return q
    if key == NONE_KEY:
        return Q(**{f"{name}__isnull": True}) | Q(**{name: ""}) if textual else Q(**{f"{name}__isnull": True})
    if dimension.kind == DATE:
        try:
            return Q(**{name: datetime.date.fromisoformat(key)})
        except ValueError:
            raise ValidationError({"row": [_("Enter a date as YYYY-MM-DD.")]}) from None
    if dimension.kind == BOOLEAN:
        return Q(**{name: key == "true"})
    if dimension.kind == FK:
        spec = model_field(entity.model_class, dimension.path).related_model
        assert spec is not None
        assert not isinstance(spec, str)
        assert spec._meta.pk is not None
        try:
            return Q(**{name: spec._meta.pk.to_python(key)})
        except ValidationError:
            return Q(pk__in=[])
    return Q(**{name: key})


def drill(user: Any, definition: Definition, *, row: str | None, column: str | None, page: Any = 1) -> Drill:
    """The records behind a cell (``row`` and ``column`` keys), a row's or a column's total (one of
    them None) or the grand total (both None), a page at a time, under the user's scope."""
    entity = entity_of(definition.entity)
    qs = _filtered(user, definition)
    row_dim = entity.dimension(definition.rows) if definition.rows else None
    col_dim = entity.dimension(definition.columns) if definition.columns else None
    if row is not None and row_dim is not None:
        qs = qs.annotate(**_group_exprs(entity, row_dim, "pv_r", definition.grain)).filter(
            _dimension_q(entity, row_dim, "pv_r", row)
        )
    if column is not None and col_dim is not None:
        others: list[str] = []
        if column == OTHER_KEY:
            # The columns kept are the top ones of the whole table: ask the table which they are.
            others = [c.key for c in run(user, definition).columns]
        qs = qs.annotate(**_group_exprs(entity, col_dim, "pv_c", definition.grain)).filter(
            _dimension_q(entity, col_dim, "pv_c", column, others)
        )
    paginator = Paginator(qs.select_related(*entity.related).order_by("-pk"), DRILL_PAGE)
    current = paginator.get_page(page)
    shown_dims = [d for d in (row_dim, col_dim) if d is not None]
    shown_numbers: list[Number] = []
    for key in definition.measures:
        number = entity.number(key.partition(":")[2])
        if number is not None and number not in shown_numbers:
            shown_numbers.append(number)
    rows = [
        DrillRow(
            record=obj,
            title=str(obj),
            url=entity.detail(obj),
            values=[display(entity, d, obj) for d in shown_dims] + [_number_text(n, obj) for n in shown_numbers],
        )
        for obj in current.object_list
    ]
    return Drill(
        entity=entity,
        headers=[str(d.label) for d in shown_dims] + [str(n.label) for n in shown_numbers],
        rows=rows,
        page=current,
        row_label=str(row_dim.label) if row_dim else "",
        column_label=str(col_dim.label) if col_dim else "",
    )


def _walk(obj: Any, path: str) -> Any:
    for step in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, step)
    return obj


def display(entity: Entity, dimension: Dimension, obj: Any) -> str:
    """A record's value of ``dimension`` as the table shows it."""
    value = _walk(obj, dimension.path)
    if value is None or value == "":
        return "—"
    if dimension.kind == CHOICE:
        return choices_of(entity, dimension).get(str(value), str(value))
    if dimension.kind == BOOLEAN:
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _number_text(number: Number, obj: Any) -> str:
    value = _walk(obj, number.path)
    if value is None:
        return "—"
    if number.currency:
        return money.format_money(value, str(_walk(obj, number.currency) or ""))
    return number_format(value, use_l10n=True, force_grouping=True)
