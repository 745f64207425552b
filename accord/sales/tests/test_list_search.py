"""The lead and deal lists search through the one search service and its index, as contacts do."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.core import search
from accord.sales.models import Deal, Product
from accord.sales.services import deals, leads


def names(response, key):
    assert response.status_code == 200, response.content
    return sorted(item[key] for item in response.json()["items"])


def test_a_lead_is_found_by_its_words_in_any_order(api, owner):
    leads.create_lead(actor=owner, data={"first_name": "Jan", "last_name": "Kowalski", "company_name": "Łódź Tech"})
    leads.create_lead(actor=owner, data={"first_name": "Anna", "last_name": "Kowal"})

    assert names(api(owner).get("/leads", {"q": "kowalski jan"}), "last_name") == ["Kowalski"]
    assert names(api(owner).get("/leads", {"q": "lodz KOWALSKI"}), "last_name") == ["Kowalski"]
    assert names(api(owner).get("/leads", {"q": "kowal"}), "last_name") == ["Kowal", "Kowalski"]


def test_a_deal_is_found_by_its_words_in_any_order_through_the_search_index(api, owner):
    deals.create_deal(actor=owner, data={"name": "Fleet renewal Gdańsk"})
    deals.create_deal(actor=owner, data={"name": "Fleet leasing"})

    with CaptureQueriesContext(connection) as queries:
        found = names(api(owner).get("/deals", {"q": "gdansk fleet"}), "name")

    assert found == ["Fleet renewal Gdańsk"]
    if connection.vendor == "sqlite":  # PostgreSQL's trigram index is the planner's to choose
        assert any(search.fts_table(Deal) in q["sql"] for q in queries.captured_queries)


def test_only_registered_models_are_searched():
    with pytest.raises(ValueError, match="not registered with the search service"):
        search.matching(Product.objects.all(), "anything")
