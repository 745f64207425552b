"""The cost to serve, the contribution and the key/unprofitable classes on hand-built customers
whose figures are worked out in each test's docstring (default rates unless a test sets them)."""

from __future__ import annotations

import decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accord.analytics.models import CostRates, CustomerClass
from accord.analytics.services import cost_to_serve
from accord.analytics.services.classification import classify
from accord.analytics.tests.factories import AS_OF, cost_world
from accord.core.access import AccessDenied
from accord.core.errors import Conflict

pytestmark = pytest.mark.django_db

D = decimal.Decimal


def _row(customer: Any) -> CustomerClass:
    if customer._meta.model_name == "company":
        return CustomerClass.objects.get(company=customer)
    return CustomerClass.objects.get(contact=customer)


@pytest.fixture
def world(owner: Any, make_company: Any, make_contact: Any) -> dict[str, Any]:
    return cost_world(owner, make_company, make_contact)


def test_costs_contribution_and_value_classes_are_worked_out(world: dict[str, Any]) -> None:
    classify(as_of=AS_OF)
    k, r, p = _row(world["K"]), _row(world["R"]), _row(world["P"])
    assert (k.margin, k.discounts, k.interaction_cost, k.service_cost, k.collection_cost, k.late_payment_cost) == (
        D("10000"),
        D("0"),
        D("180"),
        D("60"),
        D("0"),
        D("0"),
    )
    assert (k.cost_to_serve, k.contribution, k.value_class) == (D("240"), D("9760"), "key")
    assert (p.margin, p.discounts, p.interaction_cost, p.collection_cost, p.late_payment_cost) == (
        D("1400"),
        D("100"),
        D("1500"),
        D("14"),
        D("32"),
    )
    assert (p.cost_to_serve, p.contribution, p.value_class) == (D("1546"), D("-146"), "unprofitable")
    assert (r.cost_to_serve, r.contribution, r.value_class) == (D("0"), D("1000"), "regular")


def test_new_rates_are_used_by_the_next_run(world: dict[str, Any], admin_user: Any) -> None:
    """Calls at 20 and a key share of 100 %: K's interactions 2 x 20 + 150 = 190; R becomes key."""
    rates = cost_to_serve.update_rates(actor=admin_user, data={"phone": "20", "key_share_percent": "100"})
    assert rates.version == 1
    assert CostRates.objects.count() == 1
    classify(as_of=AS_OF)
    assert _row(world["K"]).interaction_cost == D("190")
    assert _row(world["R"]).value_class == "key"


def test_bad_rates_name_each_field_and_change_nothing(admin_user: Any) -> None:
    cost_to_serve.update_rates(actor=admin_user, data={"visit": "250"})
    with pytest.raises(ValidationError) as caught:
        cost_to_serve.update_rates(
            actor=admin_user,
            data={"phone": "-1", "meeting": "lots", "financing_percent": "101", "key_share_percent": "0", "bogus": 1},
        )
    assert set(caught.value.message_dict) == {"phone", "meeting", "financing_percent", "key_share_percent", "bogus"}
    stored = CostRates.objects.get()
    assert (stored.visit, stored.phone, stored.version) == (D("250"), D("15"), 1)


def test_only_an_administrator_changes_the_rates_and_a_stale_edit_is_refused(owner: Any, admin_user: Any) -> None:
    with pytest.raises(AccessDenied):
        cost_to_serve.update_rates(actor=owner, data={"phone": "1"})
    first = cost_to_serve.update_rates(actor=admin_user, data={"phone": "1"})
    cost_to_serve.update_rates(actor=admin_user, data={"phone": "2"}, expected_version=first.version)
    with pytest.raises(Conflict):
        cost_to_serve.update_rates(actor=admin_user, data={"phone": "3"}, expected_version=first.version)
    assert CostRates.objects.get().phone == D("2")
