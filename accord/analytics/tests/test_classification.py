"""Classification by RFM and ABC on hand-built customers whose answer is worked out in factories.py."""

from __future__ import annotations

import decimal
from typing import Any

import pytest

from accord.analytics.models import CustomerClass
from accord.analytics.services.classification import SEGMENTS, classify, segment_of
from accord.analytics.tests.factories import AS_OF, order
from accord.core.models import Event

pytestmark = pytest.mark.django_db

D = decimal.Decimal

# name: R, F, M, segment, ABC by revenue, ABC by margin, orders, revenue, margin
EXPECTED = {
    "A": (5, 5, 5, "champions", "A", "A", 7, D("50000"), D("5000")),
    "B": (5, 1, 2, "new", "C", "C", 1, D("2000"), D("-500")),
    "C": (4, 1, 2, "promising", "C", "C", 1, D("1000"), D("900")),
    "D": (4, 2, 3, "potential_loyalist", "B", "B", 2, D("3000"), D("3000")),
    "E": (3, 4, 4, "loyal", "A", "A", 4, D("10000"), D("10000")),
    "F": (3, 3, 3, "need_attention", "B", "B", 3, D("5000"), D("1000")),
    "G": (2, 5, 5, "cannot_lose", "A", "A", 6, D("20000"), D("18000")),
    "H": (2, 4, 4, "at_risk", "B", "A", 4, D("8000"), D("7000")),
    "I": (1, 2, 1, "hibernating", "C", "C", 2, D("600"), D("600")),
    "J": (1, 1, 1, "lost", "C", "C", 1, D("400"), D("400")),
}


def _row(customer: Any) -> CustomerClass:
    if customer._meta.model_name == "company":
        return CustomerClass.objects.get(company=customer)
    return CustomerClass.objects.get(contact=customer)


def _table(customers: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    table = {}
    for name, customer in customers.items():
        row = _row(customer)
        table[name] = (
            row.recency,
            row.frequency,
            row.monetary,
            row.segment,
            row.abc_revenue,
            row.abc_margin,
            row.orders,
            row.revenue,
            row.margin,
        )
    return table


def test_every_customer_gets_its_worked_out_scores_segment_and_classes(classified_world: dict[str, Any]) -> None:
    """Revenue ABC: 100,000 in all; A 50,000, G 20,000 and E 10,000 make the first 80 % (E starts
    at 70 %), H starts at 80 % so is B, as are F (88 %) and D (93 %); B starts at 96 %: C.
    Margin ABC: positive margins make 45,900 (B's -500 is left out, and B is C); the 80 % line is
    36,720: G 18,000, E 10,000, H 7,000 and A 5,000 (starting at 35,000) are A; D (40,000) and F
    (43,000) are under 43,605 (95 %): B; C, I, J and B are C."""
    # When
    result = classify(as_of=AS_OF)

    # Then
    assert (result.contacts, result.companies) == (8, 2)
    assert _table(classified_world) == EXPECTED
    j = _row(classified_world["J"])
    assert j.uncosted_lines == 1  # a catalogue product without a cost: its margin is its revenue
    assert _row(classified_world["A"]).uncosted_lines == 0
    assert _row(classified_world["A"]).last_order_at.date().isoformat() == "2026-06-25"
    assert all(row.as_of == AS_OF for row in CustomerClass.objects.all())


def test_orders_that_do_not_count_change_nothing(classified_world: dict[str, Any]) -> None:
    """Drafts, cancelled orders, orders in another currency and orders over twelve months old are
    not purchases in the period."""
    # Given
    a, b, c = classified_world["A"], classified_world["B"], classified_world["C"]
    order(contact=a, days_before=1, lines=[(None, "1", "900000")], status="cancelled")
    order(contact=a, days_before=1, lines=[(None, "1", "900000")], status="draft")
    order(contact=b, days_before=1, lines=[(None, "1", "900000")], currency="EUR")
    order(contact=c, days_before=366, lines=[(None, "1", "900000")])

    # When
    classify(as_of=AS_OF)

    # Then
    assert _table(classified_world) == EXPECTED


def test_fulfilled_orders_count(classified_world: dict[str, Any]) -> None:
    # Given: J's second order, fulfilled, the day before
    order(contact=classified_world["J"], days_before=1, lines=[(None, "1", "100")], status="fulfilled")

    # When
    classify(as_of=AS_OF)

    # Then
    j = _row(classified_world["J"])
    assert (j.orders, j.revenue, j.recency) == (2, D("500"), 5)


def test_an_order_naming_a_company_and_a_contact_is_the_companys(
    owner: Any, make_company: Any, make_contact: Any
) -> None:
    # Given
    company = make_company(owner, name="Buyer Ltd")
    person = make_contact(owner, first_name="Ewa")
    order(company=company, contact=person, days_before=3, lines=[(None, "2", "300")])

    # When
    classify(as_of=AS_OF)

    # Then
    row = CustomerClass.objects.get()
    assert (row.company_id, row.contact_id, row.revenue, row.orders) == (company.pk, None, D("300"), 1)
    # One customer alone is the top of every scale, and all of the revenue
    assert (row.rfm, row.segment, row.abc_revenue, row.abc_margin) == ("1-1-1", "lost", "A", "A")


def test_a_cost_in_another_currency_is_converted_at_the_rate_of_the_day(owner: Any, make_contact: Any, db: Any) -> None:
    # Given: a product costing 10 EUR, 4.30 PLN a euro
    from accord.core.models import ExchangeRate
    from accord.sales.models import Product

    ExchangeRate.objects.create(currency="EUR", day=AS_OF, rate=D("4.30"))
    imported = Product.objects.create(sku="EU-1", name="Imported", unit_cost=D("10"), cost_currency="EUR")
    person = make_contact(owner, first_name="Ola")
    order(contact=person, days_before=2, lines=[(imported, "3", "200")])

    # When
    classify(as_of=AS_OF)

    # Then: 200 - 3 x 10 x 4.30
    assert CustomerClass.objects.get().margin == D("71.00")


def test_a_run_replaces_the_previous_classification(classified_world: dict[str, Any]) -> None:
    # Given
    classify(as_of=AS_OF)

    # When: a year on, nobody has bought
    result = classify(as_of=AS_OF.replace(year=2027))

    # Then
    assert result.customers == 0
    assert not CustomerClass.objects.exists()


def test_a_run_that_fails_half_way_leaves_the_previous_classification(classified_world: dict[str, Any]) -> None:
    # Given
    classify(as_of=AS_OF)
    before = _table(classified_world)
    events_before = Event.objects.filter(name="analytics.classification.computed").count()
    order(contact=classified_world["J"], days_before=1, lines=[(None, "1", "99999")])

    def crash(done: int, total: int) -> None:
        if done == 2:  # the new rows are written, not yet committed
            raise RuntimeError("worker killed")

    # When
    with pytest.raises(RuntimeError):
        classify(as_of=AS_OF, progress=crash)

    # Then
    assert _table(classified_world) == before
    assert Event.objects.filter(name="analytics.classification.computed").count() == events_before


def test_a_run_emits_one_event_with_its_counts(classified_world: dict[str, Any]) -> None:
    # When
    classify(as_of=AS_OF)

    # Then
    event = Event.objects.get(name="analytics.classification.computed")
    assert event.payload == {"as_of": "2026-06-30", "contacts": 8, "companies": 2}


def test_progress_is_reported_step_by_step(classified_world: dict[str, Any]) -> None:
    seen: list[tuple[int, int]] = []

    classify(as_of=AS_OF, progress=lambda done, total: seen.append((done, total)))

    # Four steps of RFM and ABC, then four of the lifetime values
    assert seen == [(n, 8) for n in range(1, 9)]


def test_every_cell_of_the_rf_grid_has_one_segment() -> None:
    cells = {(r, f): segment_of(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert len(cells) == 25
    assert {s for s, *_ in SEGMENTS} == set(cells.values())
    assert cells[(5, 5)] == "champions"
    assert cells[(1, 1)] == "lost"
    assert cells[(2, 1)] == "hibernating"
    assert cells[(1, 5)] == "cannot_lose"
