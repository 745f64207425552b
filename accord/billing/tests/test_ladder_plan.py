"""The collections ladder's decisions, one customer at a time."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.billing.ladder import (
    Action,
    Customer,
    Held,
    Hold,
    Ladder,
    Level,
    OpenInvoice,
    TakenStep,
    plan_customer,
)

TODAY = datetime.date(2026, 12, 6)
LADDER = Ladder(
    levels=(
        Level(1, 3, Action.EMAIL, "reminder"),
        Level(2, 10, Action.SMS, "reminder_sms"),
        Level(3, 21, Action.LETTER, "demand_letter"),
        Level(4, 30, Action.CALL),
        Level(5, 60, Action.HANDOFF),
    ),
    min_days_between_steps=7,
)
LADDERS = {"": LADDER}


def overdue(days: int, name: str = "a", amount: str = "100", **extra: object) -> OpenInvoice:
    return OpenInvoice(
        id=name, number=name, due_date=TODAY - datetime.timedelta(days=days), outstanding=D(amount), **extra
    )  # type: ignore[arg-type]


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def plan(invoices: list[OpenInvoice], customer: Customer | None = None, taken: dict | None = None):  # type: ignore[no-untyped-def]
    return plan_customer(
        today=TODAY, customer=customer or Customer("c"), ladders=LADDERS, invoices=invoices, taken=taken or {}
    )


def test_the_first_reminder_comes_on_its_day_and_not_before() -> None:
    assert plan([overdue(2)]).steps == []
    steps = plan([overdue(3)]).steps
    assert [(s.level.position, s.invoice_ids, s.needs_approval) for s in steps] == [(1, ("a",), False)]


def test_an_invoice_found_long_overdue_starts_at_the_bottom() -> None:
    steps = plan([overdue(90)]).steps
    assert [s.level.action for s in steps] == [Action.EMAIL]


def test_steps_keep_their_distance() -> None:
    assert plan([overdue(20)], taken={"a": [TakenStep(1, ago(5))]}).steps == []
    steps = plan([overdue(12)], taken={"a": [TakenStep(1, ago(7))]}).steps
    assert [s.level.action for s in steps] == [Action.SMS]


def test_one_step_per_level_for_all_a_customers_invoices() -> None:
    invoices = [overdue(4, "late"), overdue(40, "oldest"), overdue(15, "older"), overdue(1, "not yet")]
    steps = plan(invoices).steps
    assert len(steps) == 1
    assert steps[0].invoice_ids == ("oldest", "older", "late")


def test_invoices_at_different_levels_take_different_steps() -> None:
    taken = {"b": [TakenStep(1, ago(20)), TakenStep(2, ago(10))]}
    steps = plan([overdue(5, "a"), overdue(25, "b")], taken=taken).steps
    assert [(s.level.action, s.invoice_ids) for s in steps] == [(Action.EMAIL, ("a",)), (Action.LETTER, ("b",))]


def test_the_top_of_the_ladder_is_the_end() -> None:
    taken = {"a": [TakenStep(p, ago(100 - p)) for p in range(1, 6)]}
    result = plan([overdue(200)], taken=taken)
    assert result.steps == []
    assert result.held == []


def test_paid_invoices_take_no_step() -> None:
    assert plan([overdue(30, amount="0")]).steps == []


@pytest.mark.parametrize(
    ("customer", "hold"),
    [
        (Customer("c", in_collection=True), Hold.IN_COLLECTION),
        (Customer("c", promise_until=TODAY), Hold.PROMISE),
        (Customer("c", promise_until=TODAY + datetime.timedelta(days=3)), Hold.PROMISE),
        (Customer("c", paused_until=TODAY), Hold.PAUSED),
    ],
)
def test_a_customer_on_hold_is_left_alone(customer: Customer, hold: Hold) -> None:
    result = plan([overdue(30)], customer=customer)
    assert result.steps == []
    assert result.held == [Held("c", hold)]


def test_a_broken_promise_lets_the_ladder_go_on() -> None:
    result = plan([overdue(30)], customer=Customer("c", promise_until=ago(1)))
    assert [s.level.position for s in result.steps] == [1]


def test_a_disputed_invoice_waits_while_the_others_go_on() -> None:
    result = plan([overdue(30, "disputed", disputed=True), overdue(30, "plain")])
    assert [s.invoice_ids for s in result.steps] == [("plain",)]
    assert result.held == [Held("c", Hold.DISPUTED, "disputed")]


def test_a_key_accounts_letters_and_handoffs_wait_for_approval() -> None:
    key = Customer("c", key_account=True)
    letter = plan([overdue(25)], customer=key, taken={"a": [TakenStep(1, ago(20)), TakenStep(2, ago(10))]})
    assert [(s.level.action, s.needs_approval) for s in letter.steps] == [(Action.LETTER, True)]
    email = plan([overdue(5)], customer=key)
    assert [(s.level.action, s.needs_approval) for s in email.steps] == [(Action.EMAIL, False)]
    ordinary = plan([overdue(25)], taken={"a": [TakenStep(1, ago(20)), TakenStep(2, ago(10))]})
    assert [s.needs_approval for s in ordinary.steps] == [False]


def test_a_level_can_always_ask_for_approval() -> None:
    ladder = Ladder(levels=(Level(1, 1, Action.EMAIL, needs_approval=True),))
    result = plan_customer(today=TODAY, customer=Customer("c"), ladders={"": ladder}, invoices=[overdue(2)], taken={})
    assert [s.needs_approval for s in result.steps] == [True]


def test_each_group_has_its_ladder_and_the_default_covers_the_rest() -> None:
    gentle = Ladder(levels=(Level(1, 14, Action.EMAIL),))
    ladders = {"": LADDER, "partners": gentle}
    partner = plan_customer(
        today=TODAY, customer=Customer("c", group="partners"), ladders=ladders, invoices=[overdue(5)], taken={}
    )
    assert partner.steps == []
    other = plan_customer(
        today=TODAY, customer=Customer("c", group="retail"), ladders=ladders, invoices=[overdue(5)], taken={}
    )
    assert [s.level.position for s in other.steps] == [1]
    nothing = plan_customer(
        today=TODAY, customer=Customer("c", group="x"), ladders={"y": gentle}, invoices=[overdue(5)], taken={}
    )
    assert nothing.held == [Held("c", Hold.NO_LADDER)]


def test_a_ladder_must_climb() -> None:
    with pytest.raises(ValueError, match="earlier"):
        Ladder(levels=(Level(1, 10, Action.EMAIL), Level(2, 5, Action.SMS)))
    with pytest.raises(ValueError, match="distinct"):
        Ladder(levels=(Level(1, 10, Action.EMAIL), Level(1, 15, Action.SMS)))


@settings(max_examples=150, deadline=None)
@given(
    thresholds=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6).map(sorted),
    gap=st.integers(min_value=0, max_value=14),
    dues=st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=5),
    disputed_days=st.sets(st.integers(min_value=0, max_value=120), max_size=20),
)
def test_run_every_day_each_invoice_climbs_once_per_level_in_order(
    thresholds: list[int], gap: int, dues: list[int], disputed_days: set[int]
) -> None:
    """Whatever the ladder and the days a customer is paused, running the ladder every day and
    taking its steps never skips a level, repeats one, comes early or crowds two steps; without a
    pause every invoice reaches the top."""
    actions = list(Action)
    ladder = Ladder(
        levels=tuple(Level(i + 1, days, actions[i % len(actions)]) for i, days in enumerate(thresholds)),
        min_days_between_steps=gap,
    )
    start = datetime.date(2026, 1, 1)
    invoices = [
        OpenInvoice(id=f"i{n}", number=f"i{n}", due_date=start + datetime.timedelta(days=due), outstanding=D("10"))
        for n, due in enumerate(dues)
    ]
    taken: dict[object, list[TakenStep]] = {}
    for offset in range(250):
        today = start + datetime.timedelta(days=offset)
        paused = offset in disputed_days
        customer = Customer("c", paused_until=today if paused else None)
        result = plan_customer(today=today, customer=customer, ladders={"": ladder}, invoices=invoices, taken=taken)
        if paused:
            assert result.steps == []
        for step in result.steps:
            for invoice_id in step.invoice_ids:
                taken.setdefault(invoice_id, []).append(TakenStep(step.level.position, today))
    for invoice in invoices:
        steps = taken.get(invoice.id, [])
        assert [s.position for s in steps] == list(range(1, len(steps) + 1))
        for step in steps:
            level = ladder.levels[step.position - 1]
            assert (step.day - invoice.due_date).days >= max(level.days_after_due, 1)
        for before, after in itertools.pairwise(steps):
            assert (after.day - before.day).days >= gap
        if not disputed_days:
            assert len(steps) == len(ladder.levels)  # and, left alone, it reaches the top
