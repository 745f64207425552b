"""Segment rules: their registry, their validation and the query they make.

A segment's rules are JSON: a group ``{"match": "all" | "any", "rules": [...]}`` whose items are
rules ``{"type": "bought_product", "product": "<id>", "days": 90}`` or groups again (up to
``MAX_DEPTH`` levels). Each rule type is a ``RuleType`` registered by its key; it declares its
parameters (``Param``: how each is read, checked and offered in the builder) and turns its checked
parameters into a condition on contacts (a ``Q`` on ``people.Contact``).

Another part of Accord adds a rule type with ``register(RuleType(...))`` from a module its
AppConfig imports; the builder, the API and the validation pick it up from here.

``clean(rules)`` checks a whole tree and raises ``RuleErrors``: one message per bad rule, keyed by
its path (``rules.2.0.days``) and naming the rule ("Rule 1 of group 3, Bought a product: ..."), so
the builder marks the rule and the API answers 422 with the same words.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.core import access

MAX_DEPTH = 3  # the top group and two levels of groups inside it
MAX_RULES = 50
MATCHES = ("all", "any")

Choices = Callable[[], Sequence[tuple[str, Any]]]


class RuleProblem(Exception):
    """A parameter of a rule is wrong; ``message`` says why."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


@dataclass(frozen=True)
class Param:
    """One parameter of a rule type.

    ``kind``: ``choice`` (one of ``choices()``), ``text``, ``int`` (between ``minimum`` and
    ``maximum``), ``amount`` (a decimal number, 0 or more). An optional parameter (``required``
    False) may be absent or blank."""

    name: str
    label: Any
    kind: str = "text"
    choices: Choices | None = None
    required: bool = True
    minimum: int = 0
    maximum: int = 36500
    default: Any = None
    # For a choice among many records (products, users): whether a value names one, asked of the
    # database instead of the offered list.
    valid: Callable[[str], bool] | None = None

    def options(self) -> list[tuple[str, Any]]:
        return [(str(value), label) for value, label in (self.choices() if self.choices else ())]

    def clean(self, raw: Any) -> Any:
        blank = raw is None or (isinstance(raw, str) and not raw.strip())
        if blank:
            if self.required:
                raise RuleProblem(self.name, _("%(param)s: this is required.") % {"param": self.label})
            return None
        if self.kind == "int":
            try:
                if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                    raise ValueError(raw)
                number = int(str(raw).strip()) if not isinstance(raw, int) else raw
            except ValueError:
                raise RuleProblem(self.name, _("%(param)s: enter a whole number.") % {"param": self.label}) from None
            if not self.minimum <= number <= self.maximum:
                raise RuleProblem(
                    self.name,
                    _("%(param)s: enter a number from %(min)d to %(max)d.")
                    % {"param": self.label, "min": self.minimum, "max": self.maximum},
                )
            return number
        if self.kind == "amount":
            try:
                if isinstance(raw, bool):
                    raise decimal.InvalidOperation
                amount = decimal.Decimal(str(raw).strip().replace(",", "."))
                if not amount.is_finite() or amount < 0 or amount >= 10**12:
                    raise decimal.InvalidOperation
            except decimal.InvalidOperation:
                raise RuleProblem(
                    self.name, _("%(param)s: enter an amount of 0 or more.") % {"param": self.label}
                ) from None
            return str(amount.quantize(decimal.Decimal("0.01")))
        if not isinstance(raw, str | int):
            raise RuleProblem(self.name, _("%(param)s: enter a text.") % {"param": self.label})
        text = str(raw).strip()
        if len(text) > 200:
            raise RuleProblem(self.name, _("%(param)s: at most 200 characters.") % {"param": self.label})
        if self.kind == "choice":
            known = self.valid(text) if self.valid is not None else text in {v for v, _label in self.options()}
            if not known:
                raise RuleProblem(self.name, _("%(param)s: choose one of the offered values.") % {"param": self.label})
        return text


@dataclass(frozen=True)
class RuleType:
    """A kind of condition on contacts.

    ``build(params, now)`` gets the cleaned parameters (absent optional ones are None) and the
    moment of evaluation and returns a ``Q`` on ``people.Contact``. ``check`` may refuse a
    combination of parameters (raise ``RuleProblem``)."""

    key: str
    label: Any
    category: Any
    params: tuple[Param, ...]
    build: Callable[[dict[str, Any], datetime.datetime], Q]
    check: Callable[[dict[str, Any]], None] | None = None
    help: Any = ""
    # Reasons about money (what customers spent): only for roles that see amounts, or a count
    # would tell the amounts they may not see.
    amounts: bool = False

    def clean(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(raw) - {"type"} - {p.name for p in self.params})
        if unknown:
            raise RuleProblem(unknown[0], _("Unknown parameter: %(name)s.") % {"name": unknown[0]})
        cleaned: dict[str, Any] = {"type": self.key}
        for param in self.params:
            value = param.clean(raw.get(param.name, param.default))
            if value is not None:
                cleaned[param.name] = value
        if self.check is not None:
            self.check(cleaned)
        return cleaned

    def q(self, cleaned: Mapping[str, Any], now: datetime.datetime) -> Q:
        params = {p.name: cleaned.get(p.name) for p in self.params}
        return self.build(params, now)


_TYPES: dict[str, RuleType] = {}


def register(rule_type: RuleType) -> RuleType:
    """Offer ``rule_type`` in the builder and accept it in segments' rules."""
    known = _TYPES.get(rule_type.key)
    if known is not None and known is not rule_type:
        raise ValueError(f"the segment rule type {rule_type.key!r} is already registered")
    _TYPES[rule_type.key] = rule_type
    return rule_type


def unregister(key: str) -> None:
    _TYPES.pop(key, None)


def rule_types() -> list[RuleType]:
    _load_builtin()
    return list(_TYPES.values())


def rule_type(key: str) -> RuleType | None:
    _load_builtin()
    return _TYPES.get(key)


def _load_builtin() -> None:
    from accord.marketing.segmenting import builtin, consent, preferences  # noqa: F401 - register the built-in rule types


# --- validation ---------------------------------------------------------------------------------------


class RuleErrors(ValidationError):
    """What is wrong with a rule tree: messages keyed by the path of the rule (``rules.0.1``) or of
    its parameter (``rules.0.1.days``); every message names the rule."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)


def _position(path: Sequence[int]) -> str:
    """ "Rule 2", "Rule 1 of group 3" as a person counts them (from 1, innermost first)."""
    words = _("Rule %(n)d") % {"n": path[-1] + 1}
    for index in reversed(path[:-1]):
        words = _("%(inner)s of group %(n)d") % {"inner": words, "n": index + 1}
    return words


def _key(path: Sequence[int], param: str = "") -> str:
    return ".".join(["rules", *(str(i) for i in path), *([param] if param else [])])


def clean(rules: Any, *, user: Any = None) -> dict[str, Any]:
    """The rule tree checked and normalised (parameters in their stored form), or ``RuleErrors``.
    Given the ``user`` who writes it, a rule about money is refused to a role that does not see
    amounts."""
    errors: dict[str, list[str]] = {}
    if rules in (None, ""):
        rules = {"match": "all", "rules": []}
    cleaned = _clean_group(rules, [], errors, counter=[0])
    if user is not None and not access.sees_amounts(user):
        _refuse_amounts(cleaned, [], errors)
    if errors:
        raise RuleErrors(errors)
    return cleaned


def _clean_group(group: Any, path: list[int], errors: dict[str, list[str]], counter: list[int]) -> dict[str, Any]:
    where = _position(path) if path else _("The rules")
    if not isinstance(group, Mapping):
        errors[_key(path)] = [_("%(where)s: expected a group or a rule.") % {"where": where}]
        return {}
    match = group.get("match", "all")
    if match not in MATCHES:
        errors[_key(path, "match")] = [_("%(where)s: match must be “all” or “any”.") % {"where": where}]
    unknown = sorted(set(group) - {"match", "rules"})
    if unknown:
        errors[_key(path, unknown[0])] = [
            _("%(where)s: unknown parameter %(name)s.") % {"where": where, "name": unknown[0]}
        ]
    items = group.get("rules", [])
    if not isinstance(items, list):
        errors[_key(path, "rules")] = [_("%(where)s: rules must be a list.") % {"where": where}]
        items = []
    out: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        here = [*path, index]
        if isinstance(item, Mapping) and "type" not in item and "rules" in item:
            if len(here) >= MAX_DEPTH:
                errors[_key(here)] = [
                    _("%(where)s: groups may be nested at most %(depth)d levels deep.")
                    % {"where": _position(here), "depth": MAX_DEPTH - 1}
                ]
                continue
            out.append(_clean_group(item, here, errors, counter))
            continue
        counter[0] += 1
        if counter[0] > MAX_RULES:
            errors[_key(here)] = [_("A segment has at most %(n)d rules.") % {"n": MAX_RULES}]
            break
        rule = _clean_rule(item, here, errors)
        if rule is not None:
            out.append(rule)
    return {"match": match if match in MATCHES else "all", "rules": out}


def _refuse_amounts(group: Mapping[str, Any], path: list[int], errors: dict[str, list[str]]) -> None:
    for index, item in enumerate(group.get("rules", [])):
        here = [*path, index]
        if "type" not in item:
            _refuse_amounts(item, here, errors)
            continue
        kind = rule_type(item["type"])
        if kind is not None and kind.amounts:
            errors[_key(here, "type")] = [
                _("%(where)s (%(rule)s): your role does not see amounts.")
                % {"where": _position(here), "rule": kind.label}
            ]


def _clean_rule(item: Any, path: list[int], errors: dict[str, list[str]]) -> dict[str, Any] | None:
    where = _position(path)
    if not isinstance(item, Mapping):
        errors[_key(path)] = [_("%(where)s: expected a rule.") % {"where": where}]
        return None
    kind = rule_type(str(item.get("type", "")))
    if kind is None:
        errors[_key(path, "type")] = [
            _("%(where)s: unknown rule type “%(type)s”.") % {"where": where, "type": item.get("type", "")}
        ]
        return None
    try:
        return kind.clean(item)
    except RuleProblem as problem:
        errors[_key(path, problem.param)] = [
            _("%(where)s (%(rule)s): %(why)s") % {"where": where, "rule": kind.label, "why": problem.message}
        ]
        return None


# --- evaluation ---------------------------------------------------------------------------------------


def condition(rules: Mapping[str, Any], *, now: datetime.datetime | None = None) -> Q:
    """The condition on ``people.Contact`` of an already cleaned rule tree (an empty group: all)."""
    return _group_q(rules, now or timezone.now())


def _group_q(group: Mapping[str, Any], now: datetime.datetime) -> Q:
    parts = []
    for item in group.get("rules", []):
        if "type" in item:
            kind = rule_type(item["type"])
            if kind is None:
                # A rule type whose module is gone matches nobody rather than everybody.
                parts.append(Q(pk__in=[]))
                continue
            parts.append(kind.q(item, now))
        else:
            parts.append(_group_q(item, now))
    if not parts:
        return Q()
    combined = parts[0]
    for part in parts[1:]:
        combined = (combined | part) if group.get("match") == "any" else (combined & part)
    return combined


def count_rules(rules: Mapping[str, Any]) -> int:
    return sum(count_rules(item) if "rules" in item else 1 for item in rules.get("rules", []))


CATEGORY_CONTACT = gettext_lazy("Contact")
CATEGORY_COMPANY = gettext_lazy("Company")
CATEGORY_ACTIVITY = gettext_lazy("Interactions")
CATEGORY_SALES = gettext_lazy("Deals")
CATEGORY_PURCHASES = gettext_lazy("Purchases")
CATEGORY_OTHER = gettext_lazy("Other")

__all__ = [
    "MAX_DEPTH",
    "Param",
    "RuleErrors",
    "RuleProblem",
    "RuleType",
    "clean",
    "condition",
    "register",
    "rule_type",
    "rule_types",
]
