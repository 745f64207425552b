"""The cost to serve where people see it: the panel, the list filter, the rates page and API."""

from __future__ import annotations

import decimal
from typing import Any

import pytest
from django.urls import reverse

from accord.analytics.models import CostRates
from accord.analytics.services.classification import classify
from accord.analytics.tests.factories import AS_OF, cost_world

pytestmark = pytest.mark.django_db

D = decimal.Decimal


@pytest.fixture
def world(owner: Any, make_company: Any, make_contact: Any) -> dict[str, Any]:
    made = cost_world(owner, make_company, make_contact)
    classify(as_of=AS_OF)
    return made


def test_the_panel_shows_the_value_class_contribution_and_what_serving_cost(
    login: Any, owner: Any, world: dict[str, Any]
) -> None:
    html = login(owner).get(reverse("people:contact-detail", args=[world["P"].pk])).content.decode()

    assert "Unprofitable" in html
    assert "unprofitable: serving them cost more than their margin" in html
    assert "Cost to serve" in html
    assert "-146" in html.replace("\xa0", "").replace(" ", "")
    key = login(owner).get(reverse("people:company-detail", args=[world["K"].pk])).content.decode()
    assert "Key customer" in key
    assert "key customer: among those making the first 80% of the contribution" in key


def test_a_role_without_amounts_sees_the_class_but_no_costs(
    login: Any, api: Any, owner: Any, world: dict[str, Any]
) -> None:
    owner.role.sees_amounts = False
    owner.role.save()
    page = login(owner).get(reverse("people:contact-detail", args=[world["P"].pk]))
    html = page.content.decode()
    assert "Unprofitable" in html
    assert "Cost to serve" not in html

    answer = api(owner).get(f"/api/v1/contacts/{world['P'].pk}/classification")
    data = answer.json()["classification"]
    assert data["value_class"] == "unprofitable"
    assert data["contribution"] is None
    assert data["cost_to_serve"] is None


def test_the_api_gives_the_costs(api: Any, owner: Any, world: dict[str, Any]) -> None:
    data = api(owner).get(f"/api/v1/contacts/{world['P'].pk}/classification").json()["classification"]

    assert D(data["contribution"]) == D("-146")
    assert D(data["late_payment_cost"]) == D("32")
    assert D(data["discounts"]) == D("100")
    assert data["value_label"] == "Unprofitable"


def test_the_lists_filter_by_customer_value(api: Any, owner: Any, world: dict[str, Any]) -> None:
    contacts = api(owner).get("/api/v1/contacts", {"customer_value": "unprofitable"}).json()
    assert [row["id"] for row in contacts["items"]] == [str(world["P"].pk)]
    companies = api(owner).get("/api/v1/companies", {"customer_value": "key"}).json()
    assert [row["id"] for row in companies["items"]] == [str(world["K"].pk)]
    wrong = api(owner).get("/api/v1/companies", {"customer_value": "gold"})
    assert wrong.status_code == 400
    assert "customer_value" in wrong.json()["errors"]


def test_an_administrator_sets_the_rates_on_the_page(login: Any, admin_user: Any) -> None:
    client = login(admin_user)
    url = reverse("analytics:cost-rates")
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="phone"' in page.content.decode()

    fields = dict.fromkeys(("phone", "email", "meeting", "visit", "chat", "sms", "letter", "fax"), "1")
    fields |= {"web_form": "1", "social": "1", "ticket": "40", "collection_email": "1", "collection_sms": "1"}
    fields |= {"collection_letter": "1", "collection_call": "1", "collection_handoff": "1"}
    wrong = client.post(url, {**fields, "financing_percent": "abc", "key_share_percent": "120"})
    assert wrong.status_code == 422
    html = wrong.content.decode()
    assert "Enter a number." in html
    assert "Ensure this value is less than or equal to 100." in html
    assert not CostRates.objects.exists()

    saved = client.post(url, {**fields, "financing_percent": "8.5", "key_share_percent": "70"})
    assert saved.status_code == 302
    stored = CostRates.objects.get()
    assert (stored.ticket, stored.financing_percent, stored.key_share_percent) == (D("40"), D("8.5"), 70)


def test_only_administrators_see_the_rates(login: Any, api: Any, owner: Any) -> None:
    assert login(owner).get(reverse("analytics:cost-rates")).status_code == 403
    assert api(owner).get("/api/v1/analytics/cost-rates").status_code == 403
    assert api(owner).patch("/api/v1/analytics/cost-rates", {"phone": "1"}).status_code == 403
    assert not CostRates.objects.exists()


def test_the_rates_api_changes_names_bad_fields_and_refuses_a_stale_version(api: Any, admin_user: Any) -> None:
    client = api(admin_user)
    first = client.get("/api/v1/analytics/cost-rates")
    assert first.status_code == 200
    assert first.json()["version"] == 0
    assert D(first.json()["phone"]) == D("15")

    bad = client.patch("/api/v1/analytics/cost-rates", {"phone": "-2", "visit": None, "meeting": "lots"})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"phone", "visit", "meeting"}
    unknown = client.patch("/api/v1/analytics/cost-rates", {"nonsense": 1})
    assert unknown.status_code == 422
    assert "nonsense" in unknown.json()["errors"]

    saved = client.patch("/api/v1/analytics/cost-rates", {"phone": "20", "key_share_percent": 75})
    assert saved.status_code == 200
    assert saved.json()["version"] == 1
    again = client.patch("/api/v1/analytics/cost-rates", {"phone": "21", "version": 1})
    assert again.json()["version"] == 2
    stale = client.patch("/api/v1/analytics/cost-rates", {"phone": "22", "version": 1})
    assert stale.status_code == 409
    assert CostRates.objects.get().phone == D("21")


def test_segments_select_by_customer_value_through_a_contacts_company(
    owner: Any, make_contact: Any, world: dict[str, Any]
) -> None:
    """P is unprofitable herself; Buyer works at K, a key customer, and is reached through it."""
    from accord.marketing import segmenting
    from accord.marketing.selectors.segments import matching
    from accord.people.models import ContactCompany

    buyer = make_contact(owner, first_name="Buyer at K")
    ContactCompany.objects.create(contact=buyer, company=world["K"])

    def members(rule_type: str, value: str) -> set[Any]:
        rules = segmenting.clean({"match": "all", "rules": [{"type": rule_type, "value": value}]})
        return set(matching(user=owner, rules=rules).values_list("pk", flat=True))

    assert members("customer_value", "unprofitable") == {world["P"].pk}
    assert members("customer_value", "key") == {buyer.pk}
    assert members("abc_revenue", "A") == {buyer.pk}  # K's 10,000 of 11,900 (P's 1,400 revenue is 500 + 900)
    # One order each; last orders 30 (K), 40 (R) and 50 (P) days ago: R 4, 2 and 1, F 1 for all.
    assert members("rfm_segment", "promising") == {buyer.pk}
    assert members("rfm_segment", "lost") == {world["P"].pk}
    assert world["P"].pk in members("abc_margin", "B")  # 1,400 after K's 10,000 of 12,400: past 80 %
    with pytest.raises(segmenting.RuleErrors) as caught:
        segmenting.clean({"match": "all", "rules": [{"type": "rfm_segment", "value": "royalty"}]})
    assert "choose one of the offered values" in str(caught.value.message_dict)
