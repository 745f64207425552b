"""A small customer base for the offer tests: a coffee shop's catalogue and customers with
preferences, classifications and purchases (times relative to now)."""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from typing import Any

from accord.marketing.tests.segment_world import _invoice, _order
from accord.people.models import Contact
from accord.sales.models import Product, ProductPrice

D = decimal.Decimal


@dataclass
class Shop:
    owner: Any
    outsider: Any
    admin: Any
    marketer: Any
    contacts: dict[str, Contact] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)


def product(sku: str, name: str, *, price: str | None = None, cost: str | None = None) -> Product:
    item = Product.objects.create(
        sku=sku, name=name, unit_cost=D(cost) if cost else None, cost_currency="PLN" if cost else ""
    )
    if price is not None:
        ProductPrice.objects.create(product=item, currency="PLN", price=D(price))
    return item


def build_shop(owner: Any, outsider: Any, admin: Any, marketer: Any, make_contact: Any) -> Shop:
    shop = Shop(owner=owner, outsider=outsider, admin=admin, marketer=marketer)
    p = shop.products
    p["beans"] = product("BEANS", "Coffee beans", price="60", cost="30")
    p["grinder"] = product("GRIND", "Grinder", price="400", cost="250")
    p["kettle"] = product("KETTLE", "Kettle", price="200", cost="180")
    p["tea"] = product("TEA", "Green tea", price="40")
    c = shop.contacts
    c["ola"] = make_contact(owner, first_name="Ola", last_name="Kawa", preferences=["Organic", "Coffee"])
    c["bart"] = make_contact(owner, first_name="Bartek", last_name="Ziarno", preferences=["coffee"], classification="A")
    c["celina"] = make_contact(owner, first_name="Celina", last_name="Herbata", preferences=["Tea"], classification="B")
    c["dawid"] = make_contact(owner, first_name="Dawid", last_name="Młynek", preferences=[], classification="a")
    c["ewa"] = make_contact(outsider, first_name="Ewa", last_name="Obca", preferences=["Organic"], classification="A")
    # Ola bought beans three times (two orders and an invoice without an order); Bartek once; Dawid
    # bought a grinder five days ago.
    _order(c["ola"], p["beans"], "confirmed", 100, "60")
    _order(c["ola"], p["beans"], "fulfilled", 50, "60")
    _invoice(c["ola"], p["beans"], 20, "60")
    _order(c["bart"], p["beans"], "confirmed", 200, "60")
    _order(c["dawid"], p["grinder"], "confirmed", 5, "400")
    _order(c["dawid"], p["beans"], "confirmed", 30, "60")
    return shop
