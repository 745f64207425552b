"""Contact and company services: limits on what one record carries."""

import pytest
from django.core.exceptions import ValidationError

from accord.core.models import Tag
from accord.people import services


def test_a_record_carries_at_most_fifty_tags_and_a_longer_list_is_refused_whole(owner, make_contact):
    contact = make_contact(owner, tags=["VIP"])

    with pytest.raises(ValidationError) as caught:
        services.update_contact(actor=owner, contact=contact, data={"tags": [f"t{n}" for n in range(20_000)]})

    assert "50" in caught.value.message_dict["tags"][0]
    contact.refresh_from_db()
    assert [t.name for t in contact.tags.all()] == ["VIP"]
    assert not Tag.objects.filter(name="t1").exists()
    ok = services.update_contact(
        actor=owner, contact=contact, data={"tags": [f"t{n}" for n in range(services.MAX_TAGS)]}
    )
    assert ok.tags.count() == services.MAX_TAGS


def test_renaming_or_deleting_a_company_reindexes_its_contacts_in_a_fixed_number_of_queries(
    owner, make_company, make_contact, django_assert_max_num_queries
):
    from accord.people.models import Contact

    acme = make_company(owner, name="Acme")
    other = make_company(owner, name="Zeta")
    contacts = [
        make_contact(
            owner,
            emails=[{"email": f"p{n}@acme.pl"}],
            phones=[{"number": f"+4860100{n:04d}"}],
            companies=[{"company": acme}, {"company": other}] if n % 2 else [{"company": acme}],
        )
        for n in range(30)
    ]

    with django_assert_max_num_queries(25):
        services.update_company(actor=owner, company=acme, data={"name": "Acme Renamed"})

    for contact in Contact.objects.filter(pk__in=[c.pk for c in contacts]):
        assert "renamed" in contact.search_text
        assert contact.search_text == services.contact_search_text(contact)

    with django_assert_max_num_queries(40):
        services.delete_company(actor=owner, company=acme)

    for contact in Contact.objects.filter(pk__in=[c.pk for c in contacts]):
        assert "renamed" not in contact.search_text
        assert contact.search_text == services.contact_search_text(contact)


def test_a_new_record_keeps_what_reading_its_lists_back_would_give(owner, make_company, make_contact):
    """Creating writes the row once and does not read its lists back: its search text, first
    e-mail and phone, and the audit's view of its lists are what reading them back gives."""
    from accord.core.models import AuditEntry
    from accord.people.models import Company, Contact

    Tag.objects.create(name="VIP")
    zeta = make_company(owner, name="Zeta")
    acme = make_company(
        owner,
        name="Acme",
        emails=[{"email": "biuro@acme.pl"}, {"email": "faktury@acme.pl", "label": "billing"}],
        phones=[{"number": "22 123 45 67", "label": "work"}],
        addresses=[{"street": "Długa 1", "city": "Kraków", "country": "PL"}],
        tags=["vip", "b2b"],
    )
    variants = [
        {},
        {"emails": [{"email": "a@x.pl"}, {"email": "b@x.pl", "label": "home"}], "tags": ["vip"]},
        {"phones": [{"number": "601 234 567"}], "companies": [{"company": zeta}, {"company": acme}]},
        {"companies": [{"company": zeta, "job_title": "CEO"}, {"company": acme, "is_primary": True}]},
        {"addresses": [{"city": "Gdańsk"}, {"street": "Polna 3", "city": "Warszawa"}], "external_id": "x-1"},
    ]
    made = [acme, zeta, *(make_contact(owner, **variant) for variant in variants)]

    for record in made:
        stored = type(record).objects.get(pk=record.pk)
        if isinstance(stored, Contact):
            assert stored.search_text == services.contact_search_text(stored)
        else:
            assert isinstance(stored, Company)
            assert stored.search_text == services.company_search_text(stored)
        emails = list(stored.emails.values_list("email", flat=True))
        phones = list(stored.phones.values_list("number", flat=True))
        assert stored.primary_email == (emails[0] if emails else "")
        assert stored.primary_phone == (phones[0] if phones else "")
        created = AuditEntry.objects.get(object_id=str(record.pk), action="create")
        read_back = services._lists_snapshot(stored)
        for name, value in read_back.items():
            assert created.changes[name][1] == value, (name, created.changes)
    assert AuditEntry.objects.get(object_id=str(acme.pk), action="create").changes["tags"][1] == ["VIP", "b2b"]
