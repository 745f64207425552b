"""The pivot engine on hand-built deals whose figures are worked out below.

    deal  owner     team   stage  status  amount      created
    d1    owner     North  first  open    100 PLN     2026-01-15
    d2    owner     North  first  open    300 PLN     2026-02-10
    d3    owner     North  second won     200 EUR     2026-02-20   (EUR at 4.00: 800 PLN)
    d4    teammate  North  second open    1000 PLN    2026-04-01
    d5    outsider  South  first  open    5000 PLN    2026-01-05

By owner x stage (count / sum / average, in PLN):
    owner     first 2 / 400 / 200     second 1 / 800 / 800     total 3 / 1200 / 400
    teammate                          second 1 / 1000 / 1000   total 1 / 1000 / 1000
    outsider  first 1 / 5000 / 5000                            total 1 / 5000 / 5000
    total     first 3 / 5400 / 1800   second 2 / 1800 / 900    total 5 / 7200 / 1440
"""

from __future__ import annotations

import decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accord.analytics.selectors import pivot
from accord.analytics.tests.conftest import noon
from accord.core.models import ExchangeRate

pytestmark = pytest.mark.django_db
D = decimal.Decimal


def define(user: Any, **data: Any) -> pivot.Definition:
    return pivot.parse_definition(user, {"entity": "deals", **data})


def test_cells_and_totals_of_count_sum_and_average(admin_user: Any, deals: dict[str, Any], owner: Any) -> None:
    result = pivot.run(
        admin_user, define(admin_user, rows="owner", columns="stage", measures=["count", "sum:amount", "avg:amount"])
    )
    first, second = str(deals["first"].pk), str(deals["second"].pk)
    me = str(owner.pk)

    assert [r.label for r in result.rows] == ["Owner", "Outsider", "Teammate"]  # by count, then name
    assert result.value(me, first, "count") == 2
    assert result.value(me, first, "sum:amount") == D("400.00")
    assert result.value(me, first, "avg:amount") == D("200.00")
    assert result.value(me, second, "sum:amount") == D("800.00")  # 200 EUR at 4.00
    assert result.value(me, None, "avg:amount") == D("400.00")
    assert result.value(None, first, "count") == 3
    assert result.value(None, first, "sum:amount") == D("5400.00")
    assert result.value(None, second, "avg:amount") == D("900.00")
    assert result.value(None, None, "count") == 5
    assert result.value(None, None, "sum:amount") == D("7200.00")
    assert result.value(None, None, "avg:amount") == D("1440.00")
    assert result.missing_rates == []


def test_min_and_max_across_currencies(admin_user: Any, deals: dict[str, Any]) -> None:
    result = pivot.run(admin_user, define(admin_user, measures=["min:amount", "max:amount"]))

    assert result.value(None, None, "min:amount") == D("100.00")
    assert result.value(None, None, "max:amount") == D("5000.00")


def test_a_currency_without_a_rate_is_left_out_and_named(admin_user: Any, deals: dict[str, Any]) -> None:
    ExchangeRate.objects.all().delete()

    result = pivot.run(admin_user, define(admin_user, measures=["count", "sum:amount"]))

    assert result.value(None, None, "count") == 5
    assert result.value(None, None, "sum:amount") == D("6400.00")
    assert result.missing_rates == ["EUR"]


def test_the_grouping_is_one_query(admin_user: Any, deals: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    definition = define(admin_user, rows="owner", columns="created", measures=["count", "sum:amount"], grain="month")

    with django_assert_max_num_queries(2):  # the grouped query, and the exchange rates
        pivot.run(admin_user, definition)


@pytest.mark.parametrize(
    ("grain", "expected"),
    [
        ("day", {"2026-01-05": 1, "2026-01-15": 1, "2026-02-10": 1, "2026-02-20": 1, "2026-04-01": 1}),
        ("week", {"2026-W02": 1, "2026-W03": 1, "2026-W07": 1, "2026-W08": 1, "2026-W14": 1}),
        ("month", {"2026-01": 2, "2026-02": 2, "2026-04": 1}),
        ("quarter", {"2026 Q1": 4, "2026 Q2": 1}),
        ("year", {"2026": 5}),
    ],
)
def test_period_grains(admin_user: Any, deals: dict[str, Any], grain: str, expected: dict[str, int]) -> None:
    result = pivot.run(admin_user, define(admin_user, rows="created", grain=grain))

    assert {r.label: result.value(r.key, None, "count") for r in result.rows} == expected
    assert [r.label for r in result.rows] == sorted(expected)  # in time order


def test_columns_past_the_top_fold_into_other(admin_user: Any, deals: dict[str, Any], owner: Any) -> None:
    result = pivot.run(
        admin_user, define(admin_user, rows="status", columns="owner", measures=["count", "sum:amount"], top=1)
    )

    assert [c.label for c in result.columns] == ["Owner", "Other"]
    assert result.value("open", pivot.OTHER_KEY, "count") == 2  # teammate's d4, outsider's d5
    assert result.value("open", pivot.OTHER_KEY, "sum:amount") == D("6000.00")
    assert result.value(None, pivot.OTHER_KEY, "count") == 2
    assert result.value(None, str(owner.pk), "count") == 3
    assert result.value(None, None, "count") == 5


def test_filters_narrow_every_figure(admin_user: Any, deals: dict[str, Any]) -> None:
    definition = define(
        admin_user,
        rows="status",
        measures=["count", "sum:amount"],
        filters=[
            {"field": "created", "op": "after", "value": "2026-02-01"},
            {"field": "amount", "op": "lt", "value": "2000"},
        ],
    )

    result = pivot.run(admin_user, definition)

    assert result.value("open", None, "count") == 2  # d2, d4
    assert result.value("won", None, "sum:amount") == D("800.00")
    assert result.value(None, None, "count") == 3


def test_a_rep_counts_only_what_the_rep_may_see(outsider: Any, deals: dict[str, Any]) -> None:
    result = pivot.run(outsider, define(outsider, rows="owner", columns="stage", measures=["count", "sum:amount"]))

    assert [r.label for r in result.rows] == ["Outsider"]
    assert result.value(None, None, "count") == 1
    assert result.value(None, None, "sum:amount") == D("5000.00")


def test_a_rep_drills_only_into_what_the_rep_may_see(outsider: Any, owner: Any, deals: dict[str, Any]) -> None:
    definition = define(outsider, rows="owner")

    theirs = pivot.drill(outsider, definition, row=str(owner.pk), column=None)
    everything = pivot.drill(outsider, definition, row=None, column=None)

    assert theirs.rows == []
    assert [r.title for r in everything.rows] == ["d5"]


def test_drill_down_into_a_cell_a_total_and_other(admin_user: Any, owner: Any, deals: dict[str, Any]) -> None:
    definition = define(admin_user, rows="status", columns="owner", top=1)

    cell = pivot.drill(admin_user, definition, row="open", column=str(owner.pk))
    other = pivot.drill(admin_user, definition, row=None, column=pivot.OTHER_KEY)
    row_total = pivot.drill(admin_user, definition, row="won", column=None)

    assert sorted(r.title for r in cell.rows) == ["d1", "d2"]
    assert sorted(r.title for r in other.rows) == ["d4", "d5"]
    assert [r.title for r in row_total.rows] == ["d3"]
    assert cell.rows[0].url == reverse("sales:deal-detail", args=[cell.rows[0].record.pk])


def test_drill_down_into_a_period(admin_user: Any, deals: dict[str, Any]) -> None:
    definition = define(admin_user, rows="created", grain="month")

    found = pivot.drill(admin_user, definition, row="2026-02-01", column=None)

    assert sorted(r.title for r in found.rows) == ["d2", "d3"]


def test_a_role_without_amounts_may_not_measure_or_filter_amounts(support: Any, deals: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as measured:
        define(support, measures=["sum:amount"])
    with pytest.raises(ValidationError) as filtered:
        define(support, filters=[{"field": "amount", "op": "gt", "value": "1"}])

    assert "measures" in measured.value.message_dict
    assert "amount" in filtered.value.message_dict
    assert ("sum:amount", pivot.measure_label(pivot.entity_of("deals"), "sum:amount")) not in pivot.measure_choices(
        support, pivot.entity_of("deals")
    )
    assert "orders" not in [e.key for e in pivot.REGISTRY.for_user(support)]


def test_bad_parts_are_each_named(admin_user: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        define(
            admin_user,
            rows="nonsense",
            measures=["median:amount"],
            grain="decade",
            top=0,
            filters=[
                {"field": "status", "op": "eq", "value": "pending"},
                {"field": "created", "op": "after", "value": "yesterday"},
                {"field": "stage", "op": "gt", "value": "1"},
                {"field": "colour", "op": "eq", "value": "red"},
            ],
        )

    errors = caught.value.message_dict
    assert set(errors) == {"rows", "measures", "grain", "top", "status", "created", "stage", "filters"}
    assert "Enter a date as YYYY-MM-DD." in errors["created"][0]


def test_an_unknown_entity_is_refused(admin_user: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        pivot.parse_definition(admin_user, {"entity": "planets"})

    assert "entity" in caught.value.message_dict


@pytest.mark.parametrize(
    "entity",
    ["contacts", "companies", "interactions", "tasks", "orders", "order_lines", "invoice_lines", "payments", "tickets"],
)
def test_every_entity_runs_grouped_by_each_dimension(admin_user: Any, entity: str) -> None:
    registered = pivot.entity_of(entity)
    for dimension in registered.dimensions:
        measures = ["count", *(f"sum:{n.key}" for n in registered.numbers[:1])]
        definition = pivot.parse_definition(admin_user, {"entity": entity, "rows": dimension.key, "measures": measures})
        assert pivot.run(admin_user, definition).value(None, None, "count") == 0


def test_a_record_seen_through_two_parents_counts_once(
    owner: Any, outsider: Any, admin_user: Any, make_contact: Any, make_company: Any
) -> None:
    """An interaction is visible through its contact or its company: seen through both, it is
    still one interaction in every figure and in the drill-down."""
    from accord.activities.models import Interaction

    contact = make_contact(owner)
    company = make_company(owner)
    Interaction.objects.create(
        channel="phone", author=admin_user, contact=contact, company=company, occurred_at=noon("2026-03-02")
    )
    Interaction.objects.create(
        channel="email", author=admin_user, contact=make_contact(outsider), occurred_at=noon("2026-03-03")
    )
    definition = pivot.parse_definition(owner, {"entity": "interactions", "rows": "channel", "measures": ["count"]})

    result = pivot.run(owner, definition)
    records = pivot.drill(owner, definition, row=None, column=None)

    assert {r.key: result.value(r.key, None, "count") for r in result.rows} == {"phone": 1}
    assert result.value(None, None, "count") == 1
    assert len(records.rows) == 1
