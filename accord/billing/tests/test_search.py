"""Invoices and orders in the search box: by number (however the slashes are typed), by
customer name and tax id, scoped by the access policy; on SQLite (FTS5) and PostgreSQL (pg_trgm)."""

from __future__ import annotations

import importlib

from django.apps import apps

from accord.billing.models import Invoice, Order
from accord.billing.services import invoices, orders
from accord.core import global_search

ONE_LINE = [{"description": "Usługa", "quantity": "1", "unit_price": "1000", "vat_rate": "23"}]  # 1230.00 gross


def found(user, query, kind=None):
    return [(h.type, h.title) for h in global_search.search_all(user, query, limit=20) if kind in (None, h.type)]


def test_an_issued_invoice_is_found_by_its_number_however_it_is_typed(owner, make_invoice):
    invoice = invoices.issue(actor=owner, invoice=make_invoice(lines=ONE_LINE))
    number = invoice.number  # FV/2026/0001

    exact = global_search.search_all(owner, number)
    spaced = found(owner, number.replace("/", " "), "invoice")
    tail = found(owner, number.split("/", 1)[1].lower(), "invoice")

    assert [(h.type, h.title) for h in exact] == [("invoice", number)]
    assert exact[0].url == f"/billing/invoices/{invoice.pk}/"
    assert exact[0].in_title.html() == f"<mark>{number}</mark>"
    assert exact[0].subtitle == "Issued · 1,230.00 PLN · Żółta Łódź Sp. z o.o."
    assert spaced == [("invoice", number)]
    assert tail == [("invoice", number)]


def test_invoices_and_orders_are_found_by_customer_name_and_tax_id(owner, make_invoice, customer):
    invoice = invoices.issue(actor=owner, invoice=make_invoice(lines=ONE_LINE))
    draft = make_invoice(lines=ONE_LINE)
    order = orders.create_order(actor=owner, data={"company": customer, "lines": ONE_LINE})

    by_name = global_search.search_grouped(owner, "zolta lodz")
    by_tax_id = [h for h in global_search.search_all(owner, "7740001454", limit=20) if h.type == "invoice"]

    groups = {kind: sorted(h.title for h in hits) for kind, _label, hits in by_name}
    assert groups["invoice"] == sorted([invoice.number, "Draft invoice"])
    assert groups["order"] == [order.number]
    order_hit = next(hits for kind, _label, hits in by_name if kind == "order")[0]
    assert (order_hit.matched.label, order_hit.matched.html()) == ("customer", "<mark>Żółta Łódź</mark> Sp. z o.o.")
    assert order_hit.url == f"/billing/orders/{order.pk}/"
    assert {h.id for h in by_tax_id} == {invoice.pk, draft.pk}
    assert by_tax_id[0].matched.label == "tax id"


def test_an_order_is_found_by_number(owner, customer):
    order = orders.create_order(actor=owner, data={"company": customer, "lines": ONE_LINE})

    assert found(owner, order.number) == [("order", order.number)]
    assert found(owner, order.number.replace("/", " ").lower(), "order") == [("order", order.number)]


def test_an_overdue_invoice_says_so(owner, make_invoice):
    invoice = invoices.issue(actor=owner, invoice=make_invoice(lines=ONE_LINE))
    Invoice.objects.filter(pk=invoice.pk).update(due_date=invoice.issue_date.replace(year=2000))

    [hit] = global_search.search_all(owner, invoice.number)

    assert hit.subtitle.startswith("Overdue · 1,230.00 PLN")


def test_search_respects_the_access_policy_for_invoices_and_orders(owner, outsider, manager, make_invoice, customer):
    invoice = invoices.issue(actor=owner, invoice=make_invoice(lines=ONE_LINE))
    order = orders.create_order(actor=owner, data={"company": customer, "lines": ONE_LINE})

    assert found(outsider, invoice.number) == []
    assert found(outsider, order.number) == []
    assert found(outsider, "zolta lodz") == []
    # the owner's team's manager; the order's number, alike but for its prefix, comes after as a near miss
    assert found(manager, invoice.number)[0] == ("invoice", invoice.number)
    assert found(manager, order.number)[0] == ("order", order.number)


def test_the_search_page_and_api_show_invoices(login, api, owner, make_invoice):
    invoice = invoices.issue(actor=owner, invoice=make_invoice(lines=ONE_LINE))

    page = login(owner).get("/search/", {"q": invoice.number}).content.decode()
    hits = api(owner).get("/search", {"q": invoice.number}).json()

    assert 'aria-label="Invoices"' in page
    assert f'href="/billing/invoices/{invoice.pk}/"' in page
    assert [(h["type"], h["title"]) for h in hits] == [("invoice", invoice.number)]


def test_the_migration_fills_the_search_text_of_existing_invoices_and_orders(owner, make_invoice, customer):
    invoice = invoices.issue(actor=owner, invoice=make_invoice(lines=ONE_LINE))
    order = orders.create_order(actor=owner, data={"company": customer, "lines": ONE_LINE})
    Invoice.objects.update(search_text="")
    Order.objects.update(search_text="")
    migration = importlib.import_module("accord.billing.migrations.0008_billrest")

    migration.fill_search_text(apps, None)

    year = invoice.number.split("/")[1]
    assert Invoice.objects.get(pk=invoice.pk).search_text == (
        f"{invoice.number.lower()} | fv {year} 0001 | zolta lodz sp. z o.o. | 7740001454"
    )
    assert found(owner, order.number)[0] == ("order", order.number)
