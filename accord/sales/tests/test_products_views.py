"""The product catalogue and price-list screens: every form rule, and who may change what."""

import datetime
import decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accord.core.models import AuditEntry, Tag
from accord.sales.models import PriceList, PriceListItem, Product, ProductPrice
from accord.sales.services import pricing, products

D = decimal.Decimal


@pytest.fixture
def widget(admin_user):
    return products.create_product(
        actor=admin_user,
        data={
            "sku": "W-1",
            "name": "Widget",
            "unit": "pcs",
            "unit_cost": "60",
            "cost_currency": "PLN",
            "vat_rate": "23",
            "prices": [{"currency": "PLN", "price": "100"}, {"currency": "EUR", "price": "25"}],
        },
    )


@pytest.fixture
def resellers(admin_user, widget):
    tag = Tag.objects.create(name="Reseller")
    price_list = products.save_price_list(
        actor=admin_user, price_list=None, data={"name": "Resellers", "currency": "PLN", "tag": tag, "priority": 5}
    )
    products.set_price_list_item(actor=admin_user, price_list=price_list, product=widget, price="80")
    return price_list


def product_post(**over):
    data = {
        "sku": "G-1",
        "name": "Gadget",
        "unit": "pcs",
        "vat_rate": "23",
        "unit_cost": "",
        "cost_currency": "",
        "active": "on",
        "prices-0-currency": "pln",
        "prices-0-price": "120,50",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def test_manager_creates_a_product_with_prices(login, manager):
    response = login(manager).post(
        "/sales/products/new/", product_post(**{"prices-1-currency": "EUR", "prices-1-price": "30"})
    )

    product = Product.objects.get(sku="G-1")
    assert response.status_code == 302
    assert response["Location"] == f"/sales/products/{product.pk}/"
    assert {(p.currency, p.price) for p in product.prices.all()} == {("PLN", D("120.50")), ("EUR", D("30.00"))}
    assert AuditEntry.objects.filter(entity="sales.product", object_id=product.pk, action="create").count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"sku": "w-1"}, "sku", "Another product already has this SKU."),
        ({"prices-0-price": "-1"}, "prices", "Enter a price of zero or more."),
        ({"vat_rate": "7"}, "vat_rate", "Select a valid choice."),
        (
            {"prices-0-currency": "", "prices-0-price": ""},
            "prices",
            "Give the product a price in at least one currency.",
        ),
        ({"prices-0-currency": "EURO"}, "prices", "Currency must be a three-letter code"),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_product_form_rules(login, admin_user, widget, change, field, message):
    response = login(admin_user).post("/sales/products/new/", product_post(**change))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Product.objects.filter(name="Gadget").exists()
    assert Product.objects.count() == 1


def test_a_vat_rate_outside_the_allowed_ones_is_refused_by_the_service(admin_user):
    with pytest.raises(ValidationError) as caught:
        products.create_product(
            actor=admin_user,
            data={"sku": "X", "name": "X", "vat_rate": "7", "prices": [{"currency": "PLN", "price": "1"}]},
        )

    assert "vat_rate" in caught.value.message_dict
    assert not Product.objects.exists()


def test_editing_keeps_the_price_rows_and_a_stale_version_is_refused(login, admin_user, widget):
    client = login(admin_user)
    form = client.get(f"/sales/products/{widget.pk}/edit/").content.decode()
    products.update_product(actor=admin_user, product=widget, data={"name": "Widget 2"})

    stale = client.post(
        f"/sales/products/{widget.pk}/edit/",
        product_post(sku="W-1", name="Mine", version="1", **{"prices-0-currency": "PLN", "prices-0-price": "1"}),
    )

    assert 'value="EUR"' in form
    assert 'value="25.00"' in form
    assert stale.status_code == 200
    assert "changed by someone else" in stale.content.decode()
    widget.refresh_from_db()
    assert widget.name == "Widget 2"


def test_product_page_shows_margin_price_lists_and_history(login, owner, widget, resellers):
    page = login(owner).get(f"/sales/products/{widget.pk}/").content.decode()

    assert "40.00 · 40.0%" in page  # 100 PLN price over a 60 PLN cost
    assert "123.00" in page  # gross with 23% VAT
    assert "Resellers" in page
    assert "80.00 PLN" in page
    assert "History" in page
    assert "Created" in page
    assert f"/sales/products/{widget.pk}/edit/" not in page  # reps only look


def test_list_is_searchable_and_filterable(login, owner, admin_user, widget):
    products.create_product(
        actor=admin_user,
        data={
            "sku": "B-1",
            "name": "Book",
            "vat_rate": "5",
            "active": False,
            "prices": [{"currency": "PLN", "price": "9"}],
        },
    )
    client = login(owner)

    by_text = client.get("/sales/products/", {"q": "wid"}).content.decode()
    by_vat = client.get("/sales/products/", {"vat_rate": "5"}).content.decode()
    inactive = client.get("/sales/products/", {"active": "false"}).content.decode()

    assert "Widget" in by_text
    assert "Book" not in by_text
    assert "Book" in by_vat
    assert "Widget" not in by_vat
    assert "Book" in inactive
    assert "Widget" not in inactive


def test_deactivating_a_product(login, manager, widget):
    response = login(manager).post(f"/sales/products/{widget.pk}/active/", {"active": "0"})

    widget.refresh_from_db()
    assert response.status_code == 302
    assert widget.active is False


@pytest.mark.parametrize("persona", ["owner", "viewer", "support"])
def test_only_admins_and_managers_change_the_catalogue(request, login, persona, widget, resellers):
    client = login(request.getfixturevalue(persona))

    attempts = [
        client.get("/sales/products/new/"),
        client.post("/sales/products/new/", product_post()),
        client.post(f"/sales/products/{widget.pk}/edit/", product_post(sku="W-1", name="Hacked")),
        client.post(f"/sales/products/{widget.pk}/active/", {"active": "0"}),
        client.post(
            "/sales/price-lists/new/", {"name": "X", "currency": "PLN", "tag": resellers.tag_id, "priority": 1}
        ),
        client.post(f"/sales/price-lists/{resellers.pk}/", {"product": widget.pk, "price": "1"}),
        client.post(f"/sales/price-lists/{resellers.pk}/items/{widget.pk}/remove/"),
        client.post(f"/sales/price-lists/{resellers.pk}/delete/"),
    ]

    assert [r.status_code for r in attempts] == [403] * len(attempts)
    widget.refresh_from_db()
    assert (widget.name, widget.active, Product.objects.count(), PriceList.objects.count()) == ("Widget", True, 1, 1)
    assert PriceListItem.objects.get().price == D("80.00")
    assert client.get(f"/sales/products/{widget.pk}/").status_code == 200
    assert client.get(f"/sales/price-lists/{resellers.pk}/").status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, widget, resellers):
    for url in [
        "/sales/products/",
        f"/sales/products/{widget.pk}/",
        "/sales/price-lists/",
        f"/sales/price-lists/{resellers.pk}/",
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response["Location"]


def test_price_list_form_rules(login, admin_user):
    tag = Tag.objects.create(name="VIP")
    client = login(admin_user)

    bad = client.post(
        "/sales/price-lists/new/",
        {
            "name": "VIP",
            "currency": "P1N",
            "tag": tag.pk,
            "priority": "1",
            "valid_from": "2026-12-31",
            "valid_until": "2026-01-01",
        },
    )
    good = client.post(
        "/sales/price-lists/new/",
        {
            "name": "VIP",
            "currency": "eur",
            "tag": tag.pk,
            "priority": "1",
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
            "active": "on",
        },
    )

    assert bad.status_code == 200
    assert "The end of validity cannot come before its start." in bad.content.decode()
    assert "three-letter code" in bad.content.decode()
    assert good.status_code == 302
    price_list = PriceList.objects.get()
    assert (price_list.currency, str(price_list.valid_until)) == ("EUR", "2026-12-31")


def test_adding_changing_and_removing_a_price_on_a_list(login, admin_user, widget, resellers):
    client = login(admin_user)

    negative = client.post(f"/sales/price-lists/{resellers.pk}/", {"product": widget.pk, "price": "-5"})
    changed = client.post(f"/sales/price-lists/{resellers.pk}/", {"product": widget.pk, "price": "75,5"})
    page = client.get(f"/sales/price-lists/{resellers.pk}/").content.decode()
    removed = client.post(f"/sales/price-lists/{resellers.pk}/items/{widget.pk}/remove/")

    assert negative.status_code == 422
    assert "Enter a price of zero or more." in negative.content.decode()
    assert changed.status_code == 302
    assert "24.5% below the catalogue" in page
    assert removed.status_code == 302
    assert not PriceListItem.objects.exists()
    history = AuditEntry.objects.filter(entity="sales.pricelist", object_id=resellers.pk, action="update")
    assert [e.changes["prices"] for e in history.order_by("at")] == [
        [{}, {"W-1": "80.00"}],
        [{"W-1": "80.00"}, {"W-1": "75.50"}],
        [{"W-1": "75.50"}, {}],
    ]
    assert ProductPrice.objects.filter(product=widget).count() == 2


def test_a_price_list_applies_only_while_valid(admin_user, owner, widget, resellers, make_company):
    company = make_company(owner, name="Partner")
    company.tags.add(resellers.tag)
    today = timezone.localdate()

    current = pricing.price_for(widget, "PLN", company)
    products.save_price_list(
        actor=admin_user, price_list=resellers, data={"valid_until": today - datetime.timedelta(days=1)}
    )
    expired = pricing.price_for(widget, "PLN", company)
    products.save_price_list(
        actor=admin_user,
        price_list=resellers,
        data={"valid_from": today + datetime.timedelta(days=1), "valid_until": None},
    )
    future = pricing.price_for(widget, "PLN", company)

    assert (current, expired, future) == (D("80.00"), D("100.00"), D("100.00"))


def test_the_product_list_costs_the_same_queries_for_many_products(login, owner, admin_user, widget):
    client = login(owner)
    client.get("/sales/products/")
    with CaptureQueriesContext(connection) as few:
        client.get("/sales/products/")
    for i in range(15):
        products.create_product(
            actor=admin_user,
            data={
                "sku": f"S-{i}",
                "name": f"Spare {i}",
                "vat_rate": "8",
                "prices": [{"currency": "PLN", "price": "1"}],
            },
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get("/sales/products/").content.decode()

    assert "Spare 14" in page
    assert len(many) == len(few)


def test_a_product_keeps_a_rate_that_is_no_longer_offered(admin_user, widget):
    Product.objects.filter(pk=widget.pk).update(vat_rate=D("7"))
    widget.refresh_from_db()

    kept = products.update_product(actor=admin_user, product=widget, data={"name": "Widget+", "vat_rate": "7"})
    with pytest.raises(ValidationError) as changed:
        products.update_product(actor=admin_user, product=widget, data={"vat_rate": "9"})

    assert (kept.name, kept.vat_rate) == ("Widget+", D("7"))
    assert "vat_rate" in changed.value.message_dict


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "resellers"}, "Another price list has this name."),
        ({"tag": ""}, "This field is required."),
        ({"priority": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"currency": ""}, "This field is required."),
    ],
)
def test_more_price_list_rules(login, admin_user, resellers, change, message):
    data = {"name": "VIP", "currency": "PLN", "tag": resellers.tag_id, "priority": "1", "active": "on", **change}

    response = login(admin_user).post("/sales/price-lists/new/", data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert PriceList.objects.count() == 1
