"""Exports of every list: the list's own filters, only what the user may see, the export
permission, and the three formats (CSV, CSV for Excel, XLSX) with headers in the user's language."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from accord.activities import services as activities
from accord.core import importers
from accord.identity.models import Role
from accord.sales.models import LeadSource, LeadStatus, Product
from accord.sales.services import leads, products
from accord.sales.services import quotes as quote_services
from accord.sales.tests.test_quotes import make_deal


def rows_of(response: Any) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def exporting_reps(db):
    Role.objects.filter(code=Role.SALES_REP).update(can_export=True)


# --- the shared download -------------------------------------------------------------------------------


def test_csv_for_excel_and_xlsx_in_the_users_language(login, manager, owner):
    leads.create_lead(actor=owner, data={"first_name": "Grzegorz", "last_name": "Gżegżółka", "message": "=1+2"})
    manager.language = "pl"
    manager.save(update_fields=["language"])
    client = login(manager)

    with translation.override("en"):  # the requests activate Polish in this thread; this puts English back
        excel = client.get(reverse("sales:lead-export"), {"format": "csv_excel"})
        workbook = client.get(reverse("sales:lead-export"), {"format": "xlsx"})

    body = b"".join(excel.streaming_content)
    assert body.startswith("\ufeffID;Imię;Nazwisko;Firma;Stanowisko;E-mail;Telefon;Źródło;Status".encode())
    assert ";Grzegorz;Gżegżółka;" in body.decode("utf-8-sig")
    assert excel["Content-Disposition"].startswith('attachment; filename="leads-')
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    header = [c.value for c in sheet[1]]
    message = sheet[2][header.index("Wiadomość")]
    assert (message.value, message.data_type) == ("=1+2", "s")


def test_the_screens_export_writes_labels_and_local_times_which_an_import_reads_back(login, manager, owner, settings):
    settings.TIME_ZONE = "Europe/Warsaw"
    lead = leads.create_lead(
        actor=owner,
        data={"last_name": "Wójcik", "email": "zofia@example.pl", "source": "referral", "status": "qualified"},
    )
    manager.language = "pl"
    manager.save(update_fields=["language"])
    client = login(manager)

    with translation.override("en"):
        excel = client.get(reverse("sales:lead-export"), {"format": "csv_excel"})
        workbook = client.get(reverse("sales:lead-export"), {"format": "xlsx"})

    row = next(csv.DictReader(io.StringIO(b"".join(excel.streaming_content).decode("utf-8-sig")), delimiter=";"))
    with translation.override("pl"):
        assert (row["Źródło"], row["Status"]) == (str(LeadSource.REFERRAL.label), str(LeadStatus.QUALIFIED.label))
    assert row["Źródło"] != "referral"
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    header = [c.value for c in sheet[1]]
    received = sheet[2][len(header) - 1]  # the last column: when the lead came in
    assert received.data_type == "d"
    assert received.value == timezone.localtime(lead.created_at).replace(tzinfo=None, second=0, microsecond=0)

    with translation.override("en"):  # read back on an English screen
        importer = importers.get("leads")
        assert importer is not None
        mapping = importer.propose(list(row), None)
        report = importer.run([(2, row)], mapping, actor=owner, owner=owner)

    assert (report.unchanged, report.failed, report.errors) == (1, 0, [])


@pytest.mark.parametrize("fmt", ["csv", "csv_excel", "xlsx"])
def test_an_export_sends_back_the_pages_token_so_the_menu_knows_the_download_started(login, manager, owner, fmt):
    leads.create_lead(actor=owner, data={"last_name": "Wójcik"})
    client = login(manager)

    asked = client.get(reverse("sales:lead-export"), {"format": fmt, "status": "new", "download_token": "abc123XYZ"})
    plain = client.get(reverse("sales:lead-export"), {"format": fmt})
    forged = client.get(reverse("sales:lead-export"), {"format": fmt, "download_token": "<script>"})

    assert asked.status_code == 200
    assert asked.cookies["accord_download"].value == "abc123XYZ"
    assert asked.cookies["accord_download"]["max-age"] == 120
    assert "accord_download" not in plain.cookies
    assert "accord_download" not in forged.cookies


def test_an_unknown_format_is_a_bad_request(login, manager):
    assert login(manager).get(reverse("sales:lead-export"), {"format": "pdf"}).status_code == 400


# --- leads ----------------------------------------------------------------------------------------------


def test_the_lead_export_honours_the_lists_filters_and_scope(login, manager, owner, outsider):
    leads.create_lead(actor=owner, data={"last_name": "Qualified", "status": "qualified"})
    leads.create_lead(actor=owner, data={"last_name": "New"})
    leads.create_lead(actor=outsider, data={"last_name": "South", "status": "qualified"})
    client = login(manager)

    everything = rows_of(client.get(reverse("sales:lead-export")))
    qualified = rows_of(client.get(reverse("sales:lead-export"), {"status": "qualified"}))
    searched = rows_of(client.get(reverse("sales:lead-export"), {"q": "new"}))

    assert sorted(r["Last name"] for r in everything) == ["New", "Qualified"]
    assert [r["Last name"] for r in qualified] == ["Qualified"]
    assert [r["Last name"] for r in searched] == ["New"]


def test_users_without_the_export_permission_are_refused(login, owner):
    for name in ("sales:lead-export", "sales:quote-export", "sales:product-export"):
        assert login(owner).get(reverse(name)).status_code == 403
    for name in ("activities:task-export", "activities:interaction-export"):
        assert login(owner).get(reverse(name)).status_code == 403


# --- quotes ---------------------------------------------------------------------------------------------


def test_the_quote_export_lists_the_quotes_of_visible_deals_with_the_lists_filters(login, manager, owner, outsider):
    draft = quote_services.create_from_deal(actor=owner, deal=make_deal(owner))
    sent = quote_services.send(
        actor=owner, quote=quote_services.create_from_deal(actor=owner, deal=make_deal(owner)), to="a@example.com"
    )
    quote_services.create_from_deal(actor=outsider, deal=make_deal(outsider))
    client = login(manager)

    everything = rows_of(client.get(reverse("sales:quote-export")))
    only_sent = rows_of(client.get(reverse("sales:quote-export"), {"status": "sent"}))

    assert sorted(r["Number"] for r in everything) == sorted([draft.number, sent.number])
    assert [(r["Number"], r["Status"], r["Gross"], r["Owner"]) for r in only_sent] == [
        (sent.number, "sent", "2320.88", "owner")
    ]


# --- products -------------------------------------------------------------------------------------------


def test_the_product_export_has_the_catalogue_with_its_prices_and_filters(login, admin_user, manager):
    products.create_product(
        actor=admin_user,
        data={"sku": "W-1", "name": "Welder", "category": "Tools", "prices": [{"currency": "PLN", "price": "100"}]},
    )
    products.create_product(
        actor=admin_user,
        data={"sku": "H-1", "name": "Helmet", "category": "Safety", "prices": [{"currency": "EUR", "price": "9.5"}]},
    )
    Product.objects.filter(sku="H-1").update(active=False)
    client = login(manager)

    tools = rows_of(client.get(reverse("sales:product-export"), {"category": "Tools"}))
    inactive = rows_of(client.get(reverse("sales:product-export"), {"active": "false"}))

    assert [(r["SKU"], r["Name"], r["Prices"], r["Active"]) for r in tools] == [("W-1", "Welder", "100.00 PLN", "true")]
    assert [r["SKU"] for r in inactive] == ["H-1"]


# --- tasks and interactions ------------------------------------------------------------------------------


def test_the_task_export_starts_from_the_lists_defaults(login, owner, teammate, outsider, exporting_reps):
    due = timezone.now() + datetime.timedelta(days=1)
    activities.create_task(actor=owner, data={"title": "Mine, open", "due_at": due})
    done = activities.create_task(actor=owner, data={"title": "Mine, done"})
    activities.complete_task(actor=owner, task=done)
    activities.create_task(actor=teammate, data={"title": "Teammate's"})
    activities.create_task(actor=outsider, data={"title": "Outsider's"})
    client = login(owner)

    mine = rows_of(client.get(reverse("activities:task-export")))
    team = rows_of(client.get(reverse("activities:task-export"), {"all": "1"}))
    finished = rows_of(client.get(reverse("activities:task-export"), {"status": "done"}))

    assert [r["Title"] for r in mine] == ["Mine, open"]
    assert sorted(r["Title"] for r in team) == ["Mine, open", "Teammate's"]
    assert [(r["Title"], r["Owner"]) for r in finished] == [("Mine, done", "owner")]


def test_the_interaction_export_honours_channel_and_scope(login, owner, outsider, make_contact, exporting_reps):
    mine = make_contact(owner, first_name="Anna", last_name="Nowak")
    theirs = make_contact(outsider, first_name="Jan", last_name="Lis")
    activities.log_interaction(actor=owner, data={"channel": "phone", "contact": mine, "subject": "Call"})
    activities.log_interaction(actor=owner, data={"channel": "note", "contact": mine, "subject": "Note"})
    activities.log_interaction(actor=outsider, data={"channel": "phone", "contact": theirs, "subject": "Hidden"})
    client = login(owner)

    calls = rows_of(client.get(reverse("activities:interaction-export"), {"channel": "phone"}))
    everything = rows_of(client.get(reverse("activities:interaction-export")))

    assert [(r["Subject"], r["Channel"], r["Contact"], r["Author"]) for r in calls] == [
        ("Call", "phone", "Anna Nowak", "owner")
    ]
    assert sorted(r["Subject"] for r in everything) == ["Call", "Note"]
