"""List totals: exact when a list is small enough to count in time, otherwise an estimate that the
screen and the API present as such ("about N"), with a way to ask for the exact figure. Totals,
exact or estimated, only ever count what the user may see."""

import pytest
from django.db import connection

from accord.core import listing
from accord.core.listing import parse
from accord.people import selectors
from accord.people.selectors import CONTACT_LIST


@pytest.fixture
def many(owner, outsider, make_contact):
    """30 contacts of the owner's, 12 of an outsider's (another team), and fresh planner statistics."""
    mine = [make_contact(owner, last_name=f"Nowak{i}", preferred_language="pl") for i in range(30)]
    theirs = [make_contact(outsider, last_name=f"Obcy{i}", preferred_language="pl") for i in range(12)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE people_contact")
    return mine, theirs


@pytest.fixture
def small_thresholds(monkeypatch):
    """What a million contacts would trigger, at the size of a test: estimate above 5 rows, from a
    sample of 4 rows in two stretches."""
    monkeypatch.setattr(listing, "ESTIMATE_ABOVE", 5)
    monkeypatch.setattr(listing, "SAMPLE_ROWS", 4)
    monkeypatch.setattr(listing, "SAMPLE_WINDOWS", 2)


def query(**params):
    return parse(CONTACT_LIST, params, strict=False)


def test_a_small_list_is_counted_exactly(owner, many):
    total = selectors.contact_total(owner, query())

    assert total == listing.Total(30, exact=True)


def test_a_large_list_is_estimated_and_the_estimate_is_near_the_truth(owner, many, small_thresholds, admin_user):
    total = selectors.contact_total(admin_user, query())

    assert total.estimated
    assert 10 <= total.value <= 130  # 42 rows; a planner or a sample is only roughly right


def test_an_exact_count_can_always_be_asked_for(owner, many, small_thresholds, admin_user):
    assert selectors.contact_total(admin_user, query(), exact=True) == listing.Total(42, exact=True)
    assert selectors.contact_total(owner, query(), exact=True) == listing.Total(30, exact=True)


@pytest.mark.django_db(transaction=True)  # as a web request runs it: outside a transaction
def test_a_list_that_cannot_be_counted_in_time_falls_back_to_an_estimate(owner, many, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_BUDGET_MS", 1)
    # A condition that takes the database far longer than a millisecond per count.
    if connection.vendor == "postgresql":
        slow_sql = "(SELECT 1 FROM pg_sleep(0.05)) = 1"
    else:
        slow_sql = (
            "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)"
            " SELECT max(i) FROM n) > 0"
        )
    slow = selectors.visible_contacts(owner).filter(last_name__startswith="Nowak").extra(where=[slow_sql])  # noqa: S610

    total = listing.total(slow)

    assert total.estimated
    assert slow.count() == 30  # the same query, given all the time it needs


def test_an_outsiders_total_never_counts_the_owners_contacts(owner, outsider, many):
    assert selectors.contact_total(outsider, query()) == listing.Total(12, exact=True)
    assert selectors.contact_total(outsider, query(), exact=True) == listing.Total(12, exact=True)


def test_an_outsiders_estimate_comes_from_what_they_may_see(outsider, many, small_thresholds):
    # The sample counts only visible rows, so an outsider's estimate stays near their 12 rows.
    total = selectors.contact_total(outsider, query())

    assert total.value <= 40


def test_the_list_says_how_many_records_when_it_counted_them(login, owner, many):
    page = login(owner).get("/contacts/").content.decode()

    assert "30 records" in page
    assert "about" not in page.split('id="list-total"')[1].split("</div>")[0]
    assert "Count exactly" not in page


def test_the_list_says_about_n_records_when_it_estimated_and_offers_the_exact_count(
    login, admin_user, many, small_thresholds
):
    client = login(admin_user)

    # Twenty to a page: with all 42 on the first page, the page itself would be the count.
    estimated = client.get("/contacts/?preferred_language=pl&limit=20").content.decode()
    exact = client.get("/contacts/?preferred_language=pl&limit=20&total=exact").content.decode()

    head = estimated.split('id="list-total"')[1].split("</div>")[0]
    assert "about " in head
    assert "preferred_language=pl&amp;total=exact" in head
    assert "Count exactly" in head
    exact_head = exact.split('id="list-total"')[1].split("</div>")[0]
    assert "42 records" in exact_head
    assert "about" not in exact_head


def test_a_filter_change_updates_the_total_in_the_header(login, owner, many):
    response = login(owner).get("/contacts/?q=Nowak1", headers={"HX-Request": "true"})

    body = response.content.decode()
    assert 'id="list-total" hx-swap-oob="true"' in body
    assert "11 records" in body  # Nowak1, Nowak10 ... Nowak19


def test_the_api_marks_an_estimated_total(api, admin_user, many, small_thresholds):
    client = api(admin_user)

    estimated = client.get("/contacts", {"total": "true", "limit": "10"}).json()
    exact = client.get("/contacts", {"total": "exact", "limit": "10"}).json()
    without = client.get("/contacts").json()

    assert estimated["total_is_estimate"] is True
    assert exact["total"] == 42
    assert exact["total_is_estimate"] is False
    assert without["total"] is None


def test_the_api_counts_a_small_list_exactly_for_the_user_only(api, outsider, many):
    body = api(outsider).get("/contacts", {"total": "true"}).json()

    assert body["total"] == 12
    assert body["total_is_estimate"] is False
    assert len(body["items"]) == 12


def test_a_first_page_holding_every_row_is_the_total_and_nothing_is_counted(
    owner, many, small_thresholds, django_assert_num_queries
):
    """A filter matching a few records (or none) needs no count: the first page is all of them, even
    where the list would otherwise only estimate."""
    few = query(q="", last_name="", limit="50")
    page = selectors.contact_page(owner, few)
    assert page.next_cursor is None
    with django_assert_num_queries(0):
        shown = selectors.contact_total(owner, few, page=page)
    assert shown == listing.Total(30, True)

    nothing = query(preferred_language="ru")
    empty = selectors.contact_page(owner, nothing)
    with django_assert_num_queries(0):
        assert selectors.contact_total(owner, nothing, page=empty) == listing.Total(0, True)

    # A page with more after it, or one further along, says nothing of the whole: counted as before.
    first = query(limit="10")
    paged = selectors.contact_page(owner, first)
    assert paged.next_cursor is not None
    assert selectors.contact_total(owner, first, page=paged) == selectors.contact_total(owner, first)
    later = query(limit="50", cursor=paged.next_cursor)
    rest = selectors.contact_page(owner, later)
    assert rest.next_cursor is None
    assert selectors.contact_total(owner, later, page=rest) == selectors.contact_total(owner, later)
    assert selectors.contact_total(owner, later, page=rest).value != len(rest.items)


def test_the_screen_and_the_api_show_a_complete_first_page_as_its_count(owner, many, api, login):
    body = api(owner).get("/contacts?preferred_language=pl&limit=100&total=true").json()
    assert (body["total"], body["total_is_estimate"]) == (30, False)
    html = login(owner).get("/contacts/?preferred_language=pl").content.decode()
    assert "30" in html
