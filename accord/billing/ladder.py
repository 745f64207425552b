"""The collections ladder's decisions: for one customer and today, which step each overdue invoice
takes next, or why it takes none. Nothing here reads or writes the database; the collections run
feeds it one customer at a time (so a run over 50,000 customers holds one customer in memory) and
carries the decisions out.

The rules:

- A ladder is a list of levels (days after the due date, an action, a template, whether a person
  approves it), per customer group.
- An invoice climbs one level at a time: its next step is the first level above the last one taken,
  once the invoice is that many days overdue and at least ``min_days_between_steps`` after its last
  step (an invoice found 90 days overdue gets the first reminder today, not the debt collector).
- The steps a customer's invoices take at the same level today are one step (one e-mail listing
  three invoices, not three e-mails).
- Relationship first: nothing is sent to a customer handed over to collection, a customer with a
  promise to pay whose date has not passed, or a customer paused by another part of the system (an
  open complaint); a disputed invoice takes no step while its dispute is open.
- A key account's printed letters and hand-offs wait for the owner's approval, as does any level
  marked so.
"""

from __future__ import annotations

import datetime
import decimal
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


class Action(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"
    CALL = "call"
    HANDOFF = "handoff"


# What a key account's owner approves before it happens: the steps a customer feels most.
KEY_ACCOUNT_APPROVAL = frozenset({Action.LETTER, Action.HANDOFF})


class Hold(enum.StrEnum):
    """Why a customer or an invoice takes no step today."""

    IN_COLLECTION = "in_collection"
    PROMISE = "promise"
    PAUSED = "paused"
    DISPUTED = "disputed"
    NO_LADDER = "no_ladder"


@dataclass(frozen=True)
class Level:
    position: int
    days_after_due: int
    action: Action
    template: str = ""
    needs_approval: bool = False


@dataclass(frozen=True)
class Ladder:
    levels: tuple[Level, ...]
    min_days_between_steps: int = 7

    def __post_init__(self) -> None:
        positions = [level.position for level in self.levels]
        if positions != sorted(set(positions)):
            raise ValueError("levels must have distinct positions in ascending order")
        days = [level.days_after_due for level in self.levels]
        if days != sorted(days):
            raise ValueError("a higher level cannot start earlier than a lower one")

    def after(self, position: int) -> Level | None:
        """The first level above ``position`` (0: the first level)."""
        return next((level for level in self.levels if level.position > position), None)


@dataclass(frozen=True)
class Customer:
    id: object
    group: str = ""
    key_account: bool = False
    in_collection: bool = False
    promise_until: datetime.date | None = None
    paused_until: datetime.date | None = None


@dataclass(frozen=True)
class OpenInvoice:
    id: object
    due_date: datetime.date
    outstanding: decimal.Decimal
    disputed: bool = False
    number: str = ""


@dataclass(frozen=True)
class TakenStep:
    """A step an invoice already took: the level's position and the day."""

    position: int
    day: datetime.date


@dataclass(frozen=True)
class PlannedStep:
    customer_id: object
    level: Level
    invoice_ids: tuple[object, ...]
    needs_approval: bool


@dataclass(frozen=True)
class Held:
    """A customer (``invoice_id`` None) or one invoice that takes no step today, and why."""

    customer_id: object
    hold: Hold
    invoice_id: object = None


@dataclass
class Plan:
    steps: list[PlannedStep] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)


def plan_customer(
    *,
    today: datetime.date,
    customer: Customer,
    ladders: Mapping[str, Ladder],
    invoices: Sequence[OpenInvoice],
    taken: Mapping[object, Iterable[TakenStep]],
) -> Plan:
    """The steps ``customer``'s overdue ``invoices`` take today (``taken``: each invoice's steps so
    far). Invoices not yet due, or fully paid, take none and are not reported."""
    plan = Plan()
    overdue = sorted(
        (inv for inv in invoices if inv.outstanding > 0 and inv.due_date < today),
        key=lambda inv: (inv.due_date, inv.number, str(inv.id)),
    )
    if not overdue:
        return plan
    ladder = ladders.get(customer.group) or ladders.get("")
    if ladder is None or not ladder.levels:
        plan.held.append(Held(customer.id, Hold.NO_LADDER))
        return plan
    for hold, active in (
        (Hold.IN_COLLECTION, customer.in_collection),
        (Hold.PROMISE, customer.promise_until is not None and customer.promise_until >= today),
        (Hold.PAUSED, customer.paused_until is not None and customer.paused_until >= today),
    ):
        if active:
            plan.held.append(Held(customer.id, hold))
            return plan
    by_level: dict[int, list[object]] = {}
    levels: dict[int, Level] = {}
    for invoice in overdue:
        if invoice.disputed:
            plan.held.append(Held(customer.id, Hold.DISPUTED, invoice.id))
            continue
        steps = list(taken.get(invoice.id, ()))
        last = max(steps, key=lambda step: (step.position, step.day), default=None)
        level = ladder.after(last.position if last else 0)
        if level is None:
            continue  # the ladder's top reached: nothing more to do for it
        if (today - invoice.due_date).days < level.days_after_due:
            continue
        if last is not None and (today - last.day).days < ladder.min_days_between_steps:
            continue
        by_level.setdefault(level.position, []).append(invoice.id)
        levels[level.position] = level
    for position in sorted(by_level):
        level = levels[position]
        approval = level.needs_approval or (customer.key_account and level.action in KEY_ACCOUNT_APPROVAL)
        plan.steps.append(PlannedStep(customer.id, level, tuple(by_level[position]), approval))
    return plan
