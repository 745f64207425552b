"""Query-count guards: list and 360° pages cost the same number of queries whatever the data size,
so an N+1 fails here and not at a customer with a million contacts."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.activities import services as activities
from accord.core import listing


def queries(client: Any, path: str, **headers: str) -> int:
    # Every page measured as it is first asked: where a filtered list's walk stops is remembered
    # for a while (``listing._WALK_BOUNDS``), and a page that reuses it costs one query less.
    listing._WALK_BOUNDS.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, response.content[:500]
    return len(captured)


def fill(owner: Any, make_contact: Any, make_company: Any, count: int) -> Any:
    company = make_company(owner, name="Acme", tags=["VIP"])
    contact = None
    for i in range(count):
        contact = make_contact(
            owner,
            emails=[{"email": f"p{i}@acme.example"}],
            phones=[{"number": f"60123{i:04d}"}],
            tags=["VIP", "Newsletter"],
            companies=[{"company": company, "job_title": "Buyer"}],
        )
        activities.log_interaction(actor=owner, data={"channel": "phone", "contact": contact})
        activities.create_task(actor=owner, data={"title": f"Task {i}", "contact": contact})
    return contact, company


def test_contact_list_query_count_does_not_grow_with_rows(login, owner, make_contact, make_company):
    client = login(owner)
    fill(owner, make_contact, make_company, 3)
    few = queries(client, "/contacts/")

    fill(owner, make_contact, make_company, 25)
    many = queries(client, "/contacts/")

    assert many == few
    assert few <= 14


def test_company_list_query_count_does_not_grow_with_rows(login, owner, make_contact, make_company):
    client = login(owner)
    fill(owner, make_contact, make_company, 2)
    few = queries(client, "/companies/")
    for i in range(20):
        make_company(owner, name=f"Other {i}", tags=["Partner"])

    assert queries(client, "/companies/") == few


def test_contact_page_query_count_does_not_grow_with_the_timeline(login, owner, make_contact, make_company):
    client = login(owner)
    contact, _ = fill(owner, make_contact, make_company, 1)
    path = f"/contacts/{contact.pk}/"
    few = queries(client, path)

    for i in range(40):
        activities.log_interaction(actor=owner, data={"channel": "note", "contact": contact, "subject": f"n{i}"})
        activities.create_task(actor=owner, data={"title": f"More {i}", "contact": contact})

    assert queries(client, path) == few
    assert few <= 30


def test_company_page_query_count_does_not_grow(login, owner, make_contact, make_company):
    client = login(owner)
    _, company = fill(owner, make_contact, make_company, 2)
    path = f"/companies/{company.pk}/"
    few = queries(client, path)

    fill_more = [make_contact(owner, companies=[{"company": company}]) for _ in range(15)]
    for contact in fill_more:
        activities.log_interaction(actor=owner, data={"channel": "note", "contact": contact})

    assert queries(client, path) == few


def test_api_lists_query_count_does_not_grow(api, owner, make_contact, make_company):
    client = api(owner)
    fill(owner, make_contact, make_company, 2)
    client.get("/me")  # the token's first use of the minute records last_used_at; measure after it
    few = {
        path: queries(client.client, f"/api/v1{path}", **client.headers)
        for path in ("/contacts", "/companies", "/interactions", "/tasks")
    }

    fill(owner, make_contact, make_company, 20)

    many = {path: queries(client.client, f"/api/v1{path}", **client.headers) for path in few}
    assert many == few


def test_my_day_query_count_does_not_grow(login, owner, make_contact, make_company):
    client = login(owner)
    fill(owner, make_contact, make_company, 2)
    few = queries(client, "/my-day/")

    fill(owner, make_contact, make_company, 15)

    assert queries(client, "/my-day/") == few
