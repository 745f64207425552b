"""The invoice, order and payment lists: CSV/XLSX export with the list's filters, the export right
and the access policy; the column chooser and saved views of core/lists.py."""

from __future__ import annotations

import datetime
import decimal
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accord.billing.services import invoices, orders, payments
from accord.core.models import SavedView

D = decimal.Decimal
ONE_LINE = [{"description": "Usługa", "quantity": "1", "unit_price": "1000", "vat_rate": "23"}]  # 1230.00 gross


@pytest.fixture
def north_and_south(owner, outsider, make_company, make_invoice):
    """An issued invoice, an order and a payment of a north customer (owner's), and the same of a
    south customer (outsider's), which the north manager does not see."""
    south = make_company(outsider, name="Południe S.A.")
    mine = invoices.issue(actor=owner, invoice=make_invoice(lines=ONE_LINE))
    draft = make_invoice(lines=ONE_LINE)
    theirs = invoices.issue(actor=outsider, invoice=make_invoice(outsider, company=south, lines=ONE_LINE))
    order = orders.create_order(actor=owner, data={"company": mine.company, "lines": ONE_LINE})
    orders.create_order(actor=outsider, data={"company": south, "lines": ONE_LINE})
    paid = payments.record_payment(
        actor=owner,
        amount=D("500.00"),
        currency="PLN",
        received_on=datetime.date(2026, 3, 2),
        reference="Wpłata za fakturę",
        company=mine.company,
    )
    payments.record_payment(
        actor=outsider,
        amount=D("77.00"),
        currency="PLN",
        received_on=datetime.date(2026, 3, 3),
        reference="Obca wpłata",
        company=south,
    )
    return {"mine": mine, "draft": draft, "theirs": theirs, "order": order, "payment": paid}


def csv_lines(response) -> list[str]:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode().splitlines()


def test_the_invoice_export_has_the_list_filters_and_only_what_the_user_sees(login, manager, north_and_south):
    mine, draft, theirs = north_and_south["mine"], north_and_south["draft"], north_and_south["theirs"]
    client = login(manager)

    issued = csv_lines(client.get("/billing/invoices/export/", {"status": "issued"}))
    every = "\n".join(csv_lines(client.get("/billing/invoices/export/")))

    assert issued[0].startswith("ID,Number,Kind,Status,Buyer,Buyer tax id,Date of issue")
    assert len(issued) == 2
    assert issued[1].startswith(f"{mine.pk},{mine.number},VAT invoice,Issued,")
    assert ",1000.00,230.00,1230.00,0.00,0.00,1230.00," in issued[1]
    assert str(draft.pk) in every
    assert str(theirs.pk) not in every
    assert theirs.number not in every


def test_the_order_and_payment_exports_in_xlsx_and_csv(login, manager, north_and_south):
    client = login(manager)

    workbook = client.get("/billing/orders/export/", {"format": "xlsx"})
    paid = csv_lines(client.get("/billing/payments/export/", {"format": "csv"}))

    assert workbook.status_code == 200
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active.values)
    assert rows[0][:4] == ("ID", "Number", "Status", "Customer")
    assert [row[1] for row in rows[1:]] == [north_and_south["order"].number]
    assert paid[0] == "ID,Date,Customer,Method,Source,Reference,Currency,Amount,Allocated,Customer credit,Created"
    assert len(paid) == 2
    assert ",Wpłata za fakturę,PLN,500.00,0.00,500.00," in paid[1]


@pytest.mark.parametrize("path", ["/billing/invoices/export/", "/billing/orders/export/", "/billing/payments/export/"])
def test_users_without_the_export_right_get_no_file_and_no_menu(login, owner, north_and_south, path):
    client = login(owner)  # a sales rep: no export right

    refused = client.get(path)
    listing = client.get(path.replace("export/", ""))

    assert refused.status_code == 403
    assert listing.status_code == 200
    assert 'data-list-action="export"' not in listing.content.decode()


def test_the_lists_offer_export_columns_and_saved_views(login, manager, north_and_south):
    client = login(manager)

    for path, key, entity in (
        ("/billing/invoices/", "invoice", "billing.invoice"),
        ("/billing/orders/", "order", "billing.order"),
        ("/billing/payments/", "payment", "billing.payment"),
    ):
        page = client.get(path, {"currency": "PLN"}).content.decode()
        assert f'href="{path}export/?currency=PLN&amp;format=xlsx"' in page
        assert f'action="{reverse("core:list-look", args=[key])}"' in page  # the column chooser
        assert f'name="entity" value="{entity}"' in page  # "Save view" keeps the filters on screen


def test_a_saved_view_of_the_invoice_list_keeps_its_filter_and_columns(login, manager, north_and_south):
    client = login(manager)
    mine, draft = north_and_south["mine"], north_and_south["draft"]

    saved = client.post(
        reverse("core:saved-view-create"),
        {
            "entity": "billing.invoice",
            "name": "Wystawione",
            "query": "status=issued",
            "path": "/billing/invoices/",
            "columns": ["invoice", "status", "gross"],
        },
    )

    view = SavedView.objects.get(name="Wystawione")
    assert saved.status_code == 302
    assert saved["Location"] == f"/billing/invoices/?status=issued&view={view.pk}"
    page = client.get(saved["Location"]).content.decode()
    assert "Wystawione" in page
    assert f'href="/billing/invoices/{mine.pk}/"' in page
    assert f'href="/billing/invoices/{draft.pk}/"' not in page  # its filter: no drafts
    assert "Date of issue</th>" not in page  # only its columns
    assert "Gross</th>" in page


def test_the_invoice_list_filtered_by_htmx_swaps_its_tools_and_views_too(login, manager, north_and_south):
    page = login(manager).get("/billing/invoices/", {"status": "issued"}, headers={"HX-Request": "true"})

    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="list-tools-invoice" hx-swap-oob="true"' in body
    assert "status=issued&amp;format=csv" in body
