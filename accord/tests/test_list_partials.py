"""A list page and the answer htmx gets when its filters change share one piece of markup: the
rows are a partial of the page ({% partialdef results inline %}), rendered in place in the page and
alone (as "<page>.html#results") for htmx. Both answers carry the same rows."""

from __future__ import annotations

import decimal
import re
from typing import Any

import pytest

from accord.sales.services import deals

LISTS = {
    # name: (address, who may see it, text of a row, template of the page)
    "contacts": ("/contacts/", "owner", "Nowak", "people/contact_list.html"),
    "companies": ("/companies/", "owner", "Firma Nowak", "people/company_list.html"),
    "deals": ("/sales/deals/", "owner", "Umowa Nowak", "sales/deal_list.html"),
    "users": ("/settings/users/", "admin_user", "owner@example.com", "identity/settings/users.html"),
}


@pytest.fixture
def records(owner: Any, make_contact: Any, make_company: Any) -> None:
    make_contact(owner, first_name="Anna", last_name="Nowak")
    make_company(owner, name="Firma Nowak")
    deals.create_deal(actor=owner, data={"name": "Umowa Nowak", "amount": decimal.Decimal("100"), "currency": "PLN"})


def _rows(htmx_answer: str) -> str:
    """The htmx answer without what follows the rows out of band (the count, the tools), and
    without the blank lines at its end."""
    oob = htmx_answer.find("hx-swap-oob")
    return (htmx_answer if oob < 0 else htmx_answer[: htmx_answer.rfind("<", 0, oob)]).rstrip()


@pytest.mark.parametrize("name", LISTS)
def test_the_page_and_its_htmx_answer_show_the_same_rows(name, request, login, records):
    address, persona, row_text, page_template = LISTS[name]
    client = login(request.getfixturevalue(persona))

    full = client.get(address)
    swapped = client.get(address, headers={"HX-Request": "true"})

    assert full.templates[0].name == page_template
    assert (swapped.templates[0].origin.template_name, swapped.templates[0].name) == (page_template, "results")
    page, rows = full.content.decode(), swapped.content.decode()
    # The htmx answer: the rows, with no page around them and no filter form
    assert row_text in rows
    assert "<html" not in rows
    assert 'class="filter-bar"' not in rows
    assert re.search(r'<table class="table stackable', rows)
    # The page: the same rows, in place
    assert "<html" in page
    assert row_text in page
    assert f'<div id="results">{_rows(rows)}' in page


@pytest.mark.parametrize("name", LISTS)
def test_an_empty_result_is_the_same_partial(name, request, login, records):
    address, persona, row_text, _ = LISTS[name]
    client = login(request.getfixturevalue(persona))

    page = client.get(address, {"q": "no-such-thing"}).content.decode()
    rows = client.get(address, {"q": "no-such-thing"}, headers={"HX-Request": "true"}).content.decode()

    assert 'class="empty"' in rows
    assert row_text not in rows
    assert "<html" not in rows
    assert f'<div id="results">{_rows(rows)}' in page
