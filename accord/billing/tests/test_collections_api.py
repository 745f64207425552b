"""The collections lists through the API: steps, steps awaiting approval, the call list and the
cases handed over, each paged like every list endpoint (``limit``, ``cursor`` = the previous
page's ``next_cursor``), scoped by the access policy and described in the OpenAPI."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from accord.billing.models import CollectionProfile, CollectionStep
from accord.billing.services import collections, invoices

ISSUED = datetime.date(2026, 10, 1)
DUE = datetime.date(2026, 10, 15)
ONE_LINE = [{"description": "Usługa", "quantity": "1", "unit_price": "1000", "vat_rate": "23"}]  # 1230.00 gross


def day(offset: int) -> datetime.date:
    return DUE + datetime.timedelta(days=offset)


@pytest.fixture
def overdue(owner: Any, make_company: Any, make_invoice: Any) -> list[Any]:
    """Three customers of ``owner`` with one overdue invoice each."""
    made = []
    for i, name in enumerate(("Alfa Sp. z o.o.", "Beta S.A.", "Gamma Sp.j.")):
        company = make_company(
            owner,
            name=name,
            nip=["7740001454", "5260250995", "1132853869"][i],
            addresses=[{"street": f"ul. Prosta {i + 1}", "postal_code": "00-001", "city": "Warszawa", "country": "PL"}],
        )
        draft = make_invoice(
            company=company,
            lines=[{**ONE_LINE[0], "unit_price": str(1000 * (i + 1))}],
            issue_date=ISSUED.isoformat(),
            sale_date=ISSUED.isoformat(),
            payment_terms_days=14,
        )
        made.append(invoices.issue(actor=owner, invoice=draft))
    return made


@pytest.fixture
def key_account(overdue: list[Any]) -> Any:
    """The first customer is a key account: its letter waits for the owner's approval."""
    return CollectionProfile.objects.create(company=overdue[0].company, key_account=True)


def climb(owner: Any, *offsets: int) -> None:
    """Run the ladder on these days, the owner approving whatever waits for them each time."""
    for offset in offsets:
        collections.run(today=day(offset))
        for step in CollectionStep.objects.filter(state="awaiting"):
            collections.approve_step(actor=owner, step=step)


def walk(client: Any, path: str, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a list, following next_cursor."""
    pages, cursor = [], None
    while True:
        response = client.get(path, {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def test_steps_come_a_page_at_a_time_and_filter_by_state_and_action(
    api: Any, admin_user: Any, overdue: Any, key_account: Any
) -> None:
    for offset in (3, 10, 21):
        collections.run(today=day(offset))
    client = api(admin_user)

    pages = walk(client, "/collections/steps", limit=4)
    letters = client.get("/collections/steps", {"action": "letter", "state": "done"}).json()

    steps = [step for page in pages for step in page]
    assert [len(page) for page in pages] == [4, 4, 1]
    assert len({s["id"] for s in steps}) == CollectionStep.objects.count() == 9
    assert [s["day"] for s in steps] == sorted((s["day"] for s in steps), reverse=True)  # newest first
    # the key account's letter waits for approval; the two others were sent
    assert sorted(s["owed"] for s in letters["items"]) == ["2460.00", "3690.00"]
    assert letters["next_cursor"] is None


def test_the_approvals_are_the_owners_and_page_too(
    api: Any, owner: Any, teammate: Any, overdue: Any, key_account: Any
) -> None:
    for offset in (3, 10, 21):
        collections.run(today=day(offset))

    mine = api(owner).get("/collections/approvals", {"limit": 1}).json()
    theirs = api(teammate).get("/collections/approvals").json()

    [letter] = mine["items"]
    assert (letter["action"], letter["state"], letter["company_id"]) == (
        "letter",
        "awaiting",
        str(overdue[0].company_id),
    )
    assert letter["invoices"][0]["number"] == overdue[0].number
    assert mine["next_cursor"] is None
    assert theirs["items"] == []


def test_the_call_list_pages_largest_debt_first(api: Any, owner: Any, outsider: Any, overdue: Any) -> None:
    climb(owner, 3, 10, 21, 30)
    client = api(owner)

    pages = walk(client, "/collections/calls", limit=2, date=day(30).isoformat())
    before = client.get("/collections/calls", {"date": day(29).isoformat()}).json()
    others = api(outsider).get("/collections/calls", {"date": day(30).isoformat(), "all": "true"}).json()

    calls = [call for page in pages for call in page]
    assert [len(page) for page in pages] == [2, 1]
    assert [c["owed"] for c in calls] == ["3690.00", "2460.00", "1230.00"]
    assert {c["action"] for c in calls} == {"call"}
    assert before["items"] == []  # not due yet on the day before
    assert others["items"] == []  # an outsider sees neither the customers nor their calls


def test_the_cases_handed_over_with_what_they_owe(api: Any, owner: Any, outsider: Any, overdue: Any) -> None:
    climb(owner, 3, 10, 21, 30, 60)

    pages = walk(api(owner), "/collections/cases", limit=2)
    hidden = api(outsider).get("/collections/cases").json()

    cases = [case for page in pages for case in page]
    assert [len(page) for page in pages] == [2, 1]
    assert sorted((c["customer"], c["owed"][0]["amount"]) for c in cases) == [
        ("Alfa Sp. z o.o.", "1230.00"),
        ("Beta S.A.", "2460.00"),
        ("Gamma Sp.j.", "3690.00"),
    ]
    assert {c["owed"][0]["currency"] for c in cases} == {"PLN"}
    assert hidden["items"] == []


def test_bad_list_parameters_are_refused(api: Any, owner: Any) -> None:
    client = api(owner)

    unknown = client.get("/collections/steps", {"colour": "red"})
    too_many = client.get("/collections/calls", {"limit": "100000"})
    bad_state = client.get("/collections/steps", {"state": "lost"})
    bad_date = client.get("/collections/calls", {"date": "31.12.2026"})

    assert unknown.status_code == too_many.status_code == bad_state.status_code == 400
    assert "limit" in too_many.json()["errors"]
    assert bad_date.status_code == 422
    assert bad_date.json()["errors"] == {"date": ["Enter a date as YYYY-MM-DD."]}


def test_the_openapi_describes_the_paged_lists(api: Any, owner: Any) -> None:
    paths = api(owner).get("/openapi.json").json()["paths"]

    for path in (
        "/api/v1/collections/steps",
        "/api/v1/collections/approvals",
        "/api/v1/collections/calls",
        "/api/v1/collections/cases",
    ):
        operation = paths[path]["get"]
        names = {p["name"] for p in operation["parameters"]}
        assert {"limit", "cursor", "before", "sort"} <= names, path
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert "PageOut" in schema["$ref"], path
    assert {"date", "all"} <= {p["name"] for p in paths["/api/v1/collections/calls"]["get"]["parameters"]}


def test_the_invoice_list_pages_largest_first(api: Any, owner: Any, overdue: Any) -> None:
    # An amount sort's cursor carries the amount (it once could not be written at all).
    pages = walk(api(owner), "/invoices", limit=2, sort="-gross_total")

    assert [[i["gross_total"] for i in page] for page in pages] == [["3690.00", "2460.00"], ["1230.00"]]


def test_a_pause_is_made_and_lifted_through_the_api(api: Any, owner: Any, overdue: Any) -> None:
    from accord.billing.models import CollectionPause

    client = api(owner)
    company = overdue[0].company

    made = client.post("/collections/pauses", {"company_id": str(company.pk), "reason": "Disputed delivery"})
    lifted = client.post(f"/collections/pauses/{made.json()['id']}/lift")

    assert made.status_code == 201, made.content
    assert (made.json()["company_id"], made.json()["reason"]) == (str(company.pk), "Disputed delivery")
    assert lifted.status_code == 204, lifted.content
    assert CollectionPause.objects.get().lifted_at is not None
