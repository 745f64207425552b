"""Creating, changing and deleting contacts through the services."""

import pytest
from django.core.exceptions import ValidationError

from accord.core.access import AccessDenied
from accord.core.errors import Conflict
from accord.core.models import AuditEntry, Event
from accord.people import services
from accord.people.models import Contact, EmailAddress


def test_contact_gets_normalised_phone_lowercase_email_and_search_text(owner, make_company):
    acme = make_company(owner, name="Acme Polska")

    contact = services.create_contact(
        actor=owner,
        data={
            "first_name": "Łukasz",
            "last_name": "Nowak",
            "emails": [{"email": "Lukasz.Nowak@ACME.pl"}],
            "phones": [{"number": "601 234 567"}],
            "companies": [{"company": acme, "job_title": "CEO"}],
        },
    )

    assert contact.primary_email == "lukasz.nowak@acme.pl"
    assert contact.primary_phone == "+48601234567"
    assert contact.search_text == "lukasz nowak | lukasz.nowak@acme.pl | 48601234567 | 601234567 | acme polska"
    assert contact.owner == owner
    assert contact.team_id == owner.primary_team_id
    assert contact.company_links.get().is_primary is True


def test_invalid_input_names_every_bad_field_and_stores_nothing(owner):
    with pytest.raises(ValidationError) as caught:
        services.create_contact(
            actor=owner,
            data={
                "first_name": "",
                "last_name": "",
                "emails": [{"email": "ok@example.com"}, {"email": "not-an-email"}],
                "phones": [{"number": "12"}],
                "preferred_language": "xx",
            },
        )

    errors = caught.value.message_dict
    assert set(errors) == {"last_name", "emails.1.email", "phones.0.number", "preferred_language"}
    assert Contact.objects.count() == 0
    assert EmailAddress.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_update_records_each_changed_field_in_the_audit_trail(owner, make_contact):
    contact = make_contact(owner, first_name="Anna", last_name="Nowak", emails=[{"email": "a@example.com"}])

    services.update_contact(
        actor=owner, contact=contact, data={"last_name": "Kowalska", "emails": [{"email": "b@example.com"}]}
    )

    entry = AuditEntry.objects.filter(object_id=contact.pk, action="update").get()
    assert entry.actor == owner
    assert entry.changes == {
        "emails": [["a@example.com"], ["b@example.com"]],
        "last_name": ["Nowak", "Kowalska"],
    }
    assert Event.objects.filter(name="people.contact.updated", object_id=contact.pk).count() == 1


def test_stale_version_is_a_conflict_and_changes_nothing(owner, teammate, make_contact):
    contact = make_contact(owner, first_name="Anna")
    services.update_contact(actor=teammate, contact=contact, data={"first_name": "Hanna"}, expected_version=1)

    with pytest.raises(Conflict):
        services.update_contact(actor=owner, contact=contact, data={"first_name": "Joanna"}, expected_version=1)

    contact.refresh_from_db()
    assert contact.first_name == "Hanna"
    assert contact.version == 2


def test_denied_write_changes_nothing(owner, viewer, make_contact):
    contact = make_contact(owner, first_name="Anna")

    with pytest.raises(AccessDenied):
        services.update_contact(actor=viewer, contact=contact, data={"first_name": "Changed"})

    contact.refresh_from_db()
    assert contact.first_name == "Anna"
    assert AuditEntry.objects.filter(object_id=contact.pk, action="update").count() == 0


def test_delete_keeps_the_last_values_in_the_audit_trail(owner, make_contact):
    contact = make_contact(owner, first_name="Anna", last_name="Nowak")

    services.delete_contact(actor=owner, contact=contact)

    assert not Contact.objects.exists()
    entry = AuditEntry.objects.get(action="delete")
    assert entry.changes["last_name"] == ["Nowak", None]
