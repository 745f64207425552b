"""B2 draws its filter and sort combinations from the contact list's own definition, seeded."""

import datetime
import sys
from pathlib import Path

import pytest
from django.http import QueryDict

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from accord.core.listing import Filter, ListSpec, Sort, parse  # noqa: E402
from accord.people.selectors import CONTACT_LIST  # noqa: E402
from benchmarks.workloads.reads import POOLED, draw_combinations, sort_choices  # noqa: E402

TODAY = datetime.date(2026, 12, 1)
POOLS = {
    "owner": ["0190a000-0000-7000-8000-000000000001", "0190a000-0000-7000-8000-000000000002"],
    "team": ["0190a000-0000-7000-8000-000000000003"],
    "territory": ["0190a000-0000-7000-8000-000000000004"],
    "company": ["0190a000-0000-7000-8000-000000000005"],
    "id": ["0190a000-0000-7000-8000-000000000006"],
    "tag": ["VIP", "Partner"],
    "external_id": ["bench-heavy-timeline"],
    "classification": ["A"],
}


def _draw(seed: int, count: int = 48) -> list:
    return draw_combinations(CONTACT_LIST, POOLS, seed=seed, count=count, today=TODAY)


def test_the_same_seed_draws_the_same_combinations_and_another_seed_others():
    assert _draw(2026) == _draw(2026)
    assert [c.name for c in _draw(2026)] != [c.name for c in _draw(2027)]


def test_the_combinations_cover_every_filter_and_sort_of_the_contact_list():
    drawn = _draw(2026)
    used = {name for c in drawn for name, _value in c.params if name != "sort"}
    assert used == {f.name for f in CONTACT_LIST.filters}
    sorts = {c.sort for c in drawn}
    assert sorts <= set(sort_choices(CONTACT_LIST))
    assert {s.removeprefix("-") for s in sorts} == {s.name for s in CONTACT_LIST.sorts}
    # One filter (or one range) each, some with a second one.
    assert {c.filters for c in drawn} == {1, 2}


def test_every_drawn_combination_is_a_valid_list_query():
    for combination in _draw(7):
        query = parse(CONTACT_LIST, QueryDict(combination.name), strict=True)
        assert query.filters
        assert query.sort == combination.sort


def test_a_filter_the_benchmark_has_no_values_for_stops_the_drawing():
    spec = ListSpec(
        entity="contact",
        filters=[*CONTACT_LIST.filters, Filter("region", "region")],
        sorts=[Sort("name", "sort_name")],
        default_sort="name",
    )
    assert "region" not in POOLED
    with pytest.raises(LookupError, match="region"):
        draw_combinations(spec, POOLS, seed=1, count=40, today=TODAY)
