"""Every list's head buttons come in one order: Import, Export, Columns, New (the primary last)."""

from __future__ import annotations

import re

import pytest

LISTS = [
    ("/contacts/", ["import", "export", "columns", "new"]),
    ("/companies/", ["import", "export", "columns", "new"]),
    ("/sales/leads/", ["import", "export", "columns", "new"]),
    ("/sales/deals/", ["export", "columns", "new"]),
    ("/sales/quotes/", ["export", "columns"]),
    ("/sales/products/", ["export", "columns", "new"]),
    ("/tasks/", ["export", "columns", "new"]),
    ("/interactions/", ["export", "columns"]),
]


@pytest.mark.parametrize(("url", "expected"), LISTS)
def test_head_buttons_come_in_one_order_with_new_last(login, admin_user, url, expected):
    page = login(admin_user).get(url).content.decode()

    start = page.index('<div class="page-actions">')
    head = page[start : page.index('<div class="saved-views"', start)]
    order = re.findall(r'data-list-action="(\w+)"', head)
    assert order == expected
    if "new" in expected:
        buttons = re.findall(r'<a class="btn[^"]*"', head)
        assert buttons[-1] == '<a class="btn btn-primary"'
