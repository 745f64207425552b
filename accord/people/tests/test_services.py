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
