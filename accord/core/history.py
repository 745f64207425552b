"""The audit trail as a person reads it: every record's History card is built here.

An ``AuditEntry`` keeps each changed field as ``[before, after]`` in the form the database had it
(ids, choice codes, ISO dates, decimal strings). ``rows`` turns entries into display rows:

- field labels from the model's ``verbose_name`` in the active language, custom fields by their
  definition's label, the lists services add (e-mails, phones, addresses, prices...) by name;
- foreign keys as the record's name, looked up in bulk (one query per related model, whatever the
  number of entries); a record deleted since shows as its id, marked deleted;
- choices by their label, yes/no, dates and times, numbers and money in the active locale;
- bookkeeping fields, fields whose before and after read the same, and, on a create, empty
  fields are left out; an update that changed nothing a person would see is left out too.

A model tunes how its history reads with class attributes:
- ``history_hidden``: audited names that mean nothing to the reader (kept in the audit trail);
- ``history_labels``: labels of the values its services record beside its fields, or that replace a
  field's own (a field left out of the audit but recorded by name, like a user's role);
- ``history_readers``: functions turning such a name's recorded value into text.
"""

from __future__ import annotations

import datetime
import decimal
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models.options import Options
from django.template.defaultfilters import floatformat
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.core.models import AuditAction, AuditEntry, CustomFieldDefinition, CustomFieldType, entity_label
from accord.core.money import format_money
from accord.core.phones import format_phone
from accord.core.units import unit_label

# Lists and values services record beside a record's own fields (see ``changes.snapshot(extra=...)``).
EXTRA_LABELS = {
    "emails": gettext_lazy("E-mail addresses"),
    "phones": gettext_lazy("Phone numbers"),
    "addresses": gettext_lazy("Addresses"),
    "tags": gettext_lazy("Tags"),
    "companies": gettext_lazy("Companies"),
    "teams": gettext_lazy("Teams"),
    "prices": gettext_lazy("Prices"),
    "lines": gettext_lazy("Lines"),
    "stages": gettext_lazy("Stages"),
    "accepted_quote": gettext_lazy("Accepted quote"),
    "declined_quote": gettext_lazy("Declined quote"),
}
# What a merge records for machines: the ids merged and the rows moved per relation.
HIDDEN_EXTRAS = frozenset({"merged", "merged_ids", "moved", "merged_into"})
EMPTY: tuple[Any, ...] = (None, "", [], {})


@dataclass(frozen=True)
class Change:
    name: str  # the audited name ("owner", "custom.region", "emails")
    label: str
    before: str  # "" for nothing (and always on a create)
    after: str


@dataclass(frozen=True)
class Row:
    action: str  # AuditAction
    title: str  # "Created", "Updated"...
    actor: str
    at: datetime.datetime
    changes: list[Change] = field(default_factory=list)
    note: str = ""  # what a merge did: "Merged in: ...", "Merged into ..."


def rows(entries: Iterable[AuditEntry], *, model: type[models.Model], obj: models.Model | None = None) -> list[Row]:
    """Display rows for audit entries of one model, newest first as given."""
    entries = list(entries)
    reader = _Reader(model, entries)
    currency_field = _currency_field(model)
    currency = getattr(obj, currency_field, None) if currency_field else None
    result = []
    for entry in entries:
        # An amount is in the currency the record had then: walk back from today's, undoing each
        # currency change on the way.
        before_currency = after_currency = currency
        pair = entry.changes.get(currency_field) if currency_field and isinstance(entry.changes, Mapping) else None
        if isinstance(pair, list | tuple) and len(pair) == 2 and entry.action == AuditAction.UPDATE:
            before_currency, after_currency = pair
            currency = before_currency
        row = reader.row(entry, before_currency=before_currency, after_currency=after_currency)
        if row is not None:
            result.append(row)
    return result


def _currency_field(model: type[models.Model]) -> str | None:
    """The field that says which currency the record's amounts are in ("currency", "cost_currency")."""
    names = [f.name for f in model._meta.concrete_fields if f.name.endswith("currency")]
    return "currency" if "currency" in names else (names[0] if names else None)


def money_names(model: type[models.Model]) -> frozenset[str]:
    """The audited names of ``model`` that hold amounts: its money fields and its priced lines."""
    names = {f.name for f in model._meta.concrete_fields if isinstance(f, models.DecimalField) and _is_money(f)}
    return frozenset(names | {"lines"})


def _is_money(found: models.DecimalField[Any, Any]) -> bool:
    """An amount, not a rate: percentages and VAT rates have at most five digits."""
    return found.decimal_places == 2 and (found.max_digits or 0) > 5


class _Reader:
    """Reads the entries of one model, with every foreign key and custom field they name looked
    up once."""

    def __init__(self, model: type[models.Model], entries: list[AuditEntry]) -> None:
        self.model = model
        self.fields: dict[str, models.Field[Any, Any] | None] = {}
        self.labels: Mapping[str, Any] = getattr(model, "history_labels", {})
        self.readers: Mapping[str, Callable[[Any], str]] = getattr(model, "history_readers", {})
        own = set(self.labels) | set(self.readers)
        self.hidden: frozenset[str] = (getattr(model, "audit_exclude", frozenset()) - own) | getattr(
            model, "history_hidden", frozenset()
        )
        self.names: dict[type[models.Model], dict[str, str]] = {}
        self.custom: dict[str, CustomFieldDefinition] = {}
        # Fields from the abstract models every record builds on (owner, team, notes...).
        self.inherited: set[str] = set()
        for base in model.__mro__[1:]:
            options = getattr(base, "_meta", None)
            if isinstance(options, Options) and options.abstract:
                self.inherited.update(f.name for f in options.local_fields)
        self._load(entries)

    def _field(self, name: str) -> models.Field[Any, Any] | None:
        if name in self.readers:
            return None  # recorded in a form of its own (a role by name, not by key)
        if name not in self.fields:
            try:
                found = self.model._meta.get_field(name)
            except Exception:
                found = None
            self.fields[name] = found if isinstance(found, models.Field) else None
        return self.fields[name]

    def _load(self, entries: list[AuditEntry]) -> None:
        wanted: dict[type[models.Model], set[str]] = defaultdict(set)
        custom_keys = False
        for entry in entries:
            changes = entry.changes if isinstance(entry.changes, Mapping) else {}
            for name, pair in changes.items():
                if name.startswith("custom."):
                    custom_keys = True
                    continue
                found = self._field(name)
                if found is not None and found.many_to_one and isinstance(pair, list | tuple):
                    wanted[found.related_model].update(str(v) for v in pair if v)  # type: ignore[index]
        for related, ids in wanted.items():
            valid = [i for i in ids if _is_key(related, i)]
            self.names[related] = {
                str(record.pk): str(record) for record in related._default_manager.filter(pk__in=valid)
            }
        if custom_keys:
            definitions = CustomFieldDefinition.objects.filter(entity=entity_label(self.model))
            self.custom = {d.key: d for d in definitions}

    def row(self, entry: AuditEntry, *, before_currency: str | None, after_currency: str | None) -> Row | None:
        changes = entry.changes if isinstance(entry.changes, Mapping) else {}
        title = capfirst(entry.get_action_display())
        actor = str(entry.actor) if entry.actor is not None else _("System")
        if entry.action == AuditAction.MERGE:
            return Row(entry.action, title, actor, entry.at, note=self._merge_note(changes))
        if entry.action == AuditAction.DELETE:
            return Row(entry.action, title, actor, entry.at)
        shown = []
        for name, pair in sorted(changes.items(), key=lambda item: self._order(item[0])):
            if self._is_hidden(name) or not isinstance(pair, list | tuple) or len(pair) != 2:
                continue
            before = self.value(name, pair[0], currency=before_currency)
            after = self.value(name, pair[1], currency=after_currency)
            if entry.action == AuditAction.CREATE:
                if after:
                    shown.append(Change(name=name, label=self.label(name), before="", after=after))
            elif before != after:
                shown.append(Change(name=name, label=self.label(name), before=before, after=after))
        if entry.action == AuditAction.UPDATE and not shown:
            return None  # only bookkeeping changed
        return Row(entry.action, title, actor, entry.at, changes=shown)

    def _order(self, name: str) -> tuple[int, int, str]:
        """The model's own fields in their order, then those every record has (owner, team...),
        then custom fields, then the lists."""
        found = self._field(name)
        if found is not None and found.concrete:
            return (1 if name in self.inherited else 0, self.model._meta.concrete_fields.index(found), name)
        if name.startswith("custom."):
            definition = self.custom.get(name.removeprefix("custom."))
            return (2, definition.position if definition else 999, name)
        return (3, 0, name)  # tags, e-mails, phones, lines...

    def _is_hidden(self, name: str) -> bool:
        if name in self.hidden or name in HIDDEN_EXTRAS or name == "custom":
            return True
        found = self._field(name)
        # Kept by the system and never named for people (a card's position on the board).
        return found is not None and not found.editable and found._verbose_name is None  # type: ignore[attr-defined]

    def label(self, name: str) -> str:
        if name.startswith("custom."):
            key = name.removeprefix("custom.")
            definition = self.custom.get(key)
            return definition.label if definition else capfirst(key.replace("_", " "))
        if name in self.labels:
            return str(self.labels[name])
        found = self._field(name)
        if found is not None:
            return capfirst(str(found.verbose_name))
        if name in EXTRA_LABELS:
            return str(EXTRA_LABELS[name])
        return capfirst(name.replace("_", " "))

    def value(self, name: str, value: Any, *, currency: str | None = None) -> str:
        """``value`` as a person reads it; "" for nothing."""
        if value in EMPTY:
            return ""
        if name.startswith("custom."):
            return _custom_value(self.custom.get(name.removeprefix("custom.")), value)
        if name in self.readers:
            return str(self.readers[name](value))
        found = self._field(name)
        if found is not None:
            return self._field_value(found, value, currency=currency)
        if name == "phones" and isinstance(value, list):
            return ", ".join(format_phone(str(v)) for v in value)
        if name == "prices" and isinstance(value, Mapping):
            return ", ".join(f"{key}: {floatformat(str(price), '2g')}" for key, price in value.items())
        if name == "lines" and isinstance(value, list):
            return "; ".join(_line(v) for v in value if v not in EMPTY)
        return _plain(value)

    def _merge_note(self, changes: Mapping[str, Any]) -> str:
        merged = changes.get("merged")
        if isinstance(merged, list | tuple) and len(merged) == 2 and merged[1]:
            return _("Merged in: %(names)s") % {"names": _plain(merged[1])}
        return ""

    def _field_value(self, found: models.Field[Any, Any], value: Any, *, currency: str | None) -> str:
        if found.many_to_one:
            known = self.names.get(found.related_model, {}) if isinstance(found.related_model, type) else {}
            return known.get(str(value)) or _("%(id)s (deleted)") % {"id": value}
        if found.choices:
            labels = {str(key): label for key, label in found.flatchoices}
            return str(labels.get(str(value), value))
        if isinstance(found, models.BooleanField):
            return _("Yes") if value else _("No")
        if isinstance(found, models.DateTimeField):
            moment = parse_datetime(str(value))
            if moment is None:
                return str(value)
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, datetime.UTC)
            return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
        if isinstance(found, models.DateField):
            day = parse_date(str(value))
            return formats.date_format(day, "SHORT_DATE_FORMAT") if day else str(value)
        if isinstance(found, models.DecimalField):
            amount = floatformat(str(value), f"{found.decimal_places}g")
            if currency and _is_money(found):
                return format_money(value, currency, decimals=found.decimal_places)
            return amount
        if isinstance(found, models.IntegerField | models.FloatField):
            return _number(value)
        return _plain(value)


def _is_key(model: type[models.Model], value: str) -> bool:
    try:
        model._meta.pk.to_python(value)
    except Exception:
        return False
    return True


def _custom_value(definition: CustomFieldDefinition | None, value: Any) -> str:
    kind = definition.field_type if definition else None
    if kind == CustomFieldType.BOOLEAN:
        return _("Yes") if value else _("No")
    if kind == CustomFieldType.DATE:
        day = parse_date(str(value))
        return formats.date_format(day, "SHORT_DATE_FORMAT") if day else str(value)
    if kind == CustomFieldType.NUMBER:
        return _number(value)
    if kind == CustomFieldType.MONEY and isinstance(value, Mapping):
        return format_money(value.get("amount"), str(value.get("currency") or ""))
    return _plain(value)


def _number(value: Any) -> str:
    try:
        number = decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        return str(value)
    return formats.number_format(number, use_l10n=True, force_grouping=True)


# How deal and quote lines were recorded before they were kept as mappings:
# "Widget x 5.000 @ 1008.00" (deals), "... -5.00% VAT 23.00%" (quotes), with a multiplication sign.
_LEGACY_LINE = re.compile(
    r"^(?P<description>.*) × (?P<quantity>-?[\d.]+) @ (?P<unit_price>-?[\d.]+)"
    r"(?: -(?P<discount_percent>[\d.]+)% VAT (?P<vat_rate>[\d.]+)%)?$"
)


def _line(value: Any) -> str:
    """A deal or quote line as its lines table shows it: "Widget x 2,500 pcs @ 1 008,00, VAT 23%"."""
    if isinstance(value, str):
        found = _LEGACY_LINE.match(value)
        if found is None:
            return value
        value = found.groupdict()
    if not isinstance(value, Mapping):
        return _plain(value)
    quantity = floatformat(str(value.get("quantity") or 0), "-3")
    unit = unit_label(str(value.get("unit") or ""))
    sku = str(value.get("sku") or "")
    text = f"{value.get('description', '')}{f' [{sku}]' if sku else ''} × {quantity}{' ' + unit if unit else ''}"
    if value.get("unit_price") not in EMPTY:
        text += f" @ {floatformat(str(value['unit_price']), '2g')}"
    if value.get("discount_percent") not in EMPTY and decimal.Decimal(str(value["discount_percent"])):
        text += ", " + _("discount %(rate)s%%") % {"rate": floatformat(str(value["discount_percent"]), "-2")}
    if value.get("vat_rate") not in EMPTY:
        text += ", " + _("VAT %(rate)s%%") % {"rate": floatformat(str(value["vat_rate"]), "-2")}
    return text


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value if v not in EMPTY)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return str(value)
