"""Search: one normal form for the index and the query, substring and typo-tolerant matching,
scoped by the access policy, on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm) alike."""

import re

import pytest
from django.db import connection

from accord.core import access, search
from accord.people import services
from accord.people.models import Company, Contact


def contact_label(contact):
    return [contact.full_name, contact.primary_email]


def ranked_names(user, query, **kwargs):
    visible = access.scope(user, Contact.objects.all())
    return [hit.obj.full_name for hit in search.ranked(visible, query, label=contact_label, **kwargs)]


def matching_names(user, query):
    visible = access.scope(user, Contact.objects.all())
    return sorted(c.full_name for c in search.matching(visible, query))


@pytest.fixture
def people(owner, make_contact):
    return {
        "lukasz": make_contact(
            owner,
            first_name="Łukasz",
            last_name="Nowak",
            emails=[{"email": "lukasz.nowak@acme.pl"}],
            phones=[{"number": "601 234 567"}],
        ),
        "jan": make_contact(owner, first_name="Jan", last_name="Kowalski", emails=[{"email": "jk@firma.com.pl"}]),
        "anna": make_contact(
            owner, first_name="Anna", last_name="Żółć-Wiśniewska", phones=[{"number": "+48 22 123 45 67"}]
        ),
        "bo": make_contact(owner, first_name="Bo", last_name="Li"),
    }


# --- the normal form -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("Łukasz Żółć", "lukasz zolc"),
        ("  GRZEGORZ   Brzęczyszczykiewicz\t", "grzegorz brzeczyszczykiewicz"),
        ("Šarūnas Žemaitis", "sarunas zemaitis"),
        ("Ștefan Țiriac", "stefan tiriac"),
        ("Ёлкин Пётр", "елкин петр"),
        ("Straße Ørsted Đorđe", "strasse orsted dorde"),
        ("", ""),
    ],
)
def test_normalize_folds_case_diacritics_and_spaces(text, normal):
    assert search.normalize(text) == normal


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("601 234 567", "601234567"),
        ("+48 (601) 234-567", "48601234567"),
        ("+48601234567", "48601234567"),
        ("123-456-32-18", "1234563218"),
        ("Łukasz  NOWAK ", "lukasz nowak"),
        ("1234", "1234"),
        ("ul. 3 Maja 5", "ul. 3 maja 5"),
    ],
)
def test_query_terms_keep_only_the_digits_of_a_phone_number(query, terms):
    assert search.query_terms(query) == terms


def test_the_document_holds_each_part_once_in_normal_form():
    assert search.document("Łukasz Nowak", None, "", "LUKASZ NOWAK", "a@b.pl") == "lukasz nowak | a@b.pl"


def test_phone_terms_are_the_international_and_the_national_digits():
    assert search.phone_terms("+48601234567") == ["48601234567", "601234567"]
    assert search.phone_terms("") == []


# --- matching (list filters) -----------------------------------------------------------------------


def test_matching_finds_a_substring_anywhere_in_a_name(owner, people):
    assert matching_names(owner, "owals") == ["Jan Kowalski"]
    assert matching_names(owner, "wisniew") == ["Anna Żółć-Wiśniewska"]


def test_matching_needs_every_word_in_any_order(owner, people):
    assert matching_names(owner, "nowak łukasz") == ["Łukasz Nowak"]
    assert matching_names(owner, "nowak jan") == []


def test_matching_finds_words_of_one_and_two_letters(owner, people):
    assert matching_names(owner, "li") == ["Bo Li"]
    assert matching_names(owner, "bo li") == ["Bo Li"]
    assert matching_names(owner, "Jan k") == ["Jan Kowalski"]


def test_matching_finds_e_mail_and_phone_fragments(owner, people):
    assert matching_names(owner, "acme.pl") == ["Łukasz Nowak"]
    assert matching_names(owner, "601 234") == ["Łukasz Nowak"]
    assert matching_names(owner, "22 123 45") == ["Anna Żółć-Wiśniewska"]
    # Both numbers end in ...234567: 601 234 567 and 22 123 45 67.
    assert matching_names(owner, "234 567") == ["Anna Żółć-Wiśniewska", "Łukasz Nowak"]


def test_matching_with_an_empty_query_narrows_nothing(owner, people):
    assert len(matching_names(owner, "   ")) == 4


def test_matching_treats_query_syntax_as_text(owner, people):
    assert matching_names(owner, '"nowak') == []
    assert matching_names(owner, "nowak OR kowalski") == []
    assert matching_names(owner, "kow*") == []
    assert matching_names(owner, "k_walski") == []
    assert matching_names(owner, "kow%ski") == []


# --- ranked (the search box) -------------------------------------------------------------------------


def test_a_typo_still_finds_the_person(owner, people):
    assert ranked_names(owner, "Kowalsky") == ["Jan Kowalski"]


def test_a_name_found_as_typed_comes_without_its_look_alikes(owner, make_contact):
    make_contact(owner, first_name="Anna", last_name="Nowak")
    make_contact(owner, first_name="Anna", last_name="Nowack")

    assert ranked_names(owner, "nowak") == ["Anna Nowak"]
    # Mistyped so that nothing matches as typed: the near misses are offered.
    assert "Anna Nowak" in ranked_names(owner, "nowakc")


def test_a_name_typed_without_polish_letters_and_a_letter_short_finds_it(owner, people):
    assert ranked_names(owner, "lukas nowak") == ["Łukasz Nowak"]


def test_ranked_finds_a_two_letter_name(owner, people):
    assert ranked_names(owner, "li") == ["Bo Li"]
    assert ranked_names(owner, "Bo") == ["Bo Li"]


def test_ranked_finds_by_e_mail_fragment(owner, people):
    assert ranked_names(owner, "jk@firma") == ["Jan Kowalski"]
    assert ranked_names(owner, "lukasz.nowak@") == ["Łukasz Nowak"]


@pytest.mark.parametrize("typed", ["601 234 567", "+48601234567", "+48 601-234-567", "601234567"])
def test_ranked_finds_by_phone_however_it_is_typed(owner, people, typed):
    assert ranked_names(owner, typed) == ["Łukasz Nowak"]


@pytest.mark.parametrize("typed", ["1234563218", "123-456-32-18", "456-32"])
def test_a_company_is_found_by_its_nip(owner, make_company, typed):
    acme = make_company(owner, name="Acme Polska", nip="PL 123-456-32-18")
    make_company(owner, name="Other")

    hits = search.ranked(access.scope(owner, Company.objects.all()), typed, label=lambda c: [c.name, c.nip, c.vat_id])

    assert [hit.obj for hit in hits] == [acme]


def test_the_closest_name_comes_first(owner, make_contact):
    make_contact(owner, first_name="Jan", last_name="Kowalczyk")
    make_contact(owner, first_name="Ewa", last_name="Kowalska")
    make_contact(owner, first_name="Jan", last_name="Kowalski")

    assert ranked_names(owner, "jan kowalski")[0] == "Jan Kowalski"
    assert ranked_names(owner, "kowalska")[0] == "Ewa Kowalska"


def test_ranked_returns_at_most_the_limit(owner, make_contact):
    for n in range(6):
        make_contact(owner, first_name="Adam", last_name=f"Nowak{n}")

    assert len(ranked_names(owner, "nowak", limit=4)) == 4


def test_unrelated_words_find_nothing(owner, people):
    assert ranked_names(owner, "zebra") == []
    assert ranked_names(owner, "  ") == []


# --- the access policy ---------------------------------------------------------------------------------


def test_an_outsiders_search_never_returns_the_owners_contact(owner, outsider, people, make_contact):
    theirs = make_contact(outsider, first_name="Jan", last_name="Kowalski")

    for query in ("Kowalski", "Kowalsky", "jan", "jk@firma", "601 234 567", "nowak"):
        visible = access.scope(outsider, Contact.objects.all())
        found = [hit.obj for hit in search.ranked(visible, query, label=contact_label)]
        assert set(found) <= {theirs}, query
        assert set(search.matching(visible, query)) <= {theirs}, query


def test_an_outsider_finds_their_own_typo_match_among_many_they_cannot_see(owner, outsider, make_contact):
    # Hundreds of closer look-alikes belong to someone else; they must not crowd out the one the
    # outsider may see (its longer search text ranks it below all of them in the index).
    Contact.objects.bulk_create(
        Contact(owner=owner, first_name="Jan", last_name="Kowalski", sort_name="kowalski jan", search_text="kowalski")
        for _ in range(300)
    )
    theirs = make_contact(
        outsider,
        first_name="Jan",
        last_name="Kowalski",
        emails=[{"email": "jan.kowalski@example.com"}],
        phones=[{"number": "601 234 567"}],
    )
    visible = access.scope(outsider, Contact.objects.all())

    hits = search.ranked(visible, "Kowalsky", label=contact_label)

    assert [hit.obj for hit in hits] == [theirs]


# --- keeping the index in step -------------------------------------------------------------------------


def test_a_renamed_contact_is_found_by_the_new_name_only(owner, people):
    services.update_contact(actor=owner, contact=people["jan"], data={"last_name": "Zieliński"})

    assert matching_names(owner, "zielinski") == ["Jan Zieliński"]
    assert matching_names(owner, "kowalski") == []
    assert ranked_names(owner, "Zielinsky") == ["Jan Zieliński"]


def test_a_deleted_contact_is_no_longer_found(owner, people):
    services.delete_contact(actor=owner, contact=people["jan"])

    assert matching_names(owner, "kowalski") == []
    assert ranked_names(owner, "Kowalsky") == []
    assert matching_names(owner, "nowak") == ["Łukasz Nowak"]


def test_a_raw_update_of_search_text_is_indexed_too(owner, people):
    Contact.objects.filter(pk=people["bo"].pk).update(search_text="bo li | mandarin speaker")

    assert matching_names(owner, "mandarin") == ["Bo Li"]


def test_a_row_inserted_in_bulk_is_indexed(owner, people):
    Contact.objects.bulk_create(
        [Contact(owner=owner, first_name="Olga", last_name="Bulk", sort_name="bulk olga", search_text="olga bulk")]
    )

    assert matching_names(owner, "bulk") == ["Olga Bulk"]


def test_a_rare_near_miss_is_not_crowded_out_by_a_common_one(owner, make_contact):
    # Hundreds of Nowaks also look like "nowikc"; the one Nowik, closer, must still be offered.
    Contact.objects.bulk_create(
        Contact(owner=owner, first_name="Jan", last_name="Nowak", sort_name="nowak jan", search_text="jan nowak")
        for _ in range(300)
    )
    make_contact(owner, first_name="Jan", last_name="Nowik")

    assert ranked_names(owner, "nowikc")[0] == "Jan Nowik"


def test_a_misspelt_word_next_to_a_right_one_finds_the_person(owner, people, make_contact):
    make_contact(owner, first_name="Ewa", last_name="Kowalska")

    assert ranked_names(owner, "jan kowlaski") == ["Jan Kowalski"]
    assert ranked_names(owner, "kowlaski jan") == ["Jan Kowalski"]


def test_a_typed_name_that_exists_but_is_itself_the_slip_still_finds_the_person(owner, people, make_contact):
    make_contact(owner, first_name="Jana", last_name="Nowak")

    # "Jana" is somebody's name, but no Jana Kowalski exists: Jan Kowalski is one slip away.
    assert ranked_names(owner, "jana kowalski") == ["Jan Kowalski"]


def test_two_swapped_letters_find_the_name_before_names_sharing_its_ending(owner, make_contact):
    make_contact(owner, first_name="Rokas", last_name="Sakalauskas")
    make_contact(owner, first_name="Rokas", last_name="Paulauskas")

    assert ranked_names(owner, "pualauskas")[0] == "Rokas Paulauskas"


def known_words():
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM search_word ORDER BY word")
        return [row[0] for row in cursor.fetchall()]


def test_the_dictionary_of_words_follows_inserts_renames_and_rebuilds(owner, make_contact):
    if connection.vendor != "postgresql":
        # SQLite finds near misses through its full-text index; it keeps no dictionary.
        assert search.install_words(connection) == []
        assert search.rebuild_words(connection) == 0
        return
    # Bulk inserts (one statement for many rows) and single saves alike: names and e-mail parts.
    Contact.objects.bulk_create(
        Contact(owner=owner, first_name="Olga", last_name=name, sort_name=name, search_text=f"olga {name}")
        for name in ("brzozowska", "brzozowski")
    )
    contact = make_contact(
        owner, first_name="Gertruda", last_name="Żmijewska", emails=[{"email": "g.z@poczta.example"}]
    )
    assert {"olga", "brzozowska", "brzozowski", "gertruda", "zmijewska", "poczta", "example"} <= set(known_words())
    # Digits, single letters and two-letter parts are not words to correct.
    assert not [w for w in known_words() if len(w) < 3 or any(ch.isdigit() for ch in w)]

    services.update_contact(actor=owner, contact=contact, data={"last_name": "Wróblewska"})
    assert "wroblewska" in known_words()
    assert ranked_names(owner, "wroblewsak") == ["Gertruda Wróblewska"]

    # Handing contacts to another owner leaves the search text alone and adds nothing.
    before = len(known_words())
    Contact.objects.update(owner=owner)
    assert len(known_words()) == before

    # A rebuild forgets the words no record holds any more, and any word held twice.
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO search_word (word) VALUES ('olga')")
    count = search.rebuild_words(connection)

    words = known_words()
    assert "zmijewska" not in words
    assert words.count("olga") == 1
    assert count == len(words)
    assert search.install_words(connection) == []


def test_repair_reinstalls_dropped_triggers_and_reindexes(owner, people):
    if connection.vendor == "postgresql":
        # PostgreSQL indexes the column itself; there are no triggers to lose.
        assert search.repair_indexes(connection, [Contact, Company]) == []
        return
    with connection.cursor() as cursor:
        for suffix in ("ai", "ad", "au"):
            cursor.execute(f'DROP TRIGGER "people_contact_fts_{suffix}"')
    # Written while the triggers were missing: the index does not know of it yet.
    Contact.objects.filter(pk=people["bo"].pk).update(search_text="bo li | mandarin speaker")

    repaired = search.repair_indexes(connection, [Contact, Company])

    assert repaired == ["people_contact"]
    assert matching_names(owner, "mandarin") == ["Bo Li"]
    assert search.repair_indexes(connection, [Contact, Company]) == []
    services.update_contact(actor=owner, contact=people["jan"], data={"last_name": "Zieliński"})
    assert matching_names(owner, "zielinski") == ["Jan Zieliński"]
    assert matching_names(owner, "kowalski") == []


def test_every_model_with_search_text_is_searchable(db):
    assert {Contact, Company} <= set(search.searchable_models())


@pytest.mark.django_db(transaction=True)
def test_reindex_command_rebuilds_a_broken_index(owner, make_contact):
    import io

    from django.core.management import call_command
    from django.db import connection

    from accord.core import search
    from accord.people.models import Contact

    contact = make_contact(owner, first_name="Gertruda", last_name="Wiśniewska")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # What a VACUUM's renumbering amounts to: the index points at no row.
            cursor.execute("INSERT INTO people_contact_fts(people_contact_fts) VALUES ('delete-all')")
    out = io.StringIO()

    call_command("reindex", stdout=out)

    assert "Rebuilt" in out.getvalue()
    assert list(search.matching(Contact.objects.all(), "gertruda")) == [contact]


def test_control_characters_in_a_query_are_ignored(owner, make_contact):
    contact = make_contact(owner, first_name="Ola", last_name="Zawada")

    hits = search.ranked(Contact.objects.all(), "\x1fzawa\x00da\x7f", label=lambda c: [c.full_name])

    assert search.normalize("a\x00b\tc") == "a b c"
    assert [h.obj for h in hits] == [contact]


# --- words the trigram index cannot narrow -----------------------------------------------------------


def test_words_without_three_letters_in_a_row_are_checked_on_rows_not_asked_of_the_index(
    owner, make_contact, make_company
):
    """ "sp. z o.o." has only the trigrams of one- and two-letter words, which most rows share: asked
    of pg_trgm's index it returned 80,000 of a million contacts for a search wanting a hundred."""
    stalbud = make_company(owner, name="Stalbud Sp. z o.o.")
    make_company(owner, name="Stalbud S.A.")
    visible = access.scope(owner, Company.objects.all())

    for word in ["sp.", "z", "o.o."]:
        sql = str(visible.filter(search._pg_contains(visible, word)).query)
        assert not re.search(r'"search_text"(::text)? LIKE', sql), sql
    assert list(search.matching(visible, "sp. z o.o.")) == [stalbud]
    assert [h.obj for h in search.ranked(visible, "Sp. z o.o.", label=lambda c: [c.name])] == [stalbud]
    # A word with a run of three letters still asks the index for that run.
    sql = str(visible.filter(search._pg_contains(visible, "o.o.stal")).query)
    assert re.search(r'"search_text"(::text)? LIKE', sql)
