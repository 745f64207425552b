"""The deal list behaves like the other lists: filters apply as they change (htmx swaps the rows
alone) and the heading counts the deals shown."""

from __future__ import annotations

import decimal
import re

from accord.sales.services import deals


def _deal(actor, name, **data):
    data = {"name": name, "amount": decimal.Decimal("100"), "currency": "PLN", **data}
    return deals.create_deal(actor=actor, data=data)


def test_the_filter_form_applies_its_filters_on_change_through_htmx(login, owner):
    page = login(owner).get("/sales/deals/").content.decode()

    form = re.search(r'<form class="filter-bar"[^>]*>', page, re.S).group(0)
    assert 'hx-get="/sales/deals/"' in form
    assert 'hx-target="#results"' in form
    assert "change" in re.search(r'hx-trigger="([^"]*)"', form).group(1)
    assert '<div id="results">' in page


def test_the_heading_counts_the_deals_and_follows_the_filters(login, owner, teammate):
    for name in ("Acme roll-out", "Acme support", "Bolt"):
        _deal(owner, name)
    _deal(teammate, "Other")
    client = login(owner)

    full = client.get("/sales/deals/").content.decode()
    swapped = client.get("/sales/deals/?q=acme", headers={"HX-Request": "true"}).content.decode()

    # The full page: the count under the heading
    assert re.search(r'<div class="subtitle" id="list-total">4 records</div>', full)
    # The htmx answer: only the rows (no page around them), and the count swapped out of band
    assert "<html" not in swapped
    assert "Acme roll-out" in swapped
    assert "Acme support" in swapped
    assert "Bolt" not in swapped
    assert re.search(r'id="list-total" hx-swap-oob="true">2 records · filtered</div>', swapped)
    assert 'id="list-tools-deal" hx-swap-oob="true"' in swapped


def test_the_exact_count_is_offered_and_given_on_request(login, owner):
    _deal(owner, "Acme")

    response = login(owner).get("/sales/deals/?total=exact")

    assert response.context["list_total"].exact
    assert response.context["list_total"].value == 1
