"""Lists: parsing filters and sorts, and keyset pagination that never skips or repeats a row."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from accord.core import listing
from accord.core.models import CustomFieldDefinition, CustomFieldType
from accord.people.models import Contact
from accord.people.selectors import CONTACT_LIST

UTC = datetime.UTC
SORTS = ["name", "-name", "created", "-created", "updated", "-updated", "last_interaction", "-last_interaction"]
SORT_FIELDS = {
    "name": "sort_name",
    "created": "created_at",
    "updated": "updated_at",
    "last_interaction": "last_interaction_at",
}


def at(day: int, hour: int = 0) -> datetime.datetime:
    return datetime.datetime(2025, 1, day, hour, tzinfo=UTC)


def contact_with(make_contact, owner, name, *, created, updated, last_interaction, **data):
    """A contact whose sort keys are set by hand (ties and NULLs included)."""
    contact = make_contact(owner, first_name="", last_name=name, **data)
    Contact.objects.filter(pk=contact.pk).update(
        created_at=created, updated_at=updated, last_interaction_at=last_interaction
    )
    return Contact.objects.get(pk=contact.pk)


@pytest.fixture
def contacts(owner, make_contact):
    """Twelve contacts with ties on every sort key and four without any interaction."""
    rows = [
        ("nowak", at(1), at(9), at(3)),
        ("nowak", at(1), at(9), at(3)),
        ("nowak", at(2), at(8), None),
        ("kowalski", at(2), at(8), at(3)),
        ("adamska", at(3), at(7), None),
        ("wisniewski", at(3), at(7), at(5)),
        ("zielinska", at(4), at(6), at(5)),
        ("lewandowski", at(4), at(6), None),
        ("kaminska", at(5), at(5), at(1)),
        ("dabrowski", at(5), at(5), at(2)),
        ("kowalski", at(6), at(4), None),
        ("mazur", at(6), at(4), at(2)),
    ]
    return [
        contact_with(make_contact, owner, name, created=created, updated=updated, last_interaction=last)
        for name, created, updated, last in rows
    ]


def expected_order(rows, sort):
    """The documented order: by the key (NULLs last either way), ties broken by id."""
    attr = SORT_FIELDS[sort.lstrip("-")]
    descending = sort.startswith("-")
    with_value = sorted(
        (r for r in rows if getattr(r, attr) is not None), key=lambda r: (getattr(r, attr), r.pk), reverse=descending
    )
    without_value = sorted((r for r in rows if getattr(r, attr) is None), key=lambda r: r.pk, reverse=descending)
    return with_value + without_value


def fetch(params):
    query = listing.parse(CONTACT_LIST, params, strict=True)
    return listing.paginate(CONTACT_LIST, query, listing.apply(CONTACT_LIST, query, Contact.objects.all()))


def walk(sort, limit=5, between_pages=None):
    """Every page after the first, following next_cursor; returns the pages' items."""
    pages = []
    params = {"sort": sort, "limit": str(limit)}
    while True:
        page = fetch(params)
        pages.append(page)
        if page.next_cursor is None:
            return pages
        if between_pages is not None:
            between_pages(len(pages))
        params = {**params, "cursor": page.next_cursor}


def ids(rows):
    return [r.pk for r in rows]


# --- walking every page -----------------------------------------------------------------------


@pytest.mark.parametrize("sort", SORTS)
def test_walking_every_page_visits_each_row_once_in_order(contacts, sort):
    pages = walk(sort, limit=5)

    visited = [row for page in pages for row in page.items]
    assert ids(visited) == ids(expected_order(contacts, sort))
    assert [len(page.items) for page in pages] == [5, 5, 2]


@pytest.mark.parametrize("sort", SORTS)
def test_a_page_size_that_divides_the_list_ends_without_an_empty_page(contacts, sort):
    pages = walk(sort, limit=4)

    assert [len(page.items) for page in pages] == [4, 4, 4]
    assert pages[-1].next_cursor is None


def test_the_first_page_has_no_previous_page(contacts):
    page = fetch({"sort": "name", "limit": "5"})

    assert page.prev_cursor is None
    assert page.next_cursor is not None
    assert page.limit == 5


def test_the_default_sort_is_by_name(contacts):
    page = fetch({"limit": "50"})

    assert ids(page.items) == ids(expected_order(contacts, "name"))


@pytest.mark.parametrize("sort", SORTS)
def test_paging_backwards_returns_exactly_the_previous_page(contacts, sort):
    forward = walk(sort, limit=3)
    assert len(forward) == 4

    for number in range(len(forward) - 1, 0, -1):
        page = forward[number]
        previous = fetch({"sort": sort, "limit": "3", "before": page.prev_cursor})

        assert ids(previous.items) == ids(forward[number - 1].items)
        assert previous.next_cursor is not None
        assert (previous.prev_cursor is None) == (number == 1)


@pytest.mark.parametrize("sort", SORTS)
def test_walking_backwards_from_the_end_visits_every_row_once(contacts, sort):
    forward = walk(sort, limit=5)
    visited = list(forward[-1].items)
    cursor = forward[-1].prev_cursor

    while cursor:
        page = fetch({"sort": sort, "limit": "5", "before": cursor})
        visited = page.items + visited
        cursor = page.prev_cursor

    assert ids(visited) == ids(expected_order(contacts, sort))


def test_following_next_after_going_back_returns_the_page_you_came_from(contacts):
    first, second, _ = walk("last_interaction", limit=5)

    back = fetch({"sort": "last_interaction", "limit": "5", "before": second.prev_cursor})
    again = fetch({"sort": "last_interaction", "limit": "5", "cursor": back.next_cursor})

    assert ids(back.items) == ids(first.items)
    assert ids(again.items) == ids(second.items)


# --- concurrent inserts ------------------------------------------------------------------------


@pytest.mark.parametrize("sort", SORTS)
def test_rows_added_during_a_walk_never_cause_a_repeat_or_a_skip(owner, make_contact, contacts, sort):
    added = []

    def insert_some(pages_read):
        # One row that sorts before everything, one after everything, one with no interaction.
        early, late = at(1) - datetime.timedelta(days=30), at(28)
        added.append(
            contact_with(make_contact, owner, f"aaa{pages_read}", created=early, updated=early, last_interaction=early)
        )
        added.append(
            contact_with(make_contact, owner, f"zzz{pages_read}", created=late, updated=late, last_interaction=late)
        )
        added.append(
            contact_with(make_contact, owner, f"mmm{pages_read}", created=late, updated=early, last_interaction=None)
        )

    pages = walk(sort, limit=3, between_pages=insert_some)

    visited = ids(row for page in pages for row in page.items)
    assert len(visited) == len(set(visited))
    assert set(ids(contacts)) <= set(visited)
    assert set(visited) <= set(ids(contacts)) | set(ids(added))
    # The rows that existed at the start keep their relative order.
    original = set(ids(contacts))
    assert [pk for pk in visited if pk in original] == ids(expected_order(contacts, sort))


def test_rows_added_behind_the_cursor_are_not_seen_and_rows_ahead_are(owner, make_contact, contacts):
    first = fetch({"sort": "name", "limit": "4"})
    behind = contact_with(make_contact, owner, "aaron", created=at(1), updated=at(1), last_interaction=None)
    ahead = contact_with(make_contact, owner, "zuber", created=at(1), updated=at(1), last_interaction=None)

    rest = fetch({"sort": "name", "limit": "50", "cursor": first.next_cursor})

    assert behind.pk not in ids(rest.items)
    assert ids(rest.items)[-1] == ahead.pk
    assert len(rest.items) == len(contacts) - 4 + 1


def test_a_row_added_into_a_tie_at_the_cursor_is_placed_by_its_id(owner, make_contact, contacts):
    # The three "nowak" rows tie; a new one has the highest id of all, so it comes after them.
    order = expected_order(contacts, "name")
    position = [r.sort_name for r in order].index("nowak") + 1  # the cursor falls inside the tie
    page = fetch({"sort": "name", "limit": str(position)})
    newcomer = contact_with(make_contact, owner, "nowak", created=at(1), updated=at(1), last_interaction=None)

    rest = fetch({"sort": "name", "limit": "50", "cursor": page.next_cursor})

    assert ids(page.items) + ids(rest.items) == [
        *ids(order[: position + 2]),
        newcomer.pk,
        *ids(order[position + 2 :]),
    ]


# --- parsing -----------------------------------------------------------------------------------


def test_unknown_filter_is_an_error_in_strict_mode(db):
    with pytest.raises(ValidationError) as caught:
        listing.parse(CONTACT_LIST, {"colour": "red"}, strict=True)

    assert list(caught.value.message_dict) == ["colour"]
    allowed = "Unknown filter. Allowed: abc_margin, abc_revenue, birthday_after, "
    assert caught.value.message_dict["colour"][0].startswith(allowed)


def test_unknown_filter_is_dropped_in_the_ui(db):
    query = listing.parse(CONTACT_LIST, {"colour": "red", "source": "referral"}, strict=False)

    assert query.filters == {"source": ["referral"]}
    assert query.raw == {"source": ["referral"]}


def test_unknown_sort_is_an_error_in_strict_mode(db):
    with pytest.raises(ValidationError) as caught:
        listing.parse(CONTACT_LIST, {"sort": "-salary"}, strict=True)

    assert caught.value.message_dict == {"sort": ["Unknown sort. Allowed: created, last_interaction, name, updated."]}


def test_unknown_sort_falls_back_to_the_default_in_the_ui(db):
    query = listing.parse(CONTACT_LIST, {"sort": "-salary"}, strict=False)

    assert query.sort == "name"
    assert "sort" not in query.raw


def test_a_descending_sort_is_kept_with_its_direction(db):
    query = listing.parse(CONTACT_LIST, {"sort": "-last_interaction"}, strict=True)

    assert query.sort == "-last_interaction"
    assert query.descending is True
    assert query.sort_name == "last_interaction"
    assert query.raw == {"sort": ["-last_interaction"]}


def test_a_doubled_minus_is_not_a_sort(db):
    with pytest.raises(ValidationError) as caught:
        listing.parse(CONTACT_LIST, {"sort": "--name"}, strict=True)

    assert list(caught.value.message_dict) == ["sort"]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "e30", "WyJ4Iiwibm90LWEtdXVpZCJd", "%%%"])
def test_malformed_cursor_is_an_error_in_strict_mode(db, cursor):
    with pytest.raises(ValidationError) as caught:
        listing.parse(CONTACT_LIST, {"cursor": cursor}, strict=True)

    assert caught.value.message_dict == {"cursor": ["Not a valid page cursor."]}


def test_malformed_cursor_is_dropped_in_the_ui_and_the_first_page_shown(contacts):
    query = listing.parse(CONTACT_LIST, {"cursor": "not-a-cursor", "before": "nor-this"}, strict=False)
    page = listing.paginate(CONTACT_LIST, query, Contact.objects.all())

    assert query.cursor == ""
    assert query.before == ""
    assert ids(page.items) == ids(expected_order(contacts, "name"))


@pytest.mark.parametrize("limit", ["0", "-1", "501", "ten", ""])
def test_limit_out_of_range_is_an_error_in_strict_mode(db, limit):
    with pytest.raises(ValidationError) as caught:
        listing.parse(CONTACT_LIST, {"limit": limit}, strict=True)

    assert caught.value.message_dict == {"limit": ["Enter a number from 1 to 500."]}


@pytest.mark.parametrize("limit", ["0", "-1", "501", "100000", "ten"])
def test_limit_out_of_range_falls_back_to_the_default_in_the_ui(db, limit):
    query = listing.parse(CONTACT_LIST, {"limit": limit}, strict=False, default_limit=50)

    assert query.limit == 50


def test_limit_within_range_is_kept(db):
    assert listing.parse(CONTACT_LIST, {"limit": "500"}, strict=True).limit == 500
    assert listing.parse(CONTACT_LIST, {"limit": "1"}, strict=True).limit == 1


def test_a_bad_filter_value_is_an_error_in_strict_mode_and_dropped_in_the_ui(db):
    params = {"owner": "not-a-uuid", "preferred_language": "xx", "source": "referral"}

    with pytest.raises(ValidationError) as caught:
        listing.parse(CONTACT_LIST, params, strict=True)
    query = listing.parse(CONTACT_LIST, params, strict=False)

    assert caught.value.message_dict == {
        "owner": ["Not a valid id."],
        "preferred_language": ["Choose one of: en, pl, lt, ro, ru, de, uk."],
    }
    assert query.filters == {"source": ["referral"]}


def test_reserved_names_and_ignored_parameters_are_not_filters(db):
    query = listing.parse(
        CONTACT_LIST, {"q": "  nowak ", "page": "3", "format": "csv"}, strict=True, ignore=["page", "format"]
    )

    assert query.filters == {}
    assert query.search == "nowak"
    assert query.raw == {"q": ["nowak"]}


# --- filters -----------------------------------------------------------------------------------


def test_comma_separated_values_of_one_filter_mean_or(owner, make_contact):
    web = make_contact(owner, source="web_form")
    referral = make_contact(owner, source="referral")
    make_contact(owner, source="campaign")

    page = fetch({"source": "web_form,referral", "sort": "created"})

    assert ids(page.items) == [web.pk, referral.pk]


def test_repeated_values_of_one_filter_mean_or(owner, make_contact):
    polish = make_contact(owner, preferred_language="pl")
    make_contact(owner, preferred_language="en")
    romanian = make_contact(owner, preferred_language="ro")

    page = fetch(QueryDict("preferred_language=pl&preferred_language=ro&sort=created"))

    assert ids(page.items) == [polish.pk, romanian.pk]


def test_different_filters_must_all_match(owner, make_contact):
    wanted = make_contact(owner, source="referral", preferred_language="pl")
    make_contact(owner, source="referral", preferred_language="en")
    make_contact(owner, source="campaign", preferred_language="pl")

    page = fetch({"source": "referral", "preferred_language": "pl,ro"})

    assert ids(page.items) == [wanted.pk]


def test_no_interaction_filter_finds_rows_with_a_null_date(contacts):
    page = fetch({"no_interaction": "tak", "sort": "created", "limit": "50"})

    assert sorted(r.last_name for r in page.items) == ["adamska", "kowalski", "lewandowski", "nowak"]


def test_date_range_filters_are_inclusive_at_the_start_and_exclusive_at_the_end(contacts):
    page = fetch(
        {"last_interaction_after": "2025-01-02", "last_interaction_before": "2025-01-05T00:00:00+00:00", "limit": "50"}
    )

    assert sorted(r.last_name for r in page.items) == ["dabrowski", "kowalski", "mazur", "nowak", "nowak"]


@pytest.fixture
def custom_fields(db):
    entity = "people.contact"

    def define(key, field_type, choices=()):
        return CustomFieldDefinition.objects.create(
            entity=entity, key=key, label=key.title(), field_type=field_type, choices=list(choices)
        )

    return {
        "region": define("region", CustomFieldType.TEXT),
        "employees": define("employees", CustomFieldType.NUMBER),
        "vip": define("vip", CustomFieldType.BOOLEAN),
        "segment": define("segment", CustomFieldType.CHOICE, ["retail", "wholesale"]),
        "interests": define("interests", CustomFieldType.MULTI_CHOICE, ["wine", "cheese", "Łódź trips", "wine tours"]),
        "signed": define("signed", CustomFieldType.DATE),
        "budget": define("budget", CustomFieldType.MONEY),
    }


@pytest.fixture
def customers(owner, make_contact, custom_fields):
    return {
        "a": make_contact(
            owner,
            last_name="A",
            custom={
                "region": "Mazowsze",
                "employees": "1 250",
                "vip": "yes",
                "segment": "retail",
                "interests": "wine; Łódź trips",
                "signed": "2025-03-01",
                "budget": "1200 EUR",
            },
        ),
        "b": make_contact(
            owner,
            last_name="B",
            custom={
                "region": "Pomorze",
                "employees": 12.5,
                "vip": "nie",
                "segment": "wholesale",
                "interests": ["cheese", "wine tours"],
                "signed": "2025-03-02",
                "budget": {"amount": "1200", "currency": "PLN"},
            },
        ),
        "c": make_contact(owner, last_name="C"),
    }


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        ("cf.region", "Mazowsze", ["a"]),
        ("cf.employees", "1250", ["a"]),
        ("cf.employees", "12,5", ["b"]),
        ("cf.vip", "true", ["a"]),
        ("cf.vip", "no", ["b"]),
        ("cf.segment", "wholesale", ["b"]),
        ("cf.interests", "wine", ["a"]),
        ("cf.interests", "cheese", ["b"]),
        ("cf.interests", "Łódź trips", ["a"]),
        ("cf.signed", "2025-03-02", ["b"]),
        ("cf.budget", "1200 EUR", ["a"]),
        ("cf.budget", "1200", ["b"]),
    ],
)
def test_custom_field_filters_match_the_stored_value(customers, param, value, expected):
    page = fetch({param: value})

    assert ids(page.items) == [customers[name].pk for name in expected]


def test_custom_field_filters_combine_with_each_other(customers):
    page = fetch({"cf.segment": "retail", "cf.vip": "yes"})
    nothing = fetch({"cf.segment": "retail", "cf.vip": "no"})

    assert ids(page.items) == [customers["a"].pk]
    assert nothing.items == []


def test_a_bad_custom_field_value_is_an_error_in_strict_mode(customers):
    with pytest.raises(ValidationError) as caught:
        listing.parse(CONTACT_LIST, {"cf.segment": "export", "cf.colour": "red"}, strict=True)

    assert caught.value.message_dict == {
        "cf.segment": ["export is not one of: retail, wholesale."],
        "cf.colour": ["Unknown custom field."],
    }


def test_a_bad_custom_field_value_is_dropped_in_the_ui(customers):
    query = listing.parse(
        CONTACT_LIST, {"cf.segment": "export", "cf.colour": "red", "cf.region": "Pomorze"}, strict=False
    )
    page = listing.paginate(CONTACT_LIST, query, listing.apply(CONTACT_LIST, query, Contact.objects.all()))

    assert query.raw == {"cf.region": ["Pomorze"]}
    assert ids(page.items) == [customers["b"].pk]


def test_several_values_of_a_choice_custom_field_mean_or(customers):
    page = fetch({"cf.segment": "retail,wholesale"})
    repeated = fetch(QueryDict("cf.interests=cheese&cf.interests=wine"))

    assert ids(page.items) == [customers["a"].pk, customers["b"].pk]
    assert ids(repeated.items) == [customers["a"].pk, customers["b"].pk]


def test_a_comma_in_a_text_custom_field_filter_is_part_of_the_value(owner, make_contact, custom_fields):
    wanted = make_contact(owner, last_name="D", custom={"region": "Gdańsk, Pomorze"})
    make_contact(owner, last_name="E", custom={"region": "Gdańsk"})

    page = fetch({"cf.region": "Gdańsk, Pomorze"})

    assert ids(page.items) == [wanted.pk]


def test_a_multiple_choice_filter_matches_whole_choices_only(customers):
    # "wine" is a prefix of "wine tours", which only contact B chose.
    page = fetch({"cf.interests": "wine tours"})

    assert ids(page.items) == [customers["b"].pk]


def test_a_cursor_from_another_sort_is_refused(contacts):
    by_name = fetch({"sort": "name", "limit": "2"})

    with pytest.raises(ValidationError) as caught:
        listing.parse(CONTACT_LIST, {"sort": "created", "cursor": by_name.next_cursor}, strict=True)

    assert caught.value.message_dict == {"cursor": ["Not a valid page cursor."]}


def test_a_cursor_on_a_row_without_interaction_is_valid_for_the_nullable_sort_only(contacts):
    token = listing.encode_cursor(None, contacts[0].pk)

    query = listing.parse(CONTACT_LIST, {"sort": "last_interaction", "cursor": token}, strict=True)
    with pytest.raises(ValidationError):
        listing.parse(CONTACT_LIST, {"sort": "created", "cursor": token}, strict=True)

    assert query.cursor == token


@pytest.mark.parametrize(
    "raw",
    ["0347-09-14T01:52:04-20:29", "2026-05-01T10:00:00+23:59", "0001-01-01T00:00:00", "9999-12-31T23:59:59-05:00"],
)
def test_a_datetime_filter_with_any_offset_or_year_is_read_or_refused_never_a_database_error(db, raw):
    try:
        query = listing.parse(CONTACT_LIST, {"created_after": raw}, strict=True)
    except ValidationError:
        return  # refused with a message: fine
    value = query.filters["created_after"][0]
    assert value.utcoffset() == datetime.timedelta(0)
    assert listing.paginate(CONTACT_LIST, query, Contact.objects.all()).items == []  # the database accepts it
