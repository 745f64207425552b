"""The dashboards per role on a hand-built world whose figures are known: each tile for an admin and
for a rep (the access policy), each drill-down link opening a list with exactly the tile's count,
amounts left out for a role that may not see them, the dashboard each role opens on, the API, and a
bound on the queries independent of the data size."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.activities.models import Task, TaskStatus
from accord.analytics.models import CustomerClass
from accord.analytics.selectors import dashboards
from accord.billing.models import Invoice
from accord.billing.services import invoices
from accord.core.models import ExchangeRate
from accord.identity.models import Role
from accord.marketing.models import Consent, ConsentChannel, ConsentPurpose, ConsentState
from accord.sales.models import Deal, Lead, LostReason, Stage
from accord.sales.services import deals
from accord.service.services import tickets

D = decimal.Decimal
pytestmark = pytest.mark.django_db
LINE = [{"description": "Usługa", "quantity": "1", "unit_price": "1000", "vat_rate": "23"}]  # 1230.00


@pytest.fixture(autouse=True)
def seller(settings: Any) -> None:
    settings.ACCORD_SELLER = {
        "name": "Accord Sp. z o.o.",
        "address": "ul. Prosta 1\n00-001 Warszawa",
        "tax_id": "5260250995",
        "email": "biuro@accord.example",
        "phone": "+48 22 000 00 00",
        "bank_account": "PL61 1090 1014 0000 0712 1981 2874",
    }
    settings.DEFAULT_CURRENCY = "PLN"


def _deal(user: Any, name: str, amount: str, stage: str, currency: str = "PLN") -> Deal:
    lost = LostReason.objects.get_or_create(name="Price")[0] if stage == "Lost" else None
    return deals.create_deal(
        actor=user,
        data={"name": name, "amount": D(amount), "currency": currency},
        stage=Stage.objects.get(pipeline__is_default=True, name=stage),
        lost_reason=lost,
    )


def _invoice(actor: Any, company: Any, *, due_days_ago: int) -> Invoice:
    draft = invoices.create_invoice(actor=actor, data={"company": company, "lines": LINE, "payment_terms_days": 0})
    issued = invoices.issue(actor=actor, invoice=draft)
    today = timezone.localdate()
    Invoice.objects.filter(pk=issued.pk).update(
        due_date=today - datetime.timedelta(days=due_days_ago), issue_date=today
    )
    return Invoice.objects.get(pk=issued.pk)


def _classify(company: Any, *, value_class: str, segment: str) -> None:
    now = timezone.now()
    CustomerClass.objects.create(
        company=company,
        as_of=now.date(),
        computed_at=now,
        orders=3,
        last_order_at=now,
        revenue=D("1000"),
        margin=D("100"),
        recency=3,
        frequency=3,
        monetary=3,
        segment=segment,
        abc_revenue="A",
        abc_margin="A",
        value_class=value_class,
    )


@pytest.fixture
def world(
    admin_user: Any,
    owner: Any,
    teammate: Any,
    outsider: Any,
    team_north: Any,
    team_south: Any,
    make_company: Any,
    make_contact: Any,
) -> dict[str, Any]:
    """North (the owner and a teammate) and South (the outsider): deals, leads, tasks, tickets,
    invoices and classified companies on both sides."""
    ExchangeRate.objects.create(currency="EUR", day=datetime.date(2020, 1, 1), rate=D("4.30"))
    _deal(owner, "A", "10000", "Proposal")  # 50% -> 5000
    _deal(owner, "B", "1000", "Negotiation", "EUR")  # 4300 PLN, 75% -> 3225
    _deal(teammate, "C", "2000", "Qualification")  # 10% -> 200
    _deal(outsider, "D", "50000", "Proposal")  # 50% -> 25000
    won = _deal(owner, "W1", "3000", "Won")
    _deal(owner, "L1", "500", "Lost")
    _deal(outsider, "W2", "7000", "Won")
    # W1 took ten days from creation to winning.
    Deal.objects.filter(pk=won.pk).update(created_at=won.closed_at - datetime.timedelta(days=10))
    for who, team in ((owner, team_north), (owner, team_north), (outsider, team_south)):
        Lead.objects.create(first_name="Lead", owner=who, team=team)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    Task.objects.create(title="Call back", owner=owner, team=team_north, due_at=yesterday)
    Task.objects.create(title="Done", owner=owner, team=team_north, due_at=yesterday, status=TaskStatus.DONE)
    Task.objects.create(title="Later", owner=owner, team=team_north, due_at=yesterday + datetime.timedelta(days=5))
    Task.objects.create(title="Theirs", owner=outsider, team=team_south, due_at=yesterday)
    mine = make_contact(owner, first_name="Maria", emails=[{"email": "maria@example.com"}])
    theirs = make_contact(outsider, first_name="Tomasz", emails=[{"email": "tomasz@example.com"}])
    for contact in (mine, theirs):
        Consent.objects.create(
            contact=contact,
            channel=ConsentChannel.EMAIL,
            purpose=ConsentPurpose.NEWSLETTER,
            state=ConsentState.GRANTED,
            given_at=timezone.now(),
        )
    tickets.create_ticket(actor=admin_user, contact=mine, subject="Help", body="Please.")
    tickets.create_ticket(actor=admin_user, contact=mine, subject="Again", body="Please.", assignee=admin_user)
    tickets.create_ticket(actor=admin_user, contact=theirs, subject="Broken", body="Please.")
    ours = make_company(owner, name="Ours", nip="7740001454")
    other = make_company(outsider, name="Other", nip="5260250995")
    _invoice(owner, ours, due_days_ago=-5)  # not due
    _invoice(owner, ours, due_days_ago=10)  # overdue
    _invoice(outsider, other, due_days_ago=40)  # overdue
    _classify(ours, value_class="key", segment="champions")
    _classify(other, value_class="unprofitable", segment="at_risk")
    return {"mine": mine, "theirs": theirs, "ours": ours, "other": other}


def tiles(user: Any, role: str) -> dict[str, Any]:
    return {t.key: t for t in dashboards.dashboard(user, role).tiles}


def values(user: Any, role: str) -> dict[str, Any]:
    return {key: tile.value for key, tile in tiles(user, role).items()}


def list_count(client: Any, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    total = response.context["list_total"]
    assert total.exact
    return int(total.value)


# --- the figures ---------------------------------------------------------------------------------------


def test_sales_dashboard_for_an_admin_counts_every_deal(admin_user: Any, world: Any) -> None:
    found = tiles(admin_user, "sales")

    assert {k: t.value for k, t in found.items()} == {
        "open_deals": 4,
        "weighted_pipeline": D("33425.00"),
        "won_this_month": 2,
        "win_rate": D("66.7"),
        "sales_cycle": D("5.0"),  # W1 in ten days, W2 the moment it was made
        "new_leads": 3,
        "overdue_tasks": 2,
    }
    assert found["won_this_month"].previous == 0
    assert found["new_leads"].previous == 0


def test_a_reps_sales_dashboard_counts_only_what_the_rep_may_see(owner: Any, world: Any) -> None:
    assert values(owner, "sales") == {
        "open_deals": 3,  # the teammate's deal too: reps see their team's
        "weighted_pipeline": D("8425.00"),
        "won_this_month": 1,
        "win_rate": D("50.0"),
        "sales_cycle": D("10.0"),
        "new_leads": 2,
        "overdue_tasks": 1,
    }


def test_pipeline_chart_has_a_row_per_stage_with_counts_and_amounts(admin_user: Any, world: Any) -> None:
    (chart,) = dashboards.dashboard(admin_user, "sales").charts

    assert [(r.label, r.count, r.amount) for r in chart.rows] == [
        ("Qualification", 1, D("2000.00")),
        ("Proposal", 2, D("60000.00")),
        ("Negotiation", 1, D("4300.00")),
    ]


def test_collections_dashboard(admin_user: Any, owner: Any, world: Any) -> None:
    everyone = values(admin_user, "collections")
    assert {k: everyone[k] for k in ("unpaid_invoices", "receivables", "overdue_invoices", "overdue_amount")} == {
        "unpaid_invoices": 3,
        "receivables": D("3690.00"),
        "overdue_invoices": 2,
        "overdue_amount": D("2460.00"),
    }
    assert everyone["dso"] == D("90.0")  # all of what was sold in 90 days is still owed
    mine = values(owner, "collections")
    assert (mine["unpaid_invoices"], mine["receivables"], mine["overdue_invoices"]) == (2, D("2460.00"), 1)
    (aging,) = dashboards.dashboard(owner, "collections").charts
    assert [r.count for r in aging.rows] == [1, 1, 0, 0, 0]


def test_service_dashboard(admin_user: Any, owner: Any, world: Any) -> None:
    assert {k: v for k, v in values(admin_user, "service").items() if k.endswith("tickets")} == {
        "open_tickets": 3,
        "unassigned_tickets": 2,
    }
    assert values(owner, "service")["open_tickets"] == 2  # the tickets of the rep's own contact


def test_marketing_dashboard_counts_the_newsletter_audience(admin_user: Any, owner: Any, world: Any) -> None:
    assert values(admin_user, "marketing")["reachable_contacts"] == 2
    assert values(owner, "marketing")["reachable_contacts"] == 1
    assert values(admin_user, "marketing")["campaigns_sent"] == 0


def test_management_dashboard(admin_user: Any, owner: Any, world: Any) -> None:
    found = values(admin_user, "management")

    assert found["revenue"] == D("3690.00")
    assert found["invoices_issued"] == 3
    assert found["weighted_pipeline"] == D("33425.00")
    assert found["win_rate"] == D("66.7")
    assert found["open_tickets"] == 3
    assert (found["key_customers"], found["unprofitable_customers"], found["at_risk_customers"]) == (1, 1, 1)
    mine = values(owner, "management")
    assert (mine["key_customers"], mine["unprofitable_customers"], mine["at_risk_customers"]) == (1, 0, 0)
    assert mine["invoices_issued"] == 2


# --- drill-down: the tile's number is the list's count -----------------------------------------------------


@pytest.mark.parametrize("who", ["admin_user", "owner"])
@pytest.mark.parametrize(
    ("role", "keys"),
    [
        ("sales", ["open_deals", "won_this_month", "win_rate", "new_leads", "overdue_tasks"]),
        ("collections", ["unpaid_invoices", "overdue_invoices"]),
        ("service", ["open_tickets", "unassigned_tickets", "sla_breaches", "open_complaints"]),
        ("marketing", ["reachable_contacts"]),
        (
            "management",
            ["invoices_issued", "open_deals", "key_customers", "unprofitable_customers", "at_risk_customers"],
        ),
    ],
)
def test_each_tiles_link_opens_a_list_of_exactly_its_records(
    request: Any, login: Any, world: Any, who: str, role: str, keys: list[str]
) -> None:
    user = request.getfixturevalue(who)
    client = login(user)
    found = tiles(user, role)
    for key in keys:
        tile = found[key]
        expected = tile.value
        if key == "win_rate":  # a share of the closed deals its link lists: won + lost
            expected = 3 if who == "admin_user" else 2
        assert list_count(client, tile.url) == expected, key


def test_each_chart_rows_link_opens_a_list_of_its_records(admin_user: Any, owner: Any, login: Any, world: Any) -> None:
    for user in (admin_user, owner):
        client = login(user)
        for role in ("sales", "collections", "service"):
            for chart in dashboards.dashboard(user, role).charts:
                for row in chart.rows:
                    assert list_count(client, row.url) == row.count, (role, row.label)


# --- amounts, roles, pages, API, queries ----------------------------------------------------------------


def test_a_role_that_may_not_see_amounts_gets_counts_only(support: Any, world: Any) -> None:
    for role in dashboards.ROLES:
        board = dashboards.dashboard(support, role)
        assert not board.amounts
        assert all(t.unit != "money" for t in board.tiles), role
        assert all(r.amount is None for c in board.charts for r in c.rows), role
    assert "receivables" not in values(support, "collections")
    assert "dso" not in values(support, "management")
    assert values(support, "sales")["open_deals"] == 4  # counts stay


@pytest.mark.parametrize(
    ("role", "dashboard"),
    [
        (Role.ADMIN, "management"),
        (Role.MANAGER, "management"),
        (Role.SALES_REP, "sales"),
        (Role.SUPPORT_AGENT, "service"),
        (Role.MARKETER, "marketing"),
        (Role.READ_ONLY, "sales"),
    ],
)
def test_dashboards_opens_the_one_that_fits_the_role(make_user: Any, login: Any, role: str, dashboard: str) -> None:
    response = login(make_user(role)).get(reverse("analytics:dashboards"))

    assert response.status_code == 302
    assert response["Location"] == reverse("analytics:role-dashboard", kwargs={"role": dashboard})


@pytest.mark.parametrize("role", list(dashboards.ROLES))
def test_every_dashboard_page_renders_its_tiles_as_links(admin_user: Any, login: Any, world: Any, role: str) -> None:
    response = login(admin_user).get(reverse("analytics:role-dashboard", kwargs={"role": role}))

    assert response.status_code == 200
    html = response.content.decode()
    for tile in response.context["board"].tiles:
        assert f'data-tile="{tile.key}"' in html
    # The sidebar marks Analytics → Dashboards as the current page, not the sales dashboard.
    assert f'href="{reverse("analytics:dashboards")}" aria-current="page"' in html
    assert f'href="{reverse("sales:dashboard")}" aria-current="page"' not in html


def test_an_unknown_dashboard_is_not_found(admin_user: Any, login: Any) -> None:
    assert login(admin_user).get("/analytics/dashboards/finance/").status_code == 404


def test_the_api_returns_the_same_tiles(api: Any, owner: Any, support: Any, world: Any) -> None:
    response = api(owner).get("/analytics/dashboards/sales")

    assert response.status_code == 200
    body = response.json()
    got = {t["key"]: t for t in body["tiles"]}
    assert got["open_deals"]["value"] == 3
    assert D(str(got["weighted_pipeline"]["value"])) == D("8425.00")
    assert got["open_deals"]["url"] == tiles(owner, "sales")["open_deals"].url
    assert got["won_this_month"]["previous"] == 0
    hidden = api(support).get("/analytics/dashboards/management").json()
    assert hidden["amounts"] is False
    assert all(t["unit"] != "money" for t in hidden["tiles"])
    assert api(owner).get("/analytics/dashboards/finance").status_code == 422


def test_the_api_link_opens_the_list_it_counts(api: Any, login: Any, owner: Any, world: Any) -> None:
    body = api(owner).get("/analytics/dashboards/management").json()
    client = login(owner)
    for tile in body["tiles"]:
        if tile["key"] in ("open_deals", "invoices_issued", "open_tickets", "key_customers"):
            assert list_count(client, tile["url"]) == tile["value"], tile["key"]


@pytest.mark.parametrize("role", list(dashboards.ROLES))
def test_queries_stay_bounded_whatever_the_data(
    admin_user: Any, owner: Any, world: Any, django_assert_max_num_queries: Any, role: str
) -> None:
    dashboards.dashboard(owner, role)  # warm the caches (content types, settings)
    with django_assert_max_num_queries(14):
        dashboards.dashboard(owner, role)
    # Twice the records: no more queries.
    for i in range(5):
        _deal(owner, f"More {i}", "100", "Proposal")
        Lead.objects.create(first_name="Lead", owner=owner, team=world["ours"].team)
    with django_assert_max_num_queries(14):
        dashboards.dashboard(owner, role)


def test_campaign_figures_count_the_campaigns_sent_in_30_days_and_their_recipients(
    admin_user: Any, owner: Any, team_north: Any, login: Any, world: Any
) -> None:
    from accord.marketing.models import Campaign, CampaignRecipient, CampaignStatus, RecipientState

    now = timezone.now()
    recent = Campaign.objects.create(
        name="December", channel="email", purpose="newsletter", owner=owner, team=team_north,
        status=CampaignStatus.SENT, finished_at=now - datetime.timedelta(days=2),
    )  # fmt: skip
    Campaign.objects.create(
        name="Summer", channel="email", purpose="newsletter", owner=owner, team=team_north,
        status=CampaignStatus.SENT, finished_at=now - datetime.timedelta(days=200),
    )  # fmt: skip
    opened = CampaignRecipient.objects.create(campaign=recent, contact=world["mine"], state=RecipientState.QUEUED)
    CampaignRecipient.objects.filter(pk=opened.pk).update(opened_at=now, clicked_at=now)
    CampaignRecipient.objects.create(campaign=recent, contact=world["theirs"], state=RecipientState.QUEUED)

    found = tiles(admin_user, "marketing")

    assert (found["campaigns_sent"].value, found["open_rate"].value, found["click_rate"].value) == (
        1,
        D("50.0"),
        D("50.0"),
    )
    assert found["unsubscribe_rate"].value == D("0.0")
    listed = login(admin_user).get(found["campaigns_sent"].url).context["campaigns"]
    assert [c.name for c in listed] == ["December"]
    (chart,) = dashboards.dashboard(admin_user, "marketing").charts
    assert [(r.label, r.count) for r in chart.rows] == [("December", 1)]
