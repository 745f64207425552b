"""Bulk actions on lists: a selection is list parameters; records the user may not change are
skipped; each action is confirmed, all-or-nothing and audited."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from accord.activities import services as activities
from accord.activities.models import Task
from accord.core import bulk_actions, lists
from accord.core.models import AuditEntry, Event
from accord.people.models import Contact
from accord.sales.models import Deal, Lead
from accord.sales.services import deals as deal_services
from accord.sales.services import leads as lead_services


def test_every_list_selects_rows_by_id(api, owner, make_contact):
    # Given three contacts
    first, second, _third = (make_contact(owner, last_name=name) for name in ("Adamska", "Bąk", "Cieślak"))

    # When the API is asked for two of them by id
    response = api(owner).get(f"/contacts?id={first.pk}&id={second.pk}")

    # Then exactly those two come back, and every list knows the filter
    assert response.status_code == 200
    assert sorted(row["last_name"] for row in response.json()["items"]) == ["Adamska", "Bąk"]
    assert all("id" in screen.spec.filter_map() for screen in lists._SCREENS.values())


def test_the_confirmation_counts_what_changes_and_what_is_skipped(login, owner, teammate, outsider, make_contact):
    # Given a rep who may change only their own contacts, and a list showing theirs and a teammate's
    mine = make_contact(owner, last_name="Nowak", source="event")
    make_contact(teammate, last_name="Zając", source="event")
    make_contact(outsider, last_name="Obcy", source="event")
    client = login(owner)

    # When they ask to delete all matching "event" contacts
    page = client.get("/lists/contact/bulk/?action=delete&source=event").content.decode()

    # Then the page counts the two they see, the one they may delete, and the one skipped
    assert "2 records match the list" in page
    assert "1 will be deleted." in page
    assert "1 you may not change will be skipped." in page
    assert "Jan Nowak" in page
    assert "Zając" not in page
    assert Contact.objects.filter(pk=mine.pk).exists()


def test_ticked_rows_get_a_tag_with_one_audit_entry_each(login, manager, owner, make_contact):
    ticked = [make_contact(owner, tags=["VIP"]), make_contact(owner)]
    untouched = make_contact(owner)
    client = login(manager)

    response = client.post(
        "/lists/contact/bulk/",
        {"action": "tag_add", "new_tag": "Trade fair", "id": [str(c.pk) for c in ticked], "confirm": "1"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/contacts/"
    assert [sorted(t.name for t in c.tags.all()) for c in Contact.objects.filter(pk__in=[c.pk for c in ticked])] == [
        ["Trade fair", "VIP"],
        ["Trade fair"],
    ]
    assert not untouched.tags.exists()
    entries = AuditEntry.objects.filter(entity="people.contact", action="update")
    assert sorted(e.changes["tags"][1] for e in entries) == [["Trade fair"], ["Trade fair", "VIP"]]
    assert Event.objects.get(name="people.contact.bulk_tag_add").payload["count"] == 2


def test_removing_a_tag_leaves_records_without_it_alone(manager, owner, make_contact):
    tagged = make_contact(owner, tags=["VIP", "Newsletter"])
    plain = make_contact(owner, tags=["Newsletter"])
    selection = bulk_actions.select(actor=manager, screen=lists.get("contact"), params={"tag": "Newsletter"})

    count = bulk_actions.remove_tag(actor=manager, selection=selection, tag="vip")

    assert count == 1
    assert [t.name for t in Contact.objects.get(pk=tagged.pk).tags.all()] == ["Newsletter"]
    assert AuditEntry.objects.filter(object_id=plain.pk, action="update").count() == 0


def test_editing_a_field_checks_the_value_and_names_the_field(login, manager, owner, make_contact):
    contact = make_contact(owner, preferred_language="pl")
    client = login(manager)

    bad = client.post(
        "/lists/contact/bulk/",
        {"action": "field", "field": "preferred_language", "value": "xx", "confirm": "1", "id": str(contact.pk)},
    )
    good = client.post(
        "/lists/contact/bulk/",
        {"action": "field", "field": "preferred_language", "value": "en", "confirm": "1", "id": str(contact.pk)},
    )

    assert bad.status_code == 422
    assert "Select a valid choice" in bad.content.decode()
    assert good.status_code == 302
    assert Contact.objects.get(pk=contact.pk).preferred_language == "en"


def test_a_field_outside_the_whitelist_is_refused(manager, owner, make_contact):
    make_contact(owner)
    selection = bulk_actions.select(actor=manager, screen=lists.get("contact"), params={"owner": str(owner.pk)})

    with pytest.raises(ValidationError) as raised:
        bulk_actions.set_field(actor=manager, selection=selection, field="external_id", value="X-1")
    error = raised.value
    assert error.message_dict == {"field": ["Choose a field to change."]}


def test_a_failing_record_rolls_the_whole_action_back(manager, owner):
    # Given two leads, one already converted (a service refuses to change its status)
    fresh = lead_services.create_lead(actor=owner, data={"last_name": "Fresh"})
    converted = lead_services.create_lead(actor=owner, data={"last_name": "Done"})
    Lead.objects.filter(pk=converted.pk).update(status="converted")
    selection = bulk_actions.select(actor=manager, screen=lists.get("lead"), params={"owner": str(owner.pk)})

    # When every one of them is to be marked "qualified"
    with pytest.raises(ValidationError) as raised:
        bulk_actions.set_field(actor=manager, selection=selection, field="status", value="qualified")
    error = raised.value

    # Then nothing changed, and the error names the field
    assert "status" in error.message_dict
    assert Lead.objects.get(pk=fresh.pk).status == "new"


def test_deals_change_expected_close_and_owner_from_the_list(login, manager, owner, teammate):
    deals = [deal_services.create_deal(actor=owner, data={"name": f"Deal {i}"}) for i in range(2)]
    client = login(manager)

    closed = client.post(
        "/lists/deal/bulk/",
        {"action": "field", "field": "expected_close", "value": "2027-03-31", "owner": str(owner.pk), "confirm": "1"},
    )
    moved = client.post(
        "/lists/deal/bulk/",
        {"action": "owner", "new_owner": str(teammate.pk), "owner": str(owner.pk), "confirm": "1"},
    )

    assert closed.status_code == 302
    assert moved.status_code == 302
    rows = Deal.objects.filter(pk__in=[d.pk for d in deals])
    assert {d.expected_close for d in rows} == {datetime.date(2027, 3, 31)}
    assert {d.owner_id for d in rows} == {teammate.pk}
    assert AuditEntry.objects.filter(entity="sales.deal", action="update", changes__has_key="owner").count() == 2


def test_deleting_tasks_goes_through_the_service_and_is_audited(login, manager, owner):
    tasks = [activities.create_task(actor=owner, data={"title": f"Call {i}"}) for i in range(3)]
    client = login(manager)

    response = client.post(
        "/lists/task/bulk/", {"action": "delete", "id": [str(t.pk) for t in tasks[:2]], "confirm": "1"}
    )

    assert response.status_code == 302
    assert list(Task.objects.values_list("title", flat=True)) == ["Call 2"]
    assert AuditEntry.objects.filter(entity="activities.task", action="delete").count() == 2


def test_an_unfiltered_bulk_delete_needs_the_all_records_choice(login, admin_user, owner):
    activities.create_task(actor=owner, data={"title": "Keep me"})
    client = login(admin_user)

    refused = client.post("/lists/task/bulk/", {"action": "delete", "confirm": "1"})

    assert refused.status_code == 422
    assert Task.objects.count() == 1


def test_large_row_by_row_selections_are_refused_in_the_request_not_half_done(manager, owner, make_contact, settings):
    # (The confirmation screen hands such selections to the worker: core/tests/test_bulk_jobs.py.)
    settings.ACCORD_BULK_SYNC_LIMIT = 2
    for _ in range(3):
        make_contact(owner)
    selection = bulk_actions.select(actor=manager, screen=lists.get("contact"), params={"owner": str(owner.pk)})

    with pytest.raises(ValidationError) as raised:
        bulk_actions.add_tag(actor=manager, selection=selection, tag="VIP")
    error = raised.value

    assert list(error.message_dict) == ["selection"]
    assert not Contact.objects.filter(tags__name="VIP").exists()


def test_actions_not_offered_to_the_role_are_forbidden(login, viewer, owner, make_contact):
    make_contact(owner)
    client = login(viewer)

    assert client.get("/lists/contact/bulk/?action=delete&owner=" + str(owner.pk)).status_code == 403
    assert client.post("/lists/contact/bulk/", {"action": "tag_add", "new_tag": "X", "confirm": "1"}).status_code == 403


def test_quotes_offer_no_bulk_changes(login, admin_user):
    assert lists.bulk_actions(lists.get("quote"), admin_user) == []
    assert login(admin_user).get("/lists/quote/bulk/?action=delete").status_code == 403
