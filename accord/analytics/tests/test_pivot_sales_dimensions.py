"""Revenue by product category and by the customer's classification, over order lines.

Two companies, classified: Big buys 10 Software at 100 and 1 Hardware at 500 (net 1,500); Small
buys 1 Hardware at 200. Margins (no cost known): Big 1,500, Small 200 -> Big makes the first 80 %
of the contribution alone (a key customer); Small starts at 88 %: regular.
By category: Software 1,000, Hardware 700. By customer value: key 1,500, regular 200.
"""

from __future__ import annotations

import decimal
from typing import Any

import pytest

from accord.analytics.selectors import pivot
from accord.analytics.services.classification import classify
from accord.analytics.tests.factories import AS_OF, order
from accord.sales.models import Product

pytestmark = pytest.mark.django_db
D = decimal.Decimal


@pytest.fixture
def sales(owner: Any, make_company: Any) -> dict[str, Any]:
    software = Product.objects.create(sku="S-1", name="Licence", category="Software")
    hardware = Product.objects.create(sku="H-1", name="Tablet", category="Hardware")
    big = make_company(owner, name="Big", country="PL")
    small = make_company(owner, name="Small", country="LT")
    order(company=big, days_before=10, lines=[(software, "10", "1000"), (hardware, "1", "500")])
    order(company=small, days_before=20, lines=[(hardware, "1", "200")])
    classify(as_of=AS_OF)
    return {"big": big, "small": small}


def _sums(user: Any, rows: str) -> dict[str | None, Any]:
    definition = pivot.parse_definition(user, {"entity": "order_lines", "rows": rows, "measures": ["sum:net"]})
    result = pivot.run(user, definition)
    return {row.key: result.value(row.key, None, "sum:net") for row in result.rows}


def test_revenue_by_category_country_and_customer_value(admin_user: Any, sales: dict[str, Any]) -> None:
    assert _sums(admin_user, "category") == {"Software": D("1000.00"), "Hardware": D("700.00")}
    assert _sums(admin_user, "country") == {"PL": D("1500.00"), "LT": D("200.00")}
    assert _sums(admin_user, "customer_value") == {"key": D("1500.00"), "regular": D("200.00")}
    # Two customers with one order each: Big (the later) R 1 + 5 * 1 // 2 = 3, F 1: about to sleep;
    # Small R 1, F 1: lost.
    assert _sums(admin_user, "rfm_segment") == {"about_to_sleep": D("1500.00"), "lost": D("200.00")}
