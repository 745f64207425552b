"""Handing many records to another owner at once."""

import pytest
from django.core.exceptions import ValidationError

from accord.core.access import AccessDenied
from accord.core.models import AuditEntry, Event
from accord.people import mass
from accord.people.models import Company, Contact


def test_manager_reassigns_a_filtered_set_with_one_audit_entry_per_record(manager, owner, teammate, make_contact):
    polish = [make_contact(owner, preferred_language="pl") for _ in range(3)]
    english = make_contact(owner, preferred_language="en")

    count = mass.reassign(actor=manager, queryset=Contact.objects.filter(preferred_language="pl"), owner=teammate)

    assert count == 3
    for contact in polish:
        contact.refresh_from_db()
        assert (contact.owner, contact.team_id, contact.version) == (teammate, teammate.primary_team_id, 2)
        entry = AuditEntry.objects.get(object_id=contact.pk, action="update")
        assert entry.actor == manager
        assert entry.entity == "people.contact"
        assert entry.changes == {
            "owner": [str(owner.pk), str(teammate.pk)],
            "team": [str(owner.primary_team_id), str(teammate.primary_team_id)],
        }
    english.refresh_from_db()
    assert english.owner == owner
    assert Event.objects.get(name="people.contact.reassigned").payload["count"] == 3


def test_a_mass_change_audits_with_time_ordered_keys_after_the_records_own(manager, owner, teammate, make_contact):
    contacts = [make_contact(owner) for _ in range(5)]
    created = set(AuditEntry.objects.values_list("pk", flat=True))

    mass.reassign(actor=manager, queryset=Contact.objects.all(), owner=teammate)
    mass.reassign(actor=manager, queryset=Contact.objects.all(), owner=owner)

    keys = [pk for pk in AuditEntry.objects.order_by("pk").values_list("pk", flat=True) if pk not in created]
    assert len(set(keys)) == 2 * len(contacts)
    assert all(key.version == 7 for key in keys)
    # Newer than every entry written before, and the second change's entries after the first's.
    assert min(keys) > max(created)
    first = set(AuditEntry.objects.filter(pk__in=keys, changes__owner__1=str(teammate.pk)).values_list("pk", flat=True))
    assert len(first) == len(contacts)
    assert keys[: len(contacts)] == sorted(first)


def test_records_out_of_reach_are_left_alone(manager, owner, outsider, teammate, make_contact):
    mine = make_contact(owner)
    theirs = make_contact(outsider)

    count = mass.reassign(actor=manager, queryset=Contact.objects.all(), owner=teammate)

    assert count == 1
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.owner == outsider
    assert mine.owner == teammate


def test_a_rep_cannot_hand_records_to_someone_else(owner, teammate, make_contact):
    make_contact(owner)

    with pytest.raises(AccessDenied) as caught:
        mass.reassign(actor=owner, queryset=Contact.objects.all(), owner=teammate)

    assert caught.value.message == "Your role may not give records to other users."
    assert Contact.objects.get().owner == owner


def test_a_manager_cannot_give_records_to_someone_out_of_reach(manager, owner, outsider, make_contact):
    make_contact(owner)

    with pytest.raises(ValidationError) as caught:
        mass.reassign(actor=manager, queryset=Contact.objects.all(), owner=outsider)

    assert caught.value.message_dict == {"owner": ["No such user, or you may not give records to them."]}
    assert Contact.objects.get().owner == owner


def test_records_already_theirs_are_not_touched(manager, teammate, make_contact):
    contact = make_contact(teammate)

    assert mass.reassign(actor=manager, queryset=Contact.objects.all(), owner=teammate) == 0

    contact.refresh_from_db()
    assert contact.version == 1
    assert not AuditEntry.objects.filter(object_id=contact.pk, action="update").exists()


def test_reassign_through_the_api(api, manager, owner, teammate, make_contact):
    make_contact(owner, preferred_language="pl")
    make_contact(owner, preferred_language="en")

    response = api(manager).post(
        "/contacts/reassign", {"filters": {"preferred_language": "pl"}, "owner_id": str(teammate.pk)}
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"count": 1}
    assert Contact.objects.filter(owner=teammate).count() == 1


def test_reassign_api_rejects_unknown_filters_and_owners(api, manager, teammate):
    client = api(manager)

    bad_filter = client.post("/contacts/reassign", {"filters": {"salary": "1"}, "owner_id": str(teammate.pk)})
    bad_owner = client.post("/contacts/reassign", {"owner_id": "00000000-0000-0000-0000-000000000000"})

    assert bad_filter.status_code == 422
    assert "filters.salary" in bad_filter.json()["errors"]
    assert bad_owner.status_code == 422
    assert "owner_id" in bad_owner.json()["errors"]


def test_read_only_user_cannot_reassign(api, viewer, owner, make_contact):
    make_contact(owner)

    response = api(viewer).post("/contacts/reassign", {"owner_id": str(viewer.pk)})

    assert response.status_code == 403
    assert Contact.objects.get().owner == owner


def test_reassigning_the_filtered_list_from_the_screen(login, manager, owner, teammate, make_contact):
    make_contact(owner, preferred_language="pl")
    make_contact(owner, preferred_language="en")
    client = login(manager)

    page = client.get("/contacts/reassign/?preferred_language=pl").content.decode()
    response = client.post(
        "/contacts/reassign/", {"preferred_language": "pl", "new_owner": str(teammate.pk), "confirm": "1"}
    )

    assert "1 record matches the list" in page
    assert response.status_code == 302
    assert response["Location"] == "/contacts/?preferred_language=pl"
    assert Contact.objects.get(preferred_language="pl").owner == teammate
    assert Contact.objects.get(preferred_language="en").owner == owner


def test_reps_cannot_open_the_reassign_screen(login, owner):
    assert login(owner).get("/contacts/reassign/").status_code == 403


@pytest.mark.parametrize("entity", ["contacts", "companies"])
@pytest.mark.parametrize("role", ["rep", "support"])
def test_a_role_without_the_reassign_permission_cannot_take_records_through_the_api(
    api, owner, teammate, support, make_contact, make_company, entity, role
):
    """The screen never offers "Change owner" to these roles; the API refuses them the same way,
    with filters or without (which would be every record they may change)."""
    make_contact(teammate)
    make_company(teammate)
    taker = owner if role == "rep" else support
    model = Contact if entity == "contacts" else Company

    unfiltered = api(taker).post(f"/{entity}/reassign", {"owner_id": str(taker.pk)})
    filtered = api(taker).post(
        f"/{entity}/reassign", {"filters": {"owner": str(teammate.pk)}, "owner_id": str(taker.pk)}
    )

    for response in (unfiltered, filtered):
        assert response.status_code == 403
        assert response.json()["message"] == "Your role may not give records to other users."
    assert list(model.objects.values_list("owner", "version")) == [(teammate.pk, 1)]
    assert not AuditEntry.objects.filter(action="update").exists()
