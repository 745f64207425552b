"""Who sees deals' and quotes' amounts: the role's "sees amounts" rule on every screen, export and
API endpoint that shows money, and in the sorts and filters that could give an amount away.

A marketer (no amounts by default) and a sales rep (amounts) look at the same deals; the amounts
are odd enough (73 519, 48 211) that finding their digits anywhere in a page means they leaked.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from accord.identity.models import Role
from accord.sales.models import Deal, Pipeline, Quote, Stage
from accord.sales.services import deals
from accord.sales.services import quotes as quote_services

BIG = D("73519")  # the first deal's amount
SMALL = D("48211")  # the second's
LINE_PRICE = D("8129.37")  # a product line's unit price (the third deal)


def leaked(html: str, amount: D) -> bool:
    """Whether ``amount``'s digits appear in ``html`` in any notation (73,519.00 / 73 519 / 73519)."""
    digits = str(int(amount))
    flat = re.sub(r"[\s,.\u00a0\u202f']", "", html)
    return digits in flat


def stage(name: str) -> Stage:
    return Stage.objects.get(pipeline__is_default=True, name=name)


@pytest.fixture
def marketer(make_user):
    return make_user(Role.MARKETER, [], username="marketer")


@pytest.fixture
def company(owner, make_company):
    return make_company(owner, name="Orzeł Sp. z o.o.")


@pytest.fixture
def two_deals(owner, company):
    """The rep's two open deals, the bigger one made first (so the default order, newest first,
    differs from the order by amount)."""
    big = deals.create_deal(
        actor=owner,
        data={"name": "Big roll-out", "amount": BIG, "currency": "PLN", "company": company},
        stage=stage("Qualification"),
    )
    small = deals.create_deal(
        actor=owner,
        data={"name": "Small pilot", "amount": SMALL, "currency": "PLN", "company": company},
        stage=stage("Proposal"),
    )
    return big, small


@pytest.fixture
def priced_deal(owner, company):
    lines = [{"description": "Licence", "quantity": "1", "unit_price": str(LINE_PRICE), "vat_rate": "23"}]
    return deals.create_deal(actor=owner, data={"name": "Priced", "company": company, "lines": lines})


@pytest.fixture
def quote(owner, priced_deal):
    return quote_services.create_from_deal(actor=owner, deal=priced_deal)


# --- the rule ---------------------------------------------------------------------------------------


def test_default_roles_see_amounts_as_the_policy_says(db):
    seen = dict(Role.objects.values_list("code", "sees_amounts"))

    assert seen == {
        "admin": True,
        "manager": True,
        "sales_rep": True,
        "read_only": True,
        "support_agent": False,
        "marketer": False,
        # Customers and partners see the amounts of their own quotes and invoices in the portal;
        # the staff policy shows them no record at all.
        "portal_customer": True,
        "partner": True,
    }


def test_a_role_screen_switches_amounts_on_and_the_role_list_says_so(login, admin_user, marketer):
    role = Role.objects.get(code=Role.MARKETER)
    form = {
        "name": role.name,
        "visibility": role.visibility,
        "edit_reach": role.edit_reach,
        "delete_reach": role.delete_reach,
        "can_create": "on",
        "can_export": "on",
        "sees_amounts": "on",
    }
    client = login(admin_user)

    page = client.get(reverse("identity:access-role", args=[role.pk]))
    response = client.post(reverse("identity:access-role", args=[role.pk]), form)

    assert 'name="sees_amounts"' in page.content.decode()
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.sees_amounts is True
    assert "Amounts" in client.get(reverse("identity:access-roles")).content.decode()

    del form["sees_amounts"]
    client.post(reverse("identity:access-role", args=[role.pk]), form)

    role.refresh_from_db()
    assert role.sees_amounts is False


def test_a_custom_role_with_amounts_switched_on_sees_them(make_user, api, two_deals, team_north):
    role = Role.objects.create(code="analyst", name="Analyst", visibility="all", edit_reach="none", sees_amounts=True)
    analyst = make_user("analyst", [team_north])
    big, _small = two_deals

    body = api(analyst).get(f"/deals/{big.pk}").json()

    assert role.users.count() == 1
    assert D(body["amount"]) == BIG


# --- screens ----------------------------------------------------------------------------------------


def test_deal_list_shows_amounts_to_the_rep_only(login, owner, marketer, two_deals):
    rep_html = login(owner).get(reverse("sales:deal-list")).content.decode()
    marketer_html = login(marketer).get(reverse("sales:deal-list")).content.decode()

    assert leaked(rep_html, BIG)
    assert leaked(rep_html, SMALL)
    assert "Big roll-out" in marketer_html
    assert "Small pilot" in marketer_html
    assert not leaked(marketer_html, BIG)
    assert not leaked(marketer_html, SMALL)
    assert 'name="amount_min"' in rep_html
    assert 'name="amount_min"' not in marketer_html


def test_board_hides_card_amounts_and_column_sums_but_keeps_the_counts(login, owner, marketer, two_deals):
    pipeline = Pipeline.objects.get(is_default=True)

    rep_html = login(owner).get(reverse("sales:board")).content.decode()
    marketer_html = login(marketer).get(reverse("sales:board")).content.decode()
    totals_html = login(marketer).get(reverse("sales:board-totals", args=[pipeline.pk])).content.decode()

    assert leaked(rep_html, BIG)
    assert "in the pipeline" in rep_html
    assert "Big roll-out" in marketer_html
    assert "2 open deals" in re.sub(r"<[^>]+>", "", marketer_html)
    assert "deal-card-amount" not in marketer_html
    assert "in the pipeline" not in marketer_html
    assert "weighted by probability" not in marketer_html
    assert not leaked(marketer_html, BIG)
    assert not leaked(marketer_html, SMALL)
    assert not leaked(totals_html, BIG + SMALL)
    assert not leaked(totals_html, BIG)


def test_deal_page_hides_amount_weighted_amount_and_line_prices(login, owner, marketer, two_deals, priced_deal):
    big, _small = two_deals

    rep_html = login(owner).get(reverse("sales:deal-detail", args=[big.pk])).content.decode()
    marketer_html = login(marketer).get(reverse("sales:deal-detail", args=[big.pk])).content.decode()
    marketer_lines = login(marketer).get(reverse("sales:deal-detail", args=[priced_deal.pk])).content.decode()

    assert leaked(rep_html, BIG)
    assert "Big roll-out" in marketer_html
    assert not leaked(marketer_html, BIG)
    assert "Licence" in marketer_lines
    assert not leaked(marketer_lines, LINE_PRICE)
    assert reverse("sales:deal-line-add", args=[priced_deal.pk]) not in marketer_lines


def test_deal_form_offers_no_amount_to_the_marketer_and_keeps_the_amount_on_save(login, marketer, two_deals):
    big, _small = two_deals
    client = login(marketer)

    form_html = client.get(reverse("sales:deal-edit", args=[big.pk])).content.decode()
    response = client.post(
        reverse("sales:deal-edit", args=[big.pk]),
        {"name": "Big roll-out, phase 1", "currency": "PLN", "version": big.version, "amount": "1"},
    )

    assert 'name="amount"' not in form_html
    assert not leaked(form_html, BIG)
    assert response.status_code == 302
    big.refresh_from_db()
    assert (big.name, big.amount) == ("Big roll-out, phase 1", BIG)


def test_company_page_deals_panel_hides_amounts(login, owner, marketer, company, two_deals):
    url = reverse("people:company-detail", args=[company.pk])

    rep_html = login(owner).get(url).content.decode()
    marketer_html = login(marketer).get(url).content.decode()

    assert leaked(rep_html, BIG)
    assert "Big roll-out" in marketer_html
    assert not leaked(marketer_html, BIG)
    assert not leaked(marketer_html, SMALL)


def test_search_results_leave_the_amount_out(login, owner, marketer, two_deals):
    from accord.core.global_search import search_all

    rep_hits = search_all(owner, "roll-out")
    marketer_hits = search_all(marketer, "roll-out")

    assert leaked(repr(rep_hits), BIG)
    assert "Big roll-out" in repr(marketer_hits)
    assert not leaked(repr(marketer_hits), BIG)


def test_quote_list_and_page_hide_amounts_and_the_pdf_is_refused(login, owner, marketer, quote):
    client = login(marketer)

    list_html = client.get(reverse("sales:quote-list")).content.decode()
    page_html = client.get(reverse("sales:quote-detail", args=[quote.pk])).content.decode()
    pdf = client.get(reverse("sales:quote-pdf", args=[quote.pk]))
    rep_page = login(owner).get(reverse("sales:quote-detail", args=[quote.pk])).content.decode()

    assert quote.label in list_html
    assert not leaked(list_html, LINE_PRICE)
    assert "Licence" in page_html
    assert not leaked(page_html, LINE_PRICE)
    assert reverse("sales:quote-pdf", args=[quote.pk]) not in page_html
    assert pdf.status_code == 403
    assert leaked(rep_page, LINE_PRICE)
    assert login(owner).get(reverse("sales:quote-pdf", args=[quote.pk])).status_code == 200


def test_a_marketer_may_not_make_a_quote(marketer, priced_deal):
    from accord.core.access import AccessDenied

    with pytest.raises(AccessDenied):
        quote_services.create_from_deal(actor=marketer, deal=priced_deal)

    assert not Quote.objects.filter(deal=priced_deal).exists()


def test_dashboard_keeps_counts_without_amounts_and_the_forecast_is_refused(login, api, owner, marketer, two_deals):
    client = login(marketer)

    dashboard = client.get(reverse("sales:dashboard"))
    forecast = client.get(reverse("sales:forecast"))
    api_forecast = api(marketer).get("/sales/forecast")
    metrics = api(marketer).get("/sales/metrics").json()

    html = dashboard.content.decode()
    assert dashboard.status_code == 200
    assert "Win rate" in html
    assert "Weighted forecast" not in html
    assert "Pipeline in the period" not in html
    assert forecast.status_code == 403
    assert api_forecast.status_code == 403
    assert (metrics["won_amount"], metrics["lost_amount"]) == (None, None)
    assert api(owner).get("/sales/forecast").status_code == 200
    assert login(owner).get(reverse("sales:forecast")).status_code == 200


# --- exports ----------------------------------------------------------------------------------------


def _csv_rows(response) -> list[dict[str, str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_deal_export_leaves_the_amount_columns_out(login, marketer, manager, two_deals, team_north):
    marketer_rows = _csv_rows(login(marketer).get(reverse("sales:deal-export"), {"format": "csv"}))
    manager_rows = _csv_rows(login(manager).get(reverse("sales:deal-export"), {"format": "csv"}))

    assert {r["Name"] for r in marketer_rows} == {"Big roll-out", "Small pilot"}
    assert "Amount" not in marketer_rows[0]
    assert "Weighted amount" not in marketer_rows[0]
    assert not any(leaked(",".join(r.values()), BIG) for r in marketer_rows)
    assert {D(r["Amount"]) for r in manager_rows} == {BIG, SMALL}


def test_quote_export_leaves_the_totals_out(login, marketer, quote):
    rows = _csv_rows(login(marketer).get(reverse("sales:quote-export"), {"format": "csv"}))

    assert [r["Number"] for r in rows] == [quote.number]
    assert not {"Net", "VAT", "Gross"} & set(rows[0])


# --- the API ----------------------------------------------------------------------------------------


def test_api_gives_the_marketer_null_amounts_and_the_rep_the_figures(api, owner, marketer, priced_deal, quote):
    rep_deal = api(owner).get(f"/deals/{priced_deal.pk}").json()
    deal = api(marketer).get(f"/deals/{priced_deal.pk}").json()
    listed = api(marketer).get("/deals").json()["items"]
    quote_body = api(marketer).get(f"/quotes/{quote.pk}").json()
    quotes_listed = api(marketer).get("/quotes").json()["items"]

    assert D(rep_deal["amount"]) == LINE_PRICE
    assert D(rep_deal["lines"][0]["unit_price"]) == LINE_PRICE
    assert (deal["amount"], deal["weighted_amount"], deal["lines_total"]) == (None, None, None)
    assert (deal["lines"][0]["unit_price"], deal["lines"][0]["net"], deal["lines"][0]["gross"]) == (None, None, None)
    assert all(item["amount"] is None for item in listed)
    assert (quote_body["net_total"], quote_body["vat_total"], quote_body["gross_total"]) == (None, None, None)
    assert quote_body["vat_by_rate"] == []
    assert quote_body["lines"][0]["unit_price"] is None
    assert quotes_listed[0]["gross_total"] is None
    assert not leaked(str(deal) + str(quote_body), LINE_PRICE)
    assert api(marketer).get(f"/quotes/{quote.pk}/pdf").status_code == 403


def test_api_refuses_an_amount_from_the_marketer_naming_the_field(api, marketer, two_deals):
    big, _small = two_deals
    client = api(marketer)

    patched = client.patch(f"/deals/{big.pk}", {"amount": "1.00"})
    lines = client.patch(f"/deals/{big.pk}", {"lines": [{"description": "x", "unit_price": "5"}]})
    created = client.post("/deals", {"name": "Mine", "amount": "10"})
    echoed = client.patch(f"/deals/{big.pk}", {"amount": None, "next_step": "Call"})

    assert patched.status_code == 422
    assert "amount" in patched.json()["errors"]
    assert lines.status_code == 422
    assert "lines" in lines.json()["errors"]
    assert created.status_code == 422
    assert "amount" in created.json()["errors"]
    assert not Deal.objects.filter(name="Mine").exists()
    assert echoed.status_code == 200
    assert echoed.json()["amount"] is None
    big.refresh_from_db()
    assert (big.amount, big.next_step) == (BIG, "Call")


def test_api_refuses_sorting_and_filtering_by_amount_to_the_marketer(api, owner, marketer, two_deals):
    _big, _small = two_deals

    by_amount = api(owner).get("/deals", {"sort": "-amount"}).json()["items"]
    filtered = api(owner).get("/deals", {"amount_min": "50000"}).json()["items"]
    sorted_refused = api(marketer).get("/deals", {"sort": "amount"})
    filter_refused = api(marketer).get("/deals", {"amount_min": "50000"})
    quote_sort = api(marketer).get("/quotes", {"sort": "-gross"})

    assert [d["name"] for d in by_amount] == ["Big roll-out", "Small pilot"]
    assert [d["name"] for d in filtered] == ["Big roll-out"]
    assert sorted_refused.status_code == 400
    assert "sort" in sorted_refused.json()["errors"]
    assert filter_refused.status_code == 400
    assert "amount_min" in filter_refused.json()["errors"]
    assert quote_sort.status_code == 400
    assert "sort" in quote_sort.json()["errors"]


def test_the_list_screen_ignores_an_amount_sort_and_filter_from_the_marketer(login, marketer, two_deals):
    _big, _small = two_deals
    client = login(marketer)

    default = client.get(reverse("sales:deal-list")).content.decode()
    ascending = client.get(reverse("sales:deal-list"), {"sort": "amount"}).content.decode()
    descending = client.get(reverse("sales:deal-list"), {"sort": "-amount"}).content.decode()
    filtered = client.get(reverse("sales:deal-list"), {"amount_min": "50000"}).content.decode()

    def order(html: str) -> list[str]:
        return list(re.findall(r"(Big roll-out|Small pilot)</a>", html))

    assert order(ascending) == order(descending) == order(default) == ["Small pilot", "Big roll-out"]
    assert "Small pilot" in filtered
    assert "Big roll-out" in filtered


def test_the_marketer_may_not_give_a_converted_lead_an_amount(marketer):
    from django.core.exceptions import ValidationError

    from accord.sales.models import Lead
    from accord.sales.services import leads

    lead = leads.create_lead(actor=marketer, data={"first_name": "Ala", "last_name": "Nowak", "company_name": "Nowak"})

    with pytest.raises(ValidationError) as caught:
        leads.convert_lead(actor=marketer, lead=lead, create_deal=True, deal_name="From lead", amount=D("5"))

    assert "amount" in caught.value.message_dict
    assert Lead.objects.get(pk=lead.pk).status != "converted"
    assert not Deal.objects.filter(name="From lead").exists()


def test_the_line_form_is_refused_to_the_marketer(login, owner, marketer, priced_deal):
    url = reverse("sales:deal-line-edit", args=[priced_deal.pk, 0])

    refused = login(marketer).get(url)
    posted = login(marketer).post(url, {"description": "Cheap", "quantity": "1", "unit_price": "1"})

    assert refused.status_code == 403
    assert not leaked(refused.content.decode(), LINE_PRICE)
    assert posted.status_code == 403
    assert login(owner).get(url).status_code == 200
    priced_deal.refresh_from_db()
    assert priced_deal.amount == LINE_PRICE


def test_a_deals_history_leaves_amount_changes_out_for_the_marketer(login, owner, marketer, two_deals):
    big, _small = two_deals
    deals.update_deal(actor=owner, deal=big, data={"amount": D("91377"), "next_step": "Sign"})
    url = reverse("sales:deal-history", args=[big.pk])

    rep_html = login(owner).get(url).content.decode()
    marketer_html = login(marketer).get(url).content.decode()

    assert leaked(rep_html, D("91377"))
    assert "Sign" in marketer_html
    assert not leaked(marketer_html, D("91377"))
    assert not leaked(marketer_html, BIG)


def test_the_rep_pages_through_deals_by_amount(api, owner, two_deals):
    first = api(owner).get("/deals", {"sort": "-amount", "limit": 1}).json()
    second = api(owner).get("/deals", {"sort": "-amount", "limit": 1, "cursor": first["next_cursor"]}).json()

    assert [d["name"] for d in first["items"]] == ["Big roll-out"]
    assert [d["name"] for d in second["items"]] == ["Small pilot"]
