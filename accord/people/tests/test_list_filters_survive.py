"""The actions of a list act on the filters on screen: changing owner, exporting, saving a view."""

from __future__ import annotations

from django.utils.http import urlencode

from accord.people.models import Contact


def test_change_owner_keeps_the_lists_owner_filter(login, manager, owner, teammate, make_contact):
    # Given a manager whose contact list is filtered to one rep
    mine = [make_contact(owner, last_name="Nowak"), make_contact(owner, last_name="Adamski")]
    theirs = make_contact(teammate, last_name="Zieliński")
    client = login(manager)

    # When they open "Change owner" from that list and give the records to themselves
    page = client.get(f"/contacts/reassign/?owner={owner.pk}").content.decode()
    response = client.post(
        "/contacts/reassign/", {"owner": str(owner.pk), "new_owner": str(manager.pk), "confirm": "1"}
    )

    # Then only the rep's two contacts changed hands, and the page said so beforehand
    assert "2 records match the list" in page
    assert "Adamski" in page
    assert "Nowak" in page
    assert "Zieliński" not in page
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/?owner={owner.pk}"
    assert [c.owner for c in Contact.objects.filter(pk__in=[c.pk for c in mine])] == [manager, manager]
    assert Contact.objects.get(pk=theirs.pk).owner == teammate


def test_change_owner_of_an_unfiltered_list_needs_the_all_records_choice(login, manager, owner, make_contact):
    make_contact(owner)
    make_contact(owner)
    client = login(manager)

    refused = client.post("/contacts/reassign/", {"new_owner": str(manager.pk), "confirm": "1"})
    assert refused.status_code == 422
    assert "all records" in refused.content.decode()
    assert Contact.objects.filter(owner=manager).count() == 0

    done = client.post("/contacts/reassign/", {"new_owner": str(manager.pk), "confirm": "1", "everything": "1"})
    assert done.status_code == 302
    assert Contact.objects.filter(owner=manager).count() == 2


def test_change_owner_needs_a_confirmation(login, manager, owner, make_contact):
    make_contact(owner, preferred_language="pl")
    client = login(manager)

    response = client.post("/contacts/reassign/", {"preferred_language": "pl", "new_owner": str(manager.pk)})

    assert response.status_code == 422
    assert Contact.objects.get().owner == owner


def test_filtering_without_a_reload_updates_the_export_and_save_view_links(login, manager, owner, make_contact):
    # Given the contact list, filtered by HTMX (only the results are swapped)
    make_contact(owner)
    client = login(manager)

    fragment = client.get(f"/contacts/?owner={owner.pk}", headers={"HX-Request": "true"}).content.decode()

    # Then the swap carries the export links and the saved-view form with the filter on screen
    filtered = urlencode({"owner": owner.pk})
    assert f'href="/contacts/export/?{filtered}&amp;format=csv"' in fragment
    assert f'href="/contacts/export/?{filtered}&amp;format=xlsx"' in fragment
    assert f'href="/contacts/export/?{filtered}&amp;format=csv_excel"' in fragment
    assert f'name="query" value="{filtered}"' in fragment
