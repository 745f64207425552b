"""The confirmation of a bulk tag or field change counts only the records it would really change:
records already holding the value are "already as asked". Custom fields are offered in "Edit
field" and validated by the custom-field service, as on a record's own form."""

from __future__ import annotations

import re

import pytest

from accord.core import bulk_actions, lists
from accord.core.models import AuditEntry, CustomFieldDefinition, CustomFieldType
from accord.people.models import Contact


def _summary(page: str) -> str:
    found = re.search(r'id="bulk-summary"[^>]*>(.*?)</div>', page, re.S)
    assert found is not None
    return " ".join(found.group(1).split())


def _segment(manager):
    return CustomFieldDefinition.objects.create(
        entity="people.contact",
        key="segment",
        label="Segment",
        field_type=CustomFieldType.CHOICE,
        choices=["retail", "wholesale"],
    )


def test_adding_a_tag_counts_the_records_that_already_have_it_apart(login, manager, owner, make_contact):
    # Given three contacts, one already tagged (in another case)
    make_contact(owner, last_name="Tagged", tags=["vip"])
    make_contact(owner, last_name="Plain1")
    make_contact(owner, last_name="Plain2")
    client = login(manager)

    # When the tag to add is known to the confirmation
    page = client.get("/lists/contact/bulk/", {"action": "tag_add", "owner": str(owner.pk), "new_tag": "VIP"})
    summary = _summary(page.content.decode())

    # Then two will change and one is already as asked
    assert "3 records match the list" in summary
    assert "2 will change." in summary
    assert "1 already as asked" in summary
    assert "Change 2 records" in page.content.decode()
    assert "Tagged" not in re.search(r'id="bulk-sample">(.*?)</div>', page.content.decode(), re.S).group(1)


def test_removing_a_tag_counts_only_the_records_that_have_it(manager, owner, make_contact):
    make_contact(owner, tags=["Newsletter"])
    make_contact(owner)
    selection = bulk_actions.select(actor=manager, screen=lists.get("contact"), params={"owner": str(owner.pk)})
    change = bulk_actions.row_change(lists.get("contact"), "tag_remove", {"tag": "newsletter"})

    shown = bulk_actions.preview(actor=manager, selection=selection, action="tag_remove", change=change)

    assert (shown.total, shown.allowed, shown.changing, shown.already) == (2, 2, 1, 1)


def test_editing_a_field_counts_the_records_already_holding_the_value_apart(login, manager, owner, make_contact):
    make_contact(owner, last_name="English", preferred_language="en")
    make_contact(owner, last_name="Polish", preferred_language="pl")
    client = login(manager)

    page = client.get(
        "/lists/contact/bulk/",
        {"action": "field", "owner": str(owner.pk), "field": "preferred_language", "value": "en"},
    ).content.decode()

    assert "1 will change." in _summary(page)
    assert "1 already as asked" in _summary(page)
    assert "Change 1 record" in page


def test_before_the_value_is_known_the_summary_does_not_promise_changes(login, manager, owner, make_contact):
    make_contact(owner)

    page = login(manager).get("/lists/contact/bulk/", {"action": "tag_add", "owner": str(owner.pk)}).content.decode()

    assert "1 you may change." in _summary(page)
    assert "will change" not in _summary(page)


def test_records_already_as_asked_are_left_alone_and_not_counted_as_changed(login, manager, owner, make_contact):
    already = make_contact(owner, preferred_language="en")
    other = make_contact(owner, preferred_language="pl")
    client = login(manager)

    response = client.post(
        "/lists/contact/bulk/",
        {"action": "field", "owner": str(owner.pk), "field": "preferred_language", "value": "en", "confirm": "1"},
        follow=True,
    )

    assert "1 record was changed." in response.content.decode()
    assert Contact.objects.get(pk=already.pk).version == already.version
    assert Contact.objects.get(pk=other.pk).preferred_language == "en"


def test_custom_fields_are_offered_and_set_through_the_custom_field_service(login, manager, owner, make_contact):
    # Given a custom choice field on contacts, and contacts with and without a segment
    _segment(manager)
    set_already = make_contact(owner, custom={"segment": "retail"})
    unset = make_contact(owner)
    client = login(manager)

    # When the field is chosen on the confirmation
    chooser = client.get("/lists/contact/bulk/", {"action": "field", "owner": str(owner.pk)}).content.decode()
    with_value = client.get(
        "/lists/contact/bulk/", {"action": "field", "owner": str(owner.pk), "field": "cf.segment", "value": "retail"}
    ).content.decode()
    bad = client.post(
        "/lists/contact/bulk/",
        {"action": "field", "owner": str(owner.pk), "field": "cf.segment", "value": "export", "confirm": "1"},
    )
    good = client.post(
        "/lists/contact/bulk/",
        {"action": "field", "owner": str(owner.pk), "field": "cf.segment", "value": "retail", "confirm": "1"},
    )

    # Then it is offered, the preview counts the one already "retail", a value that is not a
    # choice is refused with the custom-field service's message, and the other contact changes
    assert '<option value="cf.segment"' in chooser
    assert "1 will change." in _summary(with_value)
    assert "1 already as asked" in _summary(with_value)
    assert bad.status_code == 422
    assert "export is not one of: retail, wholesale." in bad.content.decode()
    assert good.status_code == 302
    assert Contact.objects.get(pk=unset.pk).custom == {"segment": "retail"}
    assert Contact.objects.get(pk=set_already.pk).version == set_already.version
    entry = AuditEntry.objects.get(entity="people.contact", action="update", object_id=str(unset.pk))
    assert "segment" in str(entry.changes)


@pytest.mark.parametrize(
    ("field_type", "choices", "stored", "typed"),
    [
        (CustomFieldType.TEXT, [], "Gold", "Gold"),
        (CustomFieldType.NUMBER, [], 12, "12"),
        (CustomFieldType.DATE, [], "2026-05-01", "2026-05-01"),
        (CustomFieldType.BOOLEAN, [], True, "true"),
        (CustomFieldType.MULTI_CHOICE, ["wine", "beer"], ["wine", "beer"], "beer; wine"),
        (CustomFieldType.MONEY, [], {"amount": "12.50", "currency": "PLN"}, "12,50 PLN"),
    ],
)
def test_every_kind_of_custom_value_is_told_apart_from_records_already_holding_it(
    manager, owner, make_contact, field_type, choices, stored, typed
):
    CustomFieldDefinition.objects.create(
        entity="people.contact", key="extra", label="Extra", field_type=field_type, choices=choices
    )
    make_contact(owner, custom={"extra": stored})
    make_contact(owner)
    screen = lists.get("contact")
    selection = bulk_actions.select(actor=manager, screen=screen, params={"owner": str(owner.pk)})

    change = bulk_actions.row_change(screen, "field", {"field": "cf.extra", "value": typed})
    shown = bulk_actions.preview(actor=manager, selection=selection, action="field", change=change)
    cleared = bulk_actions.preview(
        actor=manager,
        selection=selection,
        action="field",
        change=bulk_actions.row_change(screen, "field", {"field": "cf.extra", "value": ""}),
    )

    assert (shown.changing, shown.already) == (1, 1)
    assert (cleared.changing, cleared.already) == (1, 1)


def test_a_list_filtered_by_tag_keeps_its_filter_apart_from_the_tag_to_add(login, manager, owner, make_contact):
    # Given a list filtered to the contacts tagged "Newsletter"
    subscribed = make_contact(owner, tags=["Newsletter"])
    other = make_contact(owner)
    client = login(manager)

    # When "Add tag" is confirmed for all of them
    response = client.post(
        "/lists/contact/bulk/", {"action": "tag_add", "tag": "Newsletter", "new_tag": "VIP", "confirm": "1"}
    )

    # Then only the filtered contact got the new tag, and the way back keeps the filter
    assert response.status_code == 302
    assert response["Location"] == "/contacts/?tag=Newsletter"
    assert sorted(t.name for t in Contact.objects.get(pk=subscribed.pk).tags.all()) == ["Newsletter", "VIP"]
    assert not Contact.objects.get(pk=other.pk).tags.exists()
