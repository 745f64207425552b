"""The classification where people see it: the 360° panel, the lists' filters, the API, the command."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest
from django.urls import reverse

from accord.analytics.services.classification import TOTAL_STEPS, classify
from accord.analytics.tests.factories import AS_OF, order
from accord.testing import run_command

pytestmark = pytest.mark.django_db

D = decimal.Decimal


@pytest.fixture
def champion(owner: Any, make_contact: Any) -> Any:
    """The one customer: alone, it is the top of every scale."""
    contact = make_contact(owner, first_name="Anna", last_name="Kowalczyk")
    order(contact=contact, days_before=3, lines=[(None, "1", "1234.50")])
    classify(as_of=AS_OF)
    return contact


def test_the_contact_page_shows_the_classification_and_why(login: Any, owner: Any, champion: Any) -> None:
    page = login(owner).get(reverse("people:contact-detail", args=[champion.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="classification-panel"' in html
    assert "A: top 80% of margin over 12 months; RFM 1-1-1 lost" in html


def test_the_company_page_shows_its_classification(login: Any, owner: Any, make_company: Any) -> None:
    company = make_company(owner, name="Buyer Ltd")
    order(company=company, days_before=3, lines=[(None, "1", "100")])
    classify(as_of=AS_OF)

    page = login(owner).get(reverse("people:company-detail", args=[company.pk]))

    assert page.status_code == 200
    assert "RFM 1-1-1" in page.content.decode()


def test_a_contact_without_orders_is_not_classified(login: Any, owner: Any, make_contact: Any) -> None:
    contact = make_contact(owner)
    classify(as_of=AS_OF)

    page = login(owner).get(reverse("people:contact-detail", args=[contact.pk]))

    assert "Not classified: no order in the last 12 months." in page.content.decode()


def test_a_rep_who_may_not_see_the_contact_gets_404_on_page_and_api(
    login: Any, api: Any, outsider: Any, champion: Any
) -> None:
    page = login(outsider).get(reverse("people:contact-detail", args=[champion.pk]))
    answer = api(outsider).get(f"/contacts/{champion.pk}/classification")

    assert page.status_code == 404
    assert answer.status_code == 404
    assert "classification" not in answer.json()


def test_the_api_gives_the_scores_classes_and_reason(api: Any, owner: Any, champion: Any) -> None:
    answer = api(owner).get(f"/contacts/{champion.pk}/classification")

    assert answer.status_code == 200
    body = answer.json()
    assert body["kind"] == "contact"
    assert body["id"] == str(champion.pk)
    found = body["classification"]
    assert (found["rfm"], found["segment"], found["abc_revenue"], found["abc_margin"]) == ("1-1-1", "lost", "A", "A")
    assert found["orders"] == 1
    assert found["reason"] == (
        "A: top 80% of margin over 12 months; RFM 1-1-1 lost; "
        "key customer: among those making the first 80% of the contribution after the cost to serve"
    )


def test_amounts_are_left_out_for_a_role_that_may_not_see_them(api: Any, owner: Any, champion: Any) -> None:
    owner.role.sees_amounts = True
    owner.role.save()
    assert D(api(owner).get(f"/contacts/{champion.pk}/classification").json()["classification"]["revenue"]) == D(
        "1234.50"
    )

    owner.role.sees_amounts = False
    owner.role.save()
    found = api(owner).get(f"/contacts/{champion.pk}/classification").json()["classification"]

    assert (found["revenue"], found["margin"]) == (None, None)
    assert found["segment"] == "lost"


def test_an_unclassified_company_answers_null(api: Any, owner: Any, make_company: Any) -> None:
    company = make_company(owner, name="Quiet Ltd")

    answer = api(owner).get(f"/companies/{company.pk}/classification")

    assert answer.status_code == 200
    assert answer.json() == {"kind": "company", "id": str(company.pk), "classification": None, "lifetime": None}


def test_a_company_out_of_sight_is_404(api: Any, outsider: Any, owner: Any, make_company: Any) -> None:
    company = make_company(owner, name="Hidden Ltd")

    assert api(outsider).get(f"/companies/{company.pk}/classification").status_code == 404


def test_the_contact_list_filters_by_segment_and_abc_class(
    login: Any, api: Any, owner: Any, champion: Any, make_contact: Any
) -> None:
    other = make_contact(owner, first_name="Bez", last_name="Zamowien")
    client = login(owner)

    by_segment = client.get(reverse("people:contact-list"), {"rfm_segment": "lost"}).content.decode()
    by_class = client.get(reverse("people:contact-list"), {"abc_margin": "B"}).content.decode()
    listed = api(owner).get("/contacts", {"rfm_segment": "lost", "abc_revenue": "A"}).json()

    assert "Kowalczyk" in by_segment
    assert "Zamowien" not in by_segment
    assert 'name="rfm_segment"' in by_segment  # offered in the filter bar
    assert "Kowalczyk" not in by_class
    assert [row["id"] for row in listed["items"]] == [str(champion.pk)]
    assert other.pk != champion.pk


def test_the_list_refuses_an_unknown_segment(api: Any, owner: Any, champion: Any) -> None:
    answer = api(owner).get("/contacts", {"rfm_segment": "royalty"})

    assert answer.status_code == 400
    assert "rfm_segment" in answer.json()["errors"]


def test_the_command_classifies_with_progress(champion: Any) -> None:
    run = run_command("classify", "--as-of", "2026-06-30")

    assert run.status == 0, run.err
    assert f"[{'#' * 30}] {TOTAL_STEPS}/{TOTAL_STEPS}" in run.out
    assert "Classified as of 2026-06-30: contacts 1, companies 0" in run.out
    assert "Lifetime values: none (Not enough history; 1 customers, 0 of them repeat buyers)." in run.out


def test_the_command_refuses_a_bad_date(db: Any) -> None:
    run = run_command("classify", "--as-of", "30.06.2026")

    assert run.status != 0
    assert "--as-of" in run.err


def test_the_company_list_filters_by_abc_class(api: Any, owner: Any, make_company: Any) -> None:
    big = make_company(owner, name="Big Buyer")
    small = make_company(owner, name="Small Buyer")
    order(company=big, days_before=3, lines=[(None, "1", "9000")])
    order(company=small, days_before=3, lines=[(None, "1", "100")])
    classify(as_of=AS_OF)

    a_class = api(owner).get("/companies", {"abc_revenue": "A"}).json()
    c_class = api(owner).get("/companies", {"abc_revenue": "C"}).json()

    assert [row["id"] for row in a_class["items"]] == [str(big.pk)]
    assert [row["id"] for row in c_class["items"]] == [str(small.pk)]


def test_the_nightly_task_classifies_as_of_today(owner: Any, make_contact: Any) -> None:
    from django.utils import timezone

    from accord.analytics.models import CustomerClass
    from accord.analytics.tasks import classify_customers
    from accord.billing.models import Order
    from accord.core.scheduler import jobs

    # Given: an order placed an hour ago
    buyer = make_contact(owner, first_name="Today")
    placed = order(contact=buyer, days_before=0, lines=[(None, "1", "50")])
    Order.objects.filter(pk=placed.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))

    # When
    result = classify_customers.call()

    # Then
    assert result == {"contacts": 1, "companies": 0, "lifetime": "not_enough_history"}
    assert CustomerClass.objects.get().as_of == timezone.localdate()
    assert any(job.name == classify_customers.module_path and job.cron == "35 1 * * *" for job in jobs())
