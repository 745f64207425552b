"""A bulk action on every record a user can see is named as such: a search that finds nothing to
look for (invisible characters only) is no filter and does not stand in for that choice."""

from __future__ import annotations

import pytest

from accord.core import listing, lists
from accord.people.models import Contact

INVISIBLE = ["\u200b", "\u00a0", "\u200b\u00a0\u200c\u200d\ufeff", " \u2060 "]


@pytest.mark.parametrize("text", INVISIBLE)
def test_a_search_of_invisible_characters_is_no_filter(text):
    query = listing.parse(lists.get("contact").spec, {"q": text}, strict=False)

    assert query.search == ""
    assert "q" not in query.raw
    assert not query.is_filtered()


def test_a_real_search_next_to_invisible_characters_is_kept():
    query = listing.parse(lists.get("contact").spec, {"q": "\u200bacme\u00a0"}, strict=False)

    assert query.is_filtered()
    assert query.raw["q"] == ["\u200bacme"]


def test_change_owner_with_an_invisible_search_still_needs_the_all_records_choice(
    login, admin_user, owner, teammate, make_contact
):
    # Given contacts of one owner, and an administrator who may give them to anyone
    contacts = [make_contact(owner) for _ in range(2)]
    client = login(admin_user)

    # When a hand-made request "searches" a zero-width space and confirms without "all records"
    refused = client.post(
        "/lists/contact/bulk/", {"action": "owner", "q": "\u200b", "new_owner": str(teammate.pk), "confirm": "1"}
    )

    # Then it is refused as an unfiltered change and nobody's contacts moved
    assert refused.status_code == 422
    assert "No filter is set" in refused.content.decode()
    assert set(Contact.objects.filter(pk__in=[c.pk for c in contacts]).values_list("owner_id", flat=True)) == {owner.pk}


def test_a_bulk_delete_with_an_invisible_search_shows_the_all_records_choice(login, admin_user, owner, make_contact):
    make_contact(owner)
    client = login(admin_user)

    page = client.get("/lists/contact/bulk/", {"action": "delete", "q": "\u00a0\u200b"}).content.decode()
    refused = client.post("/lists/contact/bulk/", {"action": "delete", "q": "\u00a0\u200b", "confirm": "1"})

    assert 'name="everything"' in page
    assert refused.status_code == 422
    assert Contact.objects.count() == 1
