from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from accord.analytics.tests import factories
from accord.core.models import ExchangeRate
from accord.sales.models import Deal, Pipeline, Product

D = decimal.Decimal


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


def noon(day: str) -> datetime.datetime:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(12), tzinfo=timezone.get_current_timezone()
    )


@pytest.fixture
def deals(owner: Any, teammate: Any, outsider: Any, team_north: Any, team_south: Any) -> dict[str, Any]:
    ExchangeRate.objects.create(currency="EUR", day=datetime.date(2020, 1, 1), rate=D("4.00"))
    pipeline = Pipeline.objects.get(is_default=True)
    first, second = list(pipeline.stages.order_by("position"))[:2]
    plan = [
        ("d1", owner, team_north, first, "open", "100", "PLN", "2026-01-15"),
        ("d2", owner, team_north, first, "open", "300", "PLN", "2026-02-10"),
        ("d3", owner, team_north, second, "won", "200", "EUR", "2026-02-20"),
        ("d4", teammate, team_north, second, "open", "1000", "PLN", "2026-04-01"),
        ("d5", outsider, team_south, first, "open", "5000", "PLN", "2026-01-05"),
    ]
    made = {"first": first, "second": second}
    for name, user, team, stage, status, amount, currency, created in plan:
        made[name] = Deal.objects.create(
            name=name,
            pipeline=pipeline,
            stage=stage,
            owner=user,
            team=team,
            status=status,
            amount=D(amount),
            currency=currency,
            created_at=noon(created),
        )
    return made


@pytest.fixture
def population(owner: Any, make_contact: Any, make_company: Any, widget: Product) -> dict[str, Any]:
    """Forty customers of ``factories.build_population``; the named ones: single, stopped, regular."""
    return factories.build_population(
        lambda name: make_contact(owner, first_name=name), lambda name: make_company(owner, name=name), widget
    )
