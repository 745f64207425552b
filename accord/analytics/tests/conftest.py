from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import Any

import pytest

from accord.analytics.tests import factories
from accord.sales.models import Product


@pytest.fixture
def widget(db: Any) -> Product:
    return Product.objects.create(sku="W-1", name="Widget", unit_cost=decimal.Decimal("10.00"))


@pytest.fixture
def uncosted_product(db: Any) -> Product:
    return Product.objects.create(sku="U-1", name="Consulting", unit_cost=None)


@pytest.fixture
def customers(
    owner: Any, outsider: Any, make_company: Callable[..., Any], make_contact: Callable[..., Any]
) -> dict[str, Any]:
    """Ten customers: G and E are companies, the others contacts; J belongs to the outsider."""
    made: dict[str, Any] = {}
    for plan in factories.PLANS:
        if plan.name in ("G", "E"):
            made[plan.name] = make_company(owner, name=f"Company {plan.name}")
        else:
            made[plan.name] = make_contact(outsider if plan.name == "J" else owner, first_name=plan.name)
    return made


@pytest.fixture
def classified_world(customers: dict[str, Any], widget: Product, uncosted_product: Product) -> dict[str, Any]:
    factories.build(customers, widget, uncosted_product)
    return customers


@pytest.fixture
def population(owner: Any, make_contact: Any, make_company: Any, widget: Product) -> dict[str, Any]:
    """Forty customers of ``factories.build_population``; the named ones: single, stopped, regular."""
    return factories.build_population(
        lambda name: make_contact(owner, first_name=name), lambda name: make_company(owner, name=name), widget
    )
