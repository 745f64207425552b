"""The lifetime figures where people see them: the 360° panel, the API, the lists' churn-risk
filter."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accord.analytics.models import CustomerLifetime
from accord.analytics.services import lifetime
from accord.analytics.tests.factories import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture
def estimated(owner: Any, population: dict[str, Any]) -> dict[str, Any]:
    """The population's figures; the owner's role sees amounts."""
    owner.role.sees_amounts = True
    owner.role.save()
    lifetime.estimate(as_of=AS_OF)
    return population


def test_the_contact_page_shows_clv_p_alive_and_churn_risk_with_why(
    login: Any, owner: Any, estimated: dict[str, Any]
) -> None:
    stopped = estimated["stopped"]
    row = CustomerLifetime.objects.get(contact=stopped)

    page = login(owner).get(reverse("people:contact-detail", args=[stopped.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="lifetime-value" data-churn-risk="high"' in html
    assert f"P(alive) {row.p_alive:.2f}" in html
    assert "churn risk high" in html
    assert "Bought on 10 days over 49.0 weeks, the last 40.0 weeks ago" in html
    assert "Churn risk high: P(alive) below 0.3." in html
    assert "CLV " in html
    assert "on revenue (no cost known)" in html


def test_the_company_page_shows_its_clv_on_margin(login: Any, owner: Any, estimated: dict[str, Any]) -> None:
    regular = estimated["regular"]

    page = login(owner).get(reverse("people:company-detail", args=[regular.pk]))

    html = page.content.decode()
    assert 'data-churn-risk="low"' in html
    assert "× margin 66%." in html


def test_a_role_that_may_not_see_amounts_sees_no_clv(
    login: Any, api: Any, owner: Any, estimated: dict[str, Any]
) -> None:
    owner.role.sees_amounts = False
    owner.role.save()
    reader = owner
    single = estimated["single"]
    client = api(reader)

    answer = client.get(f"/contacts/{single.pk}/classification")

    assert answer.status_code == 200
    values = answer.json()["lifetime"]
    assert values["p_alive"] == 1.0
    assert values["churn_risk"] == "low"
    assert values["clv"] is None
    assert values["expected_order_value"] is None
    assert values["margin_ratio"] is None
    page = login(reader).get(reverse("people:contact-detail", args=[single.pk]))
    assert "CLV " not in page.content.decode()


def test_the_api_gives_the_lifetime_figures(api: Any, owner: Any, estimated: dict[str, Any]) -> None:
    regular = estimated["regular"]
    row = CustomerLifetime.objects.get(company=regular)

    answer = api(owner).get(f"/companies/{regular.pk}/classification")

    assert answer.status_code == 200
    values = answer.json()["lifetime"]
    assert values["frequency"] == 25
    assert (values["recency_weeks"], values["age_weeks"]) == (50.0, 51.0)
    assert values["p_alive"] == row.p_alive
    assert values["clv"] == str(row.clv)
    assert values["expected_order_value"] == "300.00"
    assert values["on_margin"] is True
    assert values["churn_risk_label"] == "Low"


def test_without_figures_the_api_says_null(api: Any, owner: Any, make_contact: Any) -> None:
    contact = make_contact(owner)

    answer = api(owner).get(f"/contacts/{contact.pk}/classification")

    assert answer.json()["lifetime"] is None


def test_the_contact_list_filters_by_churn_risk(login: Any, api: Any, owner: Any, estimated: dict[str, Any]) -> None:
    high = set(
        CustomerLifetime.objects.filter(churn_risk="high", contact__isnull=False).values_list("contact_id", flat=True)
    )

    listed = api(owner).get("/contacts", {"churn_risk": "high", "limit": 100}).json()
    page = login(owner).get(reverse("people:contact-list"), {"churn_risk": "high"})

    assert {row["id"] for row in listed["items"]} == {str(pk) for pk in high}
    assert str(estimated["stopped"].pk) in {row["id"] for row in listed["items"]}
    assert 'name="churn_risk"' in page.content.decode()


def test_the_company_list_filters_by_churn_risk(api: Any, owner: Any, estimated: dict[str, Any]) -> None:
    low = api(owner).get("/companies", {"churn_risk": "low"}).json()
    high = api(owner).get("/companies", {"churn_risk": "high"}).json()

    assert [row["id"] for row in low["items"]] == [str(estimated["regular"].pk)]
    assert high["items"] == []


def test_the_list_refuses_an_unknown_churn_risk(api: Any, owner: Any) -> None:
    answer = api(owner).get("/contacts", {"churn_risk": "extreme"})

    assert answer.status_code == 400
    assert "churn_risk" in answer.json()["errors"]


def test_a_segment_selects_by_churn_risk(owner: Any, make_contact: Any, estimated: dict[str, Any]) -> None:
    """The contacts with a high churn risk of their own, and a contact at the regular company (low)."""
    from accord.marketing import segmenting
    from accord.marketing.selectors.segments import matching
    from accord.people.models import ContactCompany

    colleague = make_contact(owner, first_name="Colleague")
    ContactCompany.objects.create(contact=colleague, company=estimated["regular"])

    def members(value: str) -> set[Any]:
        rules = segmenting.clean({"match": "all", "rules": [{"type": "churn_risk", "value": value}]})
        return set(matching(user=owner, rules=rules).values_list("pk", flat=True))

    high = set(
        CustomerLifetime.objects.filter(churn_risk="high", contact__isnull=False).values_list("contact", flat=True)
    )
    assert members("high") == high
    assert estimated["stopped"].pk in high
    assert colleague.pk in members("low")
