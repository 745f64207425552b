"""A filtered contact list reads a bounded stretch of its sort order, then the filters' indexes
(``listing._read_segment``): every page must hold exactly the rows, in exactly the order, that the
plain query (one ``ORDER BY ... LIMIT``) gives, on both databases."""

import dataclasses
import datetime
import itertools

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from accord.core import listing
from accord.people.models import Contact
from accord.people.selectors import CONTACT_LIST, visible_contacts

WALK = 6  # rows of the sort order read before the filters' indexes are asked (a million: 5,000)
BOUNDED = dataclasses.replace(CONTACT_LIST, walk=WALK)
PLAIN = dataclasses.replace(CONTACT_LIST, walk=0)

COMBINATIONS = [
    "preferred_language=de&sort=name",  # rare, far along the order
    "preferred_language=de&sort=-last_interaction",
    "preferred_language=pl&sort=-created",  # common: found within the walk
    "source=event&sort=last_interaction",
    "source=import&birthday_after=1980-01-01&birthday_before=1990-12-31&sort=-name",
    "birthday_after=1985-01-01&sort=updated",
    "has_email=false&sort=-created",
    "no_interaction=true&sort=-last_interaction",
    "no_interaction=false&sort=last_interaction",
    "last_interaction_before=2026-01-10&sort=-last_interaction",
    "created_after=2026-01-15&sort=name",
    "preferred_channel=sms&sort=created",
]


@pytest.fixture
def people(owner, teammate, outsider, team_north, team_south):
    """90 contacts of three owners (two of one team), with ties in every sort column and NULL
    last interactions; the rare values sit at the end of the name order."""
    base = datetime.datetime(2026, 1, 1, 9, tzinfo=datetime.UTC)
    owners = itertools.cycle([(owner, team_north), (teammate, team_north), (outsider, team_south)])
    rows = []
    for i in range(90):
        who, team = next(owners)
        rare = i >= 80
        last = f"Zz{i % 3}" if rare else f"N{i % 7}"  # names repeat: ties in sort_name
        rows.append(
            Contact(
                first_name="Ann",
                last_name=last,
                sort_name=f"{last.lower()} ann",
                owner=who,
                team=team,
                preferred_language="de" if rare else ("pl" if i % 2 else "en"),
                preferred_channel="sms" if i % 11 == 0 else "",
                source="event" if rare or i % 13 == 0 else ("import" if i % 3 else "manual"),
                birthday=None if i % 4 == 0 else datetime.date(1975 + i % 20, 1 + i % 12, 1 + i % 27),
                primary_email="" if i % 9 == 0 else f"ann{i}@example.com",
                # Ties in time (every fifth row shares a moment) and NULLs (every sixth row).
                created_at=base + datetime.timedelta(days=i // 5),
                last_interaction_at=None if i % 6 == 0 else base + datetime.timedelta(days=(i * 7) % 30),
            )
        )
    Contact.objects.bulk_create(rows)
    Contact.objects.update(updated_at=base)  # every row ties on "updated"
    return rows


def _walk(spec, user, params, *, limit=4, backwards=False):
    """Every page of the list (forwards, or backwards from the last page), as lists of ids."""
    pages = []
    query = listing.parse(spec, QueryDict(f"{params}&limit={limit}"), strict=True)
    if backwards:
        while True:  # to the last page first
            page = listing.paginate(spec, query, listing.apply(spec, query, visible_contacts(user)))
            if not page.next_cursor:
                break
            query.cursor = page.next_cursor
    while True:
        page = listing.paginate(spec, query, listing.apply(spec, query, visible_contacts(user)))
        pages.append([c.pk for c in page.items])
        token = page.prev_cursor if backwards else page.next_cursor
        if not token:
            return pages
        if backwards:
            query.cursor, query.before = "", token
        else:
            query.cursor = token


@pytest.mark.parametrize("params", COMBINATIONS)
@pytest.mark.parametrize("who", ["admin", "rep"])
def test_every_page_is_the_plain_querys_page(people, admin_user, owner, params, who):
    user = admin_user if who == "admin" else owner
    plain = _walk(PLAIN, user, params)
    assert plain != [[]]
    assert _walk(BOUNDED, user, params) == plain
    assert _walk(BOUNDED, user, params, backwards=True) == _walk(PLAIN, user, params, backwards=True)


@pytest.mark.parametrize("params", COMBINATIONS[:6])
def test_when_many_rows_are_expected_after_the_walk_it_reads_on_in_order(people, owner, params, monkeypatch):
    plain = _walk(PLAIN, owner, params)
    monkeypatch.setattr(listing, "SORT_AT_MOST", -1)  # never sort: read on in the sort order

    assert _walk(BOUNDED, owner, params) == plain


def test_a_rep_sees_only_their_teams_rows_on_every_path(people, owner, outsider):
    seen = {pk for page in _walk(BOUNDED, owner, "preferred_language=de&sort=name") for pk in page}

    assert seen
    assert not Contact.objects.filter(pk__in=seen, owner=outsider).exists()
    assert seen == set(Contact.objects.filter(preferred_language="de", team__name="North").values_list("pk", flat=True))


def test_a_rare_filter_is_looked_up_through_its_index_and_sorted(people, admin_user):
    query = listing.parse(BOUNDED, QueryDict("preferred_language=de&sort=name&limit=4"), strict=True)
    with CaptureQueriesContext(connection) as captured:
        page = listing.paginate(BOUNDED, query, listing.apply(BOUNDED, query, visible_contacts(admin_user)))

    assert [c.sort_name for c in page.items] == ["zz0 ann"] * 3 + ["zz1 ann"]
    assert any("COALESCE" in q["sql"].upper() for q in captured.captured_queries)


def test_without_filters_the_list_is_one_plain_query(people, admin_user):
    query = listing.parse(BOUNDED, QueryDict("sort=name&limit=4"), strict=True)
    with CaptureQueriesContext(connection) as captured:
        listing.paginate(BOUNDED, query, listing.apply(BOUNDED, query, visible_contacts(admin_user)))

    assert len(captured.captured_queries) == 1


@pytest.mark.parametrize("params", COMBINATIONS[:4])
def test_a_bound_remembered_from_before_the_rows_changed_still_gives_the_plain_pages(people, owner, params):
    listing._WALK_BOUNDS.clear()
    _walk(BOUNDED, owner, params)  # remembers where each walk stopped
    remembered = dict(listing._WALK_BOUNDS)
    # Rows move in every sort order and a third of them go.
    for i, contact in enumerate(Contact.objects.order_by("pk")):
        if i % 3 == 0:
            contact.delete()
        else:
            Contact.objects.filter(pk=contact.pk).update(
                sort_name=f"{chr(97 + (i * 5) % 26)} ann", created_at=contact.created_at - datetime.timedelta(days=i)
            )

    pages = _walk(BOUNDED, owner, params)

    assert remembered
    assert all(listing._WALK_BOUNDS[key] is bound for key, bound in remembered.items()), "stale bounds were used"
    assert pages == _walk(PLAIN, owner, params)
