"""Orders: one per accepted quote with its lines and customer, typed in by hand, their statuses,
and invoices made of all of an order's lines or of those not yet invoiced."""

from __future__ import annotations

import decimal

import pytest
from django.core.exceptions import ValidationError

from accord.billing.models import Invoice, InvoiceKind, Order, OrderStatus
from accord.billing.services import invoices, orders
from accord.core.models import Event

D = decimal.Decimal


def test_an_accepted_quote_becomes_one_order_with_its_lines_and_customer(owner, accepted_quote):
    order = orders.create_from_quote(actor=owner, quote=accepted_quote)
    again = orders.create_from_quote(actor=owner, quote=accepted_quote)

    assert again.pk == order.pk
    assert Order.objects.count() == 1
    assert order.status == OrderStatus.CONFIRMED
    assert order.number.startswith("ZAM/")
    assert order.customer_name == accepted_quote.customer_name
    assert order.company_id == accepted_quote.deal.company_id
    assert [(line.description, line.quantity, line.vat_rate) for line in order.lines.all()] == [
        ("Stal", D("3.000"), "23"),
        ("Szkolenie", D("2.500"), "8"),
    ]
    assert (order.net_total, order.vat_total, order.gross_total) == (D("700.22"), D("146.01"), D("846.23"))
    assert Event.objects.filter(name="billing.order.from_quote").count() == 1


def test_a_quote_not_accepted_makes_no_order(owner, accepted_quote):
    from accord.sales.models import Quote

    Quote.objects.filter(pk=accepted_quote.pk).update(status="sent")
    accepted_quote.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        orders.create_from_quote(actor=owner, quote=accepted_quote)
    assert "quote" in caught.value.message_dict


def test_an_order_typed_in_and_its_status_moves(owner, customer):
    order = orders.create_order(
        actor=owner,
        data={
            "company": customer,
            "lines": [{"description": "Kabel", "quantity": "10", "unit": "m", "unit_price": "2.50", "vat_rate": "23"}],
        },
    )

    assert (order.status, order.gross_total, order.customer_name) == ("draft", D("30.75"), "Żółta Łódź Sp. z o.o.")
    order = orders.set_status(actor=owner, order=order, status="confirmed", expected_version=1)
    order = orders.set_status(actor=owner, order=order, status="fulfilled")
    with pytest.raises(ValidationError) as caught:
        orders.set_status(actor=owner, order=order, status="draft")
    assert "status" in caught.value.message_dict


def test_an_order_needs_a_customer_and_lines(owner):
    with pytest.raises(ValidationError) as caught:
        orders.create_order(actor=owner, data={"lines": []})

    assert {"company", "lines"} <= set(caught.value.message_dict)
    assert Order.objects.count() == 0


def test_an_order_is_invoiced_whole_then_never_twice(owner, accepted_quote):
    order = orders.create_from_quote(actor=owner, quote=accepted_quote)

    invoice = invoices.create_from_order(actor=owner, order=order)

    assert invoice.order_id == order.pk
    assert invoice.gross_total == order.gross_total
    assert [line.order_line_id for line in invoice.lines.all()] == [line.pk for line in order.lines.all()]
    with pytest.raises(ValidationError) as caught:
        invoices.create_from_order(actor=owner, order=order)
    assert "lines" in caught.value.message_dict


def test_an_order_is_invoiced_line_by_line(owner, accepted_quote):
    order = orders.create_from_quote(actor=owner, quote=accepted_quote)
    first, _second = order.lines.all()

    one = invoices.create_from_order(actor=owner, order=order, line_ids=[first.pk])
    proforma = invoices.create_from_order(actor=owner, order=order, kind=InvoiceKind.PROFORMA)
    rest = invoices.create_from_order(actor=owner, order=order)

    assert [line.description for line in one.lines.all()] == ["Stal"]
    assert [line.description for line in proforma.lines.all()] == ["Szkolenie"]
    assert [line.description for line in rest.lines.all()] == ["Szkolenie"]
    with pytest.raises(ValidationError):
        invoices.create_from_order(actor=owner, order=order, line_ids=[first.pk])
    assert Invoice.objects.filter(kind="vat").count() == 2


def test_a_draft_order_is_not_invoiced(owner, customer):
    order = orders.create_order(
        actor=owner,
        data={
            "company": customer,
            "lines": [{"description": "X", "quantity": "1", "unit_price": "1", "vat_rate": "23"}],
        },
    )

    with pytest.raises(ValidationError) as caught:
        invoices.create_from_order(actor=owner, order=order)
    assert "order" in caught.value.message_dict


def test_a_draft_orders_lines_change_and_a_confirmed_orders_do_not(owner, customer):
    order = orders.create_order(
        actor=owner,
        data={
            "company": customer,
            "lines": [{"description": "A", "quantity": "1", "unit_price": "10", "vat_rate": "23"}],
        },
    )

    changed = orders.update_order(
        actor=owner,
        order=order,
        data={"lines": [{"description": "B", "quantity": "2", "unit_price": "10", "vat_rate": "8"}]},
        expected_version=1,
    )
    assert (changed.version, changed.gross_total) == (2, D("21.60"))
    confirmed = orders.set_status(actor=owner, order=changed, status="confirmed")
    with pytest.raises(ValidationError):
        orders.update_order(actor=owner, order=confirmed, data={"lines": []})
    assert (
        orders.update_order(actor=owner, order=confirmed, data={"notes": "Dostawa w piątek"}).notes
        == "Dostawa w piątek"
    )


def test_annex_15_products_flag_their_lines_for_split_payment(owner, manager, customer, accepted_quote):
    from accord.billing.services import products
    from accord.core.access import AccessDenied
    from accord.sales.models import Product

    steel = Product.objects.create(sku="STAL-1", name="Stal", vat_rate=D("23"), unit="kg")
    with pytest.raises(AccessDenied):
        products.set_split_payment(actor=owner, product=steel, value=True)
    products.set_split_payment(actor=manager, product=steel, value=True)

    order = orders.create_order(
        actor=owner,
        data={
            "company": customer,
            "lines": [
                {"product": steel, "quantity": "2", "unit_price": "10"},
                {"product": steel, "quantity": "1", "unit_price": "10", "split_payment_goods": False},
                {"description": "Transport", "unit_price": "5", "vat_rate": "23"},
            ],
        },
    )

    assert [line.split_payment_goods for line in order.lines.all()] == [True, False, False]
    assert order.lines.first().vat_rate == "23"
