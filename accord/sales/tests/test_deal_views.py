"""The deal screens: the list and its export, a deal's page, its form, lines, winning, losing and the
access matrix (owner, teammate, other team, read-only, anonymous)."""

import datetime
import decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accord.activities import services as activities
from accord.activities.models import Interaction
from accord.core.models import AuditEntry
from accord.sales.models import Deal, DealLine, LostReason, Pipeline, Stage
from accord.sales.services import deals, products

D = decimal.Decimal


def stage(name):
    return Stage.objects.get(pipeline__is_default=True, name=name)


def make_deal(actor, name="Acme roll-out", amount="1000", **data):
    data.setdefault("currency", "PLN")
    return deals.create_deal(actor=actor, data={"name": name, "amount": D(amount), **data})


@pytest.fixture
def widget(admin_user):
    return products.create_product(
        actor=admin_user,
        data={
            "sku": "W-1",
            "name": "Widget",
            "unit": "pcs",
            "vat_rate": "23",
            "prices": [{"currency": "PLN", "price": "100"}],
        },
    )


# --- create and edit ----------------------------------------------------------------------------------


def test_creating_a_deal_from_the_form(login, owner, make_company):
    acme = make_company(owner, name="Acme")

    response = login(owner).post(
        "/sales/deals/new/",
        {
            "name": "Acme roll-out",
            "amount": "12000",
            "currency": "pln",
            "expected_close": "2026-09-30",
            "stage": stage("Proposal").pk,
            "deal-company": acme.pk,
            "next_step": "Send the offer",
        },
    )

    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/sales/deals/{deal.pk}/"
    assert (deal.name, deal.amount, deal.currency, deal.company, deal.owner) == (
        "Acme roll-out",
        D("12000"),
        "PLN",
        acme,
        owner,
    )
    assert (deal.stage.name, deal.probability, deal.expected_close) == ("Proposal", 50, datetime.date(2026, 9, 30))


def test_form_errors_are_shown_per_field_and_nothing_is_stored(login, owner):
    response = login(owner).post("/sales/deals/new/", {"name": "", "amount": "-5", "currency": "PLN"})

    page = response.content.decode()
    assert response.status_code == 422
    assert "This field is required." in page
    assert "Ensure this value is greater than or equal to 0." in page
    assert not Deal.objects.exists()


def test_a_stage_must_belong_to_the_chosen_pipeline(login, owner):
    other = Pipeline.objects.create(name="Renewals")

    response = login(owner).post(
        "/sales/deals/new/", {"name": "X", "currency": "PLN", "pipeline": other.pk, "stage": stage("Proposal").pk}
    )

    assert response.status_code == 422
    assert "That stage belongs to another pipeline." in response.content.decode()
    assert not Deal.objects.exists()


def test_a_company_out_of_sight_cannot_be_linked(login, owner, outsider, make_company):
    hidden = make_company(outsider, name="Hidden Ltd")

    response = login(owner).post("/sales/deals/new/", {"name": "X", "currency": "PLN", "deal-company": hidden.pk})

    assert response.status_code == 422
    assert "No such company." in response.content.decode()
    assert not Deal.objects.exists()


def test_editing_keeps_the_version_and_refuses_a_stale_form(login, owner, teammate):
    deal = make_deal(owner)
    client = login(owner)
    form = client.get(f"/sales/deals/{deal.pk}/edit/")
    deals.update_deal(actor=teammate, deal=deal, data={"next_step": "Call back"})

    stale = client.post(
        f"/sales/deals/{deal.pk}/edit/",
        {"name": "Renamed", "currency": "PLN", "amount": "1000", "version": form.context["form"].initial["version"]},
    )
    deal.refresh_from_db()

    assert stale.status_code == 422
    assert deal.name == "Acme roll-out"
    fresh = client.post(
        f"/sales/deals/{deal.pk}/edit/",
        {"name": "Renamed", "currency": "PLN", "amount": "1000", "version": deal.version},
    )
    deal.refresh_from_db()
    assert fresh.status_code == 302
    assert deal.name == "Renamed"


def test_new_deal_from_a_contact_links_the_contact(login, owner, make_contact):
    ola = make_contact(owner, first_name="Ola", last_name="Lis")
    client = login(owner)

    form = client.get(f"/sales/deals/new/?contact={ola.pk}")
    client.post("/sales/deals/new/", {"name": "Ola's order", "currency": "PLN", "contact": ola.pk})

    assert "With Ola Lis" in form.content.decode()
    assert list(Deal.objects.get().contacts.all()) == [ola]


def test_deleting_a_deal(login, owner):
    deal = make_deal(owner)

    response = login(owner).post(f"/sales/deals/{deal.pk}/delete/", {"version": deal.version})

    assert response.status_code == 302
    assert not Deal.objects.exists()
    assert AuditEntry.objects.filter(object_id=deal.pk, action="delete").exists()


# --- winning and losing ---------------------------------------------------------------------------------


def test_winning_and_losing_from_the_deal_page(login, owner):
    won = make_deal(owner, "Won one")
    lost = make_deal(owner, "Lost one")
    client = login(owner)
    reason = LostReason.objects.get(name="No budget")

    client.post(f"/sales/deals/{won.pk}/win/", {"version": won.version})
    missing = client.post(f"/sales/deals/{lost.pk}/lose/", {"version": lost.version})
    client.post(f"/sales/deals/{lost.pk}/lose/", {"version": lost.version, "reason": reason.pk, "note": "Frozen"})

    won.refresh_from_db()
    lost.refresh_from_db()
    assert (won.status, won.stage.name, won.probability) == ("won", "Won", 100)
    assert missing.status_code == 422
    assert (lost.status, lost.lost_reason, lost.lost_note) == ("lost", reason, "Frozen")


# --- product lines --------------------------------------------------------------------------------------


def test_adding_a_product_line_takes_the_price_list_price_and_sets_the_amount(login, owner, widget):
    deal = make_deal(owner, amount="0")
    client = login(owner)

    price = client.get(f"/sales/deals/{deal.pk}/lines/price/?product={widget.pk}").json()
    client.post(f"/sales/deals/{deal.pk}/lines/new/", {"product": widget.pk, "quantity": "3", "version": deal.version})
    deal.refresh_from_db()
    client.post(
        f"/sales/deals/{deal.pk}/lines/new/",
        {
            "description": "Installation",
            "quantity": "1",
            "unit_price": "250",
            "discount_percent": "10",
            "vat_rate": "8",
            "version": deal.version,
        },
    )

    deal.refresh_from_db()
    lines = list(deal.lines.all())
    assert price == {"unit_price": "100.00", "vat_rate": "23.00", "description": "Widget", "currency": "PLN"}
    assert [(ln.description, ln.quantity, ln.unit_price, ln.vat_rate) for ln in lines] == [
        ("Widget", D("3"), D("100"), D("23")),
        ("Installation", D("1"), D("250"), D("8")),
    ]
    assert deal.amount == D("525.00")
    page = client.get(f"/sales/deals/{deal.pk}/").content.decode()
    assert "Gross" in page
    assert "612.00" in page  # 525.00 net + 69.00 VAT at 23% + 18.00 VAT at 8%


def test_editing_and_removing_a_line(login, owner, widget):
    deal = make_deal(
        owner, amount="0", lines=[{"product": widget, "quantity": 1}, {"description": "Setup", "unit_price": "50"}]
    )
    client = login(owner)

    client.post(
        f"/sales/deals/{deal.pk}/lines/0/",
        {"product": widget.pk, "quantity": "4", "unit_price": "90", "version": deal.version},
    )
    deal.refresh_from_db()
    client.post(f"/sales/deals/{deal.pk}/lines/1/remove/", {"version": deal.version})

    deal.refresh_from_db()
    assert [(ln.description, ln.quantity, ln.unit_price) for ln in deal.lines.all()] == [("Widget", D("4"), D("90"))]
    assert deal.amount == D("360.00")


def test_a_bad_line_shows_its_error_and_stores_nothing(login, owner):
    deal = make_deal(owner)

    response = login(owner).post(f"/sales/deals/{deal.pk}/lines/new/", {"quantity": "1", "version": deal.version})

    assert response.status_code == 422
    assert "Describe the line or choose a product." in response.content.decode()
    assert not DealLine.objects.exists()


# --- the deal page ----------------------------------------------------------------------------------------


def test_deal_page_shows_stage_bar_history_and_quotes_section(login, owner, make_company):
    deal = make_deal(owner, company=make_company(owner, name="Acme"))
    deals.move_deal(actor=owner, deal=deal, stage=stage("Proposal"))

    page = login(owner).get(f"/sales/deals/{deal.pk}/").content.decode()

    assert 'aria-current="step"' in page
    assert "Qualification → <strong>Proposal</strong>" in page
    assert "Acme" in page
    assert f"/sales/deals/{deal.pk}/history/" in page


def test_logging_a_call_on_the_deal_puts_it_on_the_deal_and_company_timelines(login, owner, make_company):
    acme = make_company(owner, name="Acme")
    deal = make_deal(owner, company=acme)
    client = login(owner)

    response = client.post(
        f"/sales/deals/{deal.pk}/log/",
        {"channel": "phone", "direction": "out", "subject": "Talked budget", "outcome": "connected"},
    )

    interaction = Interaction.objects.get()
    deal.refresh_from_db()
    assert response.status_code == 302
    assert (interaction.company, interaction.related_id, interaction.author) == (acme, deal.pk, owner)
    assert deal.last_activity_at == interaction.occurred_at
    assert "Talked budget" in client.get(f"/sales/deals/{deal.pk}/").content.decode()


def test_deal_page_query_count_does_not_grow_with_lines_and_history(login, owner, widget, make_company, make_contact):
    small = make_deal(owner, company=make_company(owner), lines=[{"product": widget, "quantity": 1}])
    big = make_deal(
        owner,
        company=make_company(owner),
        contacts=[make_contact(owner) for _ in range(4)],
        lines=[{"product": widget, "quantity": i + 1} for i in range(8)],
    )
    for name in ("Needs analysis", "Proposal", "Negotiation", "Proposal"):
        deals.move_deal(actor=owner, deal=big, stage=stage(name))
    client = login(owner)
    client.get(f"/sales/deals/{small.pk}/")

    with CaptureQueriesContext(connection) as few:
        client.get(f"/sales/deals/{small.pk}/")
    with CaptureQueriesContext(connection) as many:
        client.get(f"/sales/deals/{big.pk}/")

    assert len(many) == len(few)


# --- the list and its export -------------------------------------------------------------------------------


def test_list_filters_sorts_and_pages_by_keyset(login, owner, settings):
    settings.ACCORD_PAGE_SIZE = 2
    for i, day in enumerate((5, 1, 3)):
        make_deal(owner, f"Deal {i}", expected_close=datetime.date(2026, 4, day))
    won = make_deal(owner, "Closed")
    deals.win_deal(actor=owner, deal=won)
    client = login(owner)

    first = client.get("/sales/deals/?status=open&sort=close")
    second = client.get("/sales/deals/?" + first.context["next_link"])

    assert [d.name for d in first.context["page"].items] == ["Deal 1", "Deal 2"]
    assert [d.name for d in second.context["page"].items] == ["Deal 0"]
    assert [d.name for d in client.get("/sales/deals/?status=won").context["page"].items] == ["Closed"]


def test_export_lists_what_the_user_may_see(login, manager, owner, outsider):
    make_deal(owner, "Mine", "1500")
    make_deal(outsider, "Theirs")

    refused = login(owner).get("/sales/deals/export/")  # sales reps may not export
    response = login(manager).get("/sales/deals/export/")
    body = b"".join(response.streaming_content).decode()
    xlsx = login(manager).get("/sales/deals/export/?format=xlsx")

    assert refused.status_code == 403
    assert "Mine" in body
    assert "1500.00" in body
    assert "Theirs" not in body
    assert body.splitlines()[0].startswith("ID,Name,Pipeline,Stage,Status,Amount")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


# --- the access matrix --------------------------------------------------------------------------------------


@pytest.fixture
def north_deal(owner, make_company):
    return make_deal(owner, "North deal", company=make_company(owner, name="North Ltd"))


def _pages(deal):
    return [
        f"/sales/deals/{deal.pk}/",
        f"/sales/deals/{deal.pk}/history/",
        f"/sales/deals/{deal.pk}/lines/price/",
    ]


def _writes(deal):
    return {
        f"/sales/deals/{deal.pk}/move/": {"stage": stage("Proposal").pk},
        f"/sales/deals/{deal.pk}/win/": {},
        f"/sales/deals/{deal.pk}/lose/": {"reason": LostReason.objects.first().pk},
        f"/sales/deals/{deal.pk}/edit/": {"name": "Hijacked", "currency": "PLN"},
        f"/sales/deals/{deal.pk}/delete/": {},
        f"/sales/deals/{deal.pk}/lines/new/": {"description": "X", "quantity": "1", "unit_price": "1"},
        f"/sales/deals/{deal.pk}/log/": {"channel": "phone", "subject": "Sneaky call"},
    }


def test_teammate_sees_and_may_move_the_deal(login, teammate, north_deal):
    client = login(teammate)

    assert all(client.get(url).status_code == 200 for url in _pages(north_deal))
    assert "North deal" in client.get("/sales/board/").content.decode()
    client.post(f"/sales/deals/{north_deal.pk}/move/", {"stage": stage("Proposal").pk})
    north_deal.refresh_from_db()
    assert north_deal.stage.name == "Proposal"


def test_other_team_sees_nothing_and_changes_nothing(login, outsider, north_deal):
    client = login(outsider)

    statuses = {url: client.get(url).status_code for url in _pages(north_deal)}
    write_statuses = {url: client.post(url, data).status_code for url, data in _writes(north_deal).items()}
    board = client.get("/sales/board/").content.decode()
    listing = client.get("/sales/deals/").content.decode()
    column = client.get(f"/sales/board/{north_deal.pipeline_id}/stages/{north_deal.stage_id}/").content.decode()
    totals = client.get(f"/sales/board/{north_deal.pipeline_id}/totals/").content.decode()

    north_deal.refresh_from_db()
    assert set(statuses.values()) == {404}
    assert set(write_statuses.values()) == {404}
    assert "North deal" not in board + listing + column
    assert "0 deals" in totals
    assert (north_deal.name, north_deal.stage.name, north_deal.version) == ("North deal", "Qualification", 1)
    assert not DealLine.objects.exists()
    assert not Interaction.objects.exists()


def test_read_only_user_sees_but_cannot_change(login, viewer, north_deal):
    client = login(viewer)

    page = client.get(f"/sales/deals/{north_deal.pk}/").content.decode()
    board = client.get("/sales/board/").content.decode()
    write_statuses = {url: client.post(url, data).status_code for url, data in _writes(north_deal).items()}
    fetch_move = client.post(
        f"/sales/deals/{north_deal.pk}/move/", {"stage": stage("Proposal").pk}, headers={"X-Requested-With": "fetch"}
    )

    north_deal.refresh_from_db()
    assert "North deal" in page
    assert "North deal" in board
    assert "Mark as won" not in page
    assert "data-move-form" not in board
    assert all(status in (302, 403) for status in write_statuses.values()), write_statuses
    assert fetch_move.status_code == 403
    assert (north_deal.name, north_deal.stage.name, north_deal.status) == ("North deal", "Qualification", "open")
    assert Deal.objects.filter(pk=north_deal.pk).exists()
    assert not DealLine.objects.exists()
    assert not Interaction.objects.exists()
    assert client.get("/sales/deals/new/").status_code == 403


def test_deal_page_shows_only_the_linked_contacts_and_calls_the_user_may_see(
    login, owner, outsider, admin_user, make_contact
):
    # Given a north deal naming a north contact and a south one, with a call logged on each
    vera = make_contact(owner, first_name="Vera", last_name="Visible")
    hanna = make_contact(outsider, first_name="Hanna", last_name="Hidden")
    deal = make_deal(admin_user, "Shared deal", owner=owner, team=owner.teams.get(), contacts=[vera, hanna])
    for contact, subject in ((vera, "Call with Vera"), (hanna, "Call with Hanna")):
        activities.log_interaction(
            actor=admin_user, data={"channel": "phone", "subject": subject, "contact": contact}, related=deal
        )

    # When the deal's owner opens it
    page = login(owner).get(f"/sales/deals/{deal.pk}/").content.decode()

    # Then the south contact and the call logged on her stay out of sight
    assert "Vera Visible" in page
    assert "Call with Vera" in page
    assert "Hanna Hidden" not in page
    assert "Call with Hanna" not in page
    # while an administrator, who sees everyone, sees both
    full = login(admin_user).get(f"/sales/deals/{deal.pk}/").content.decode()
    assert all(text in full for text in ("Hanna Hidden", "Call with Hanna", "Vera Visible", "Call with Vera"))


def test_logging_on_a_deal_skips_the_linked_contacts_out_of_sight(login, owner, outsider, admin_user, make_contact):
    hanna = make_contact(outsider, first_name="Hanna", last_name="Hidden")
    vera = make_contact(owner, first_name="Vera", last_name="Visible")
    deal = make_deal(admin_user, "Shared deal", owner=owner, team=owner.teams.get(), contacts=[hanna, vera])

    response = login(owner).post(
        f"/sales/deals/{deal.pk}/log/", {"channel": "phone", "direction": "out", "subject": "Budget"}
    )

    assert response.status_code == 302
    assert Interaction.objects.get().contact == vera


def test_anonymous_is_sent_to_log_in(north_deal):
    client = Client()

    urls = [*_pages(north_deal), "/sales/board/", "/sales/deals/", "/sales/deals/export/", "/sales/deals/new/"]
    responses = [client.get(url) for url in urls] + [
        client.post(url, data) for url, data in _writes(north_deal).items()
    ]

    north_deal.refresh_from_db()
    assert {r.status_code for r in responses} == {302}
    assert all("/login/" in r["Location"] for r in responses)
    assert north_deal.stage.name == "Qualification"


# --- the deals panel on the 360° pages -------------------------------------------------------------------------


def test_company_and_contact_pages_list_their_open_deals(login, owner, outsider, make_company, make_contact):
    acme = make_company(owner, name="Acme")
    ola = make_contact(owner, first_name="Ola", last_name="Lis")
    make_deal(owner, "Acme pilot", company=acme)
    make_deal(owner, "Ola's order", contacts=[ola])
    closed = make_deal(owner, "Acme old", company=acme)
    deals.win_deal(actor=owner, deal=closed)
    client = login(owner)

    company_page = client.get(f"/companies/{acme.pk}/").content.decode()
    contact_page = client.get(f"/contacts/{ola.pk}/").content.decode()

    assert "Acme pilot" in company_page
    assert "Acme old" not in company_page
    assert f"/sales/deals/new/?company={acme.pk}" in company_page
    assert "Ola&#x27;s order" in contact_page or "Ola's order" in contact_page


def test_a_new_deal_takes_its_companys_territory_unless_one_is_chosen(login, owner, make_company, territory_mazovia):
    acme = make_company(owner, name="Acme", territory=territory_mazovia)
    client = login(owner)

    client.post("/sales/deals/new/", {"name": "Follows", "currency": "PLN", "deal-company": acme.pk})

    assert Deal.objects.get(name="Follows").territory == territory_mazovia


def test_the_first_line_keeps_the_typed_amount_and_the_page_offers_the_lines_total(login, owner, widget):
    deal = make_deal(owner, amount="48000")
    client = login(owner)

    added = client.post(
        f"/sales/deals/{deal.pk}/lines/new/",
        {"product": widget.pk, "quantity": "3", "version": deal.version},
        follow=True,
    )
    deal.refresh_from_db()
    used = client.post(f"/sales/deals/{deal.pk}/amount-from-lines/", {"version": deal.version}, follow=True)

    page = added.content.decode()
    assert "The deal&#x27;s amount stays 48,000.00 PLN as typed; its lines add up to 300.00 PLN." in page
    assert "Use the lines' total (300.00 PLN)" in page
    assert "Use the lines' total" not in used.content.decode().split('id="lines"')[1].split("</section>")[0]
    deal.refresh_from_db()
    assert (deal.amount, deal.amount_source) == (D("300.00"), "lines")


def test_the_edit_form_switches_between_a_typed_amount_and_the_lines_total(login, owner, widget):
    deal = make_deal(owner, amount="0", lines=[{"product": widget, "quantity": "2"}])
    client = login(owner)
    form = {"name": deal.name, "currency": "PLN", "amount": "7000"}

    client.post(f"/sales/deals/{deal.pk}/edit/", {**form, "version": deal.version})
    deal.refresh_from_db()
    typed = (deal.amount, deal.amount_source)
    client.post(f"/sales/deals/{deal.pk}/edit/", {**form, "follow_lines": "on", "version": deal.version})

    deal.refresh_from_db()
    assert typed == (D("7000.00"), "manual")
    assert (deal.amount, deal.amount_source) == (D("200.00"), "lines")


def test_the_line_history_reads_amounts_quantities_and_vat_rates_as_the_lines_table(login, owner, widget):
    deal = make_deal(owner, lines=[{"product": widget, "quantity": "5", "unit_price": "1008"}])
    deals.update_deal(
        actor=owner,
        deal=deal,
        data={"lines": [{"product": widget, "quantity": "2.5", "unit_price": "5040", "discount_percent": "5"}]},
    )
    # Before lines were kept as mappings, the trail held text with raw decimals; it reads the same.
    AuditEntry.objects.create(
        action="update",
        entity="sales.deal",
        object_id=deal.pk,
        object_repr=deal.name,
        changes={"lines": [["Widget × 5.000 @ 1008.00"], ["Widget × 2.500 @ 5040.000000 -5.00% VAT 23.00%"]]},
    )

    english = login(owner).get(f"/sales/deals/{deal.pk}/history/").content.decode()
    owner.language = "pl"
    owner.save(update_fields=["language"])
    with translation.override("en"):  # the request activates Polish in this thread; this puts English back
        polish = login(owner).get(f"/sales/deals/{deal.pk}/history/").content.decode()

    assert "Widget [W-1] × 5 pcs @ 1,008.00, VAT 23%" in english
    assert "Widget [W-1] × 2.500 pcs @ 5,040.00, discount 5%, VAT 23%" in english
    assert "<del>Widget × 5 @ 1,008.00</del>" in english  # the older entry
    assert "Widget × 2.500 @ 5,040.00, discount 5%, VAT 23%" in english
    assert "5040.000000" not in english
    assert "0.23" not in english
    assert "Widget [W-1] × 2,500 szt. @ 5\xa0040,00, rabat 5%, VAT 23%" in polish.replace("&nbsp;", "\xa0")


def test_a_pipeline_is_named_lejek_sprzedazy_on_every_screen(login, owner):
    deal = make_deal(owner)
    owner.language = "pl"
    owner.save(update_fields=["language"])
    client = login(owner)

    with translation.override("en"):  # the requests activate Polish in this thread; this puts English back
        pages = {
            url: client.get(url).content.decode()
            for url in (
                f"/sales/deals/{deal.pk}/",
                f"/sales/deals/{deal.pk}/history/",
                "/sales/deals/new/",
                "/sales/deals/",
                "/sales/board/",
            )
        }
    with translation.override("pl"):
        column = str(Deal._meta.get_field("pipeline").verbose_name)

    assert column == "lejek sprzedaży"
    for url, page in pages.items():
        assert "Lejek sprzedaży" in page, url
        assert ">Lejek<" not in page, url
        assert "Lejek:" not in page, url


@pytest.mark.parametrize(
    ("language", "currency", "amount", "on_the_board"),
    [
        ("pl", "PLN", "1\xa0234,56\xa0zł", "1\xa0235\xa0zł"),
        ("ro", "RON", "1.234,56\xa0lei", "1.235\xa0lei"),
        ("lt", "EUR", "1\xa0234,56\xa0€", "1\xa0235\xa0€"),
        ("en", "PLN", "1,234.56 PLN", "1,235 PLN"),
    ],
)
def test_amounts_on_the_deal_page_and_the_board_are_written_the_users_way(
    login, owner, language, currency, amount, on_the_board
):
    deal = make_deal(owner, amount="1234.56", currency=currency, expected_close=datetime.date(2030, 12, 31))
    owner.language = language
    owner.save(update_fields=["language"])
    client = login(owner)

    with translation.override("en"):  # the requests activate the user's language in this thread
        page = client.get(f"/sales/deals/{deal.pk}/").content.decode().replace("&nbsp;", "\xa0")
        board = client.get("/sales/board/").content.decode().replace("&nbsp;", "\xa0")

    assert f"<strong data-deal-amount>{amount}</strong>" in page
    assert f'<strong class="deal-card-amount">{on_the_board}</strong>' in board
    if language != "en":
        assert " PLN<" not in board
        assert "31.12.2030" in page or "2030-12-31" in page
