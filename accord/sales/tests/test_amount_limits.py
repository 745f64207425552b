"""Amounts beyond what the columns hold are refused on every path, naming the field, and nothing is
stored: a deal worth 1e30 once broke the deal list, the board and the company page for everyone."""

import pytest
from django.core.exceptions import ValidationError

from accord.people.models import Company, Contact
from accord.sales.models import Deal, Lead, Product
from accord.sales.services import leads


@pytest.mark.parametrize("amount", ["1e30", "1000000000000", "-1e30"])
def test_a_deal_amount_too_large_for_the_column_is_refused_and_not_stored(api, owner, amount):
    client = api(owner)

    created = client.post("/deals", {"name": "Huge", "amount": amount})

    assert created.status_code == 422
    assert "amount" in created.json()["errors"]
    assert not Deal.objects.exists()
    deal = client.post("/deals", {"name": "Fine", "amount": "999999999999.99"}).json()
    patched = client.patch(f"/deals/{deal['id']}", {"amount": amount})
    assert patched.status_code == 422
    assert str(Deal.objects.get().amount) == "999999999999.99"
    assert client.get("/deals").status_code == 200


def test_lines_whose_total_would_overflow_are_refused(api, owner):
    client = api(owner)
    line = {"description": "Tons", "quantity": "999999999", "unit_price": "999999999999", "vat_rate": "23"}

    one = client.post("/deals", {"name": "D", "lines": [line]})
    price = client.post("/deals", {"name": "D", "lines": [{**line, "quantity": "1", "unit_price": "1e15"}]})
    quantity = client.post("/deals", {"name": "D", "lines": [{**line, "quantity": "1e10", "unit_price": "1"}]})

    assert one.status_code == 422
    assert "lines" in one.json()["errors"]
    assert "lines.0.unit_price" in price.json()["errors"]
    assert "lines.0.quantity" in quantity.json()["errors"]
    assert not Deal.objects.exists()


def test_a_product_price_too_large_is_refused(api, admin_user):
    response = api(admin_user).post(
        "/products", {"sku": "X", "name": "X", "prices": [{"currency": "PLN", "price": "1e30"}]}
    )

    assert response.status_code == 422
    assert "prices.0.price" in response.json()["errors"]
    assert not Product.objects.exists()


def test_converting_a_lead_with_a_huge_amount_is_refused_whole(owner):
    lead = leads.create_lead(actor=owner, data={"last_name": "Nowak", "company_name": "Nowak SA"})

    with pytest.raises(ValidationError) as caught:
        leads.convert_lead(actor=owner, lead=lead, deal_name="Big", amount="1e30")

    assert "amount" in str(caught.value)
    assert not Deal.objects.exists()
    assert not Contact.objects.exists()
    assert not Company.objects.exists()
    assert Lead.objects.get().status != "converted"
