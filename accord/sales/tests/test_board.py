"""The deal board: columns per pipeline, totals over the filtered set, moves by drag and by menu."""

import datetime
import decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.core.models import ExchangeRate
from accord.sales.models import DealStageChange, LostReason, Pipeline, Stage
from accord.sales.services import deals

D = decimal.Decimal


def stage(name):
    return Stage.objects.get(pipeline__is_default=True, name=name)


def make_deal(actor, name, amount="1000", stage_name="Qualification", **data):
    data.setdefault("currency", "PLN")
    return deals.create_deal(actor=actor, data={"name": name, "amount": D(amount), **data}, stage=stage(stage_name))


def board_url(**params):
    pipeline = Pipeline.objects.get(is_default=True)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/sales/board/{pipeline.pk}/" + (f"?{query}" if query else "")


def test_board_shows_open_deals_in_their_stage_columns_with_totals(login, owner):
    make_deal(owner, "Alpha", "1000", "Qualification")
    make_deal(owner, "Beta", "3000", "Proposal")
    make_deal(owner, "Gamma", "1000", "Proposal")
    won = make_deal(owner, "Done deal", "9999", "Proposal")
    deals.win_deal(actor=owner, deal=won)

    response = login(owner).get("/sales/board/")

    columns = {c.stage.name: c for c in response.context["board"].columns}
    assert response.status_code == 200
    assert list(columns) == ["Qualification", "Needs analysis", "Proposal", "Negotiation"]
    assert [d.name for d in columns["Qualification"].page.items] == ["Alpha"]
    proposal = columns["Proposal"].totals
    assert (proposal.count, proposal.amount, proposal.weighted) == (2, D("4000.00"), D("2000.00"))
    assert response.context["board"].totals.count == 3
    assert "Done deal" not in response.content.decode()


def test_column_totals_convert_other_currencies_at_the_latest_rate(login, owner):
    ExchangeRate.objects.create(currency="EUR", day=datetime.date(2020, 1, 1), rate=D("4.00"))
    ExchangeRate.objects.create(currency="EUR", day=datetime.date(2024, 1, 1), rate=D("4.30"))
    make_deal(owner, "Zloty", "1000", "Negotiation")
    make_deal(owner, "Euro", "100", "Negotiation", currency="EUR")
    make_deal(owner, "Dollar", "100", "Negotiation", currency="USD")

    board = login(owner).get(board_url()).context["board"]

    negotiation = next(c for c in board.columns if c.stage.name == "Negotiation").totals
    assert (negotiation.count, negotiation.amount, negotiation.weighted) == (3, D("1430.00"), D("1072.50"))
    assert board.missing_rates == ["USD"]


def test_board_filters_by_owner_team_territory_and_close_dates(login, admin_user, owner, outsider, territory_mazovia):
    make_deal(owner, "North early", expected_close=datetime.date(2026, 1, 10), territory=territory_mazovia)
    make_deal(owner, "North late", expected_close=datetime.date(2026, 6, 10))
    make_deal(outsider, "South", expected_close=datetime.date(2026, 1, 12))
    client = login(admin_user)

    def names(**params):
        board = client.get(board_url(**params)).context["board"]
        return sorted(d.name for c in board.columns if c.page for d in c.page.items)

    assert names() == ["North early", "North late", "South"]
    assert names(owner=owner.pk) == ["North early", "North late"]
    assert names(team=outsider.primary_team_id) == ["South"]
    assert names(territory=territory_mazovia.pk) == ["North early"]
    assert names(close_after="2026-01-11", close_before="2026-12-31") == ["North late", "South"]
    totals = client.get(board_url(team=owner.primary_team_id)).context["board"].totals
    assert totals.count == 2


def test_cards_come_soonest_close_first_and_show_more_loads_the_next_page(login, owner, settings):
    from accord.sales.selectors import board as board_selectors

    settings_before = board_selectors.CARDS_PER_COLUMN
    board_selectors.CARDS_PER_COLUMN = 2
    try:
        for day in (5, 3, 9, 1, 7):
            make_deal(owner, f"Day {day}", expected_close=datetime.date(2026, 3, day))
        make_deal(owner, "Undated")
        client = login(owner)
        first = client.get(board_url()).context["board"].columns[0]
        more = client.get(
            f"/sales/board/{first.stage.pipeline_id}/stages/{first.stage.pk}/?cursor={first.page.next_cursor}"
        )
        last = client.get(
            f"/sales/board/{first.stage.pipeline_id}/stages/{first.stage.pk}/?cursor={more.context['page'].next_cursor}"
        )
    finally:
        board_selectors.CARDS_PER_COLUMN = settings_before

    assert [d.name for d in first.page.items] == ["Day 1", "Day 3"]
    assert first.totals.count == 6
    assert [d.name for d in more.context["page"].items] == ["Day 5", "Day 7"]
    assert "Show more" in more.content.decode()
    assert [d.name for d in last.context["page"].items] == ["Day 9", "Undated"]
    assert "Show more" not in last.content.decode()


def test_moving_a_card_changes_its_stage_and_records_the_history(login, owner):
    deal = make_deal(owner, "Acme", "5000")

    response = login(owner).post(
        f"/sales/deals/{deal.pk}/move/",
        {"stage": stage("Proposal").pk, "version": deal.version},
        headers={"X-Requested-With": "fetch"},
    )

    deal.refresh_from_db()
    assert response.status_code == 200
    assert response["X-Deal-Status"] == "open"
    assert f'data-version="{deal.version}"' in response.content.decode()
    assert (deal.stage.name, deal.probability) == ("Proposal", 50)
    change = DealStageChange.objects.filter(deal=deal).latest("changed_at")
    assert (change.from_stage.name, change.to_stage.name, change.changed_by) == ("Qualification", "Proposal", owner)


def test_a_stale_move_is_refused_with_a_message_and_changes_nothing(login, owner, teammate):
    deal = make_deal(owner, "Acme")
    seen_version = deal.version
    deals.move_deal(actor=teammate, deal=deal, stage=stage("Needs analysis"))

    response = login(owner).post(
        f"/sales/deals/{deal.pk}/move/",
        {"stage": stage("Negotiation").pk, "version": seen_version},
        headers={"X-Requested-With": "fetch"},
    )

    deal.refresh_from_db()
    assert response.status_code == 409
    assert "Someone else changed this deal" in response.json()["message"]
    assert deal.stage.name == "Needs analysis"
    assert DealStageChange.objects.filter(deal=deal).count() == 2


def test_dropping_on_lost_needs_a_reason(login, owner):
    deal = make_deal(owner, "Acme")
    client = login(owner)
    lost = stage("Lost")

    refused = client.post(
        f"/sales/deals/{deal.pk}/move/",
        {"stage": lost.pk, "version": deal.version},
        headers={"X-Requested-With": "fetch"},
    )
    deal.refresh_from_db()
    status_after_refusal = deal.status
    price = LostReason.objects.get(name="Price")
    accepted = client.post(
        f"/sales/deals/{deal.pk}/move/",
        {"stage": lost.pk, "version": deal.version, "lost_reason": price.pk, "lost_note": "Too dear"},
        headers={"X-Requested-With": "fetch"},
    )

    deal.refresh_from_db()
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"lost_reason": ["Choose a reason."]}
    assert status_after_refusal == "open"
    assert accepted.status_code == 200
    assert accepted["X-Deal-Status"] == "lost"
    assert (deal.status, deal.lost_reason, deal.lost_note) == ("lost", price, "Too dear")


def test_moving_from_the_menu_without_script_redirects_back(login, owner):
    deal = make_deal(owner, "Acme")

    response = login(owner).post(
        f"/sales/deals/{deal.pk}/move/",
        {"stage": stage("Won").pk, "version": deal.version, "next": board_url()},
    )

    deal.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == board_url()
    assert deal.status == "won"


def test_a_stage_of_another_pipeline_is_refused(login, owner):
    other = Pipeline.objects.create(name="Renewals")
    foreign = Stage.objects.create(pipeline=other, name="Due", position=0, probability=50)
    deal = make_deal(owner, "Acme")

    response = login(owner).post(
        f"/sales/deals/{deal.pk}/move/", {"stage": foreign.pk}, headers={"X-Requested-With": "fetch"}
    )

    deal.refresh_from_db()
    assert response.status_code == 422
    assert deal.stage.name == "Qualification"


def test_board_totals_refresh_as_out_of_band_swaps(login, owner):
    make_deal(owner, "Acme", "2500", "Negotiation")

    page = login(owner).get(board_url().replace("/board/", "/board/") + "totals/").content.decode()

    assert f'id="col-stats-{stage("Negotiation").pk}" hx-swap-oob="true"' in page
    assert "2,500" in page or "2 500" in page or "2500" in page


def test_pipeline_switcher_shows_the_chosen_pipeline(login, owner):
    renewals = Pipeline.objects.create(name="Renewals", position=5)
    due = Stage.objects.create(pipeline=renewals, name="Due soon", position=0, probability=60)
    deals.create_deal(actor=owner, data={"name": "Renewal 2027", "amount": D("100")}, stage=due)
    make_deal(owner, "New logo")

    page = login(owner).get(f"/sales/board/{renewals.pk}/").content.decode()

    assert "Renewal 2027" in page
    assert "New logo" not in page
    assert "Due soon" in page


def test_board_query_count_does_not_grow_with_deals(login, owner, make_company):
    client = login(owner)
    stages = ["Qualification", "Proposal", "Negotiation"]

    def add(n):
        for i in range(n):
            close = datetime.date(2026, 5, 1 + i % 28) if i % 2 else None
            make_deal(owner, f"Deal {i}", stage_name=stages[i % 3], company=make_company(owner), expected_close=close)

    add(6)
    client.get(board_url())
    with CaptureQueriesContext(connection) as few:
        client.get(board_url())
    add(30)
    with CaptureQueriesContext(connection) as many:
        response = client.get(board_url())

    assert response.context["board"].totals.count == 36
    assert len(many) == len(few)


def test_column_totals_count_a_typed_amount_as_typed_and_a_following_one_as_its_lines(login, owner):
    typed = make_deal(owner, "Typed", "48000", "Proposal")
    deals.update_deal(actor=owner, deal=typed, data={"lines": [{"description": "Tyres", "unit_price": "5040"}]})
    following = make_deal(owner, "Following", "0", "Proposal")
    deals.update_deal(actor=owner, deal=following, data={"lines": [{"description": "Rims", "unit_price": "700"}]})

    board = login(owner).get("/sales/board/").context["board"]

    proposal = next(c for c in board.columns if c.stage.name == "Proposal").totals
    assert (proposal.count, proposal.amount) == (2, D("48700.00"))


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)"])
def test_moving_without_script_returns_only_to_a_path_on_this_site(login, owner, target):
    deal = make_deal(owner, "Acme", "5000")

    response = login(owner).post(
        f"/sales/deals/{deal.pk}/move/", {"stage": stage("Proposal").pk, "version": deal.version, "next": target}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/sales/deals/{deal.pk}/"
