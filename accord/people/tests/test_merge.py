"""Merging duplicates: everything moves to the survivor, nothing is lost, nothing is doubled."""

import pytest
from django.core.exceptions import ValidationError

from accord.activities import services as activities
from accord.activities.models import Interaction, Task
from accord.core.access import AccessDenied
from accord.core.models import AuditEntry
from accord.people import merging, services
from accord.people.models import Company, Contact, ContactCompany, EmailAddress


def test_merging_two_duplicates_that_share_a_tag_and_company(owner, make_contact, make_company):
    acme = make_company(owner, name="Acme")
    a = make_contact(owner, last_name="A")
    b = make_contact(owner, last_name="B", tags=["VIP"], companies=[{"company": acme}])
    c = make_contact(owner, last_name="C", tags=["VIP"], companies=[{"company": acme}])

    merged = merging.merge_contacts(actor=owner, survivor=a, duplicates=[b, c])

    assert [t.name for t in merged.tags.all()] == ["VIP"]
    assert ContactCompany.objects.filter(contact=merged).count() == 1
    assert merged.company_links.get().is_primary is True
    assert list(Contact.objects.all()) == [merged]


def test_merge_fills_blanks_but_never_overwrites(owner, make_contact):
    survivor = make_contact(owner, first_name="Ewa", last_name="Nowak", preferred_language="pl")
    duplicate = make_contact(
        owner, first_name="Ewelina", last_name="Nowak", preferred_language="en", birthday="1990-01-02", notes="VIP"
    )

    merged = merging.merge_contacts(actor=owner, survivor=survivor, duplicates=[duplicate])

    assert (merged.first_name, merged.preferred_language) == ("Ewa", "pl")
    assert (str(merged.birthday), merged.notes) == ("1990-01-02", "VIP")


def test_merge_keeps_one_of_each_email_and_the_timeline_and_tasks(owner, make_contact):
    survivor = make_contact(owner, emails=[{"email": "ewa@example.com"}])
    duplicate = make_contact(owner, emails=[{"email": "ewa@example.com"}, {"email": "ewa@home.pl"}])
    call = activities.log_interaction(actor=owner, data={"channel": "phone", "contact": duplicate})
    task = activities.create_task(actor=owner, data={"title": "Call back", "contact": duplicate})

    merged = merging.merge_contacts(actor=owner, survivor=survivor, duplicates=[duplicate])

    assert list(EmailAddress.objects.filter(contact=merged).values_list("email", "position")) == [
        ("ewa@example.com", 0),
        ("ewa@home.pl", 1),
    ]
    assert Interaction.objects.get(pk=call.pk).contact == merged
    assert Task.objects.get(pk=task.pk).contact == merged
    assert merged.last_interaction_at == call.occurred_at
    assert "ewa@home.pl" in merged.search_text


def test_the_duplicates_history_moves_to_the_survivor(owner, make_contact):
    survivor = make_contact(owner, first_name="Ewa")
    duplicate = make_contact(owner, first_name="Ewa")
    services.update_contact(actor=owner, contact=duplicate, data={"notes": "met at the fair"})

    merging.merge_contacts(actor=owner, survivor=survivor, duplicates=[duplicate])

    actions = list(AuditEntry.objects.filter(object_id=survivor.pk).values_list("action", flat=True))
    assert actions.count("create") == 2
    assert "merge" in actions
    # The old id keeps one entry that says where the record went.
    tombstone = AuditEntry.objects.get(object_id=duplicate.pk)
    assert tombstone.changes == {"merged_into": [None, str(survivor.pk)]}


def test_merging_companies_moves_their_people(owner, make_contact, make_company):
    survivor = make_company(owner, name="Acme")
    duplicate = make_company(owner, name="ACME Sp. z o.o.")
    person = make_contact(owner, companies=[{"company": duplicate, "job_title": "CFO"}])

    merging.merge_companies(actor=owner, survivor=survivor, duplicates=[duplicate])

    assert person.company_links.get().company == survivor
    assert "acme" in Contact.objects.get(pk=person.pk).search_text
    assert list(Company.objects.all()) == [survivor]


def test_merge_needs_rights_over_both_records(owner, teammate, make_contact):
    survivor = make_contact(teammate)
    duplicate = make_contact(teammate)

    with pytest.raises(AccessDenied):
        merging.merge_contacts(actor=owner, survivor=survivor, duplicates=[duplicate])

    assert Contact.objects.count() == 2


def test_a_record_is_not_merged_into_itself(owner, make_contact):
    contact = make_contact(owner)

    with pytest.raises(ValidationError):
        merging.merge_contacts(actor=owner, survivor=contact, duplicates=[contact])
