"""Bulk inserts write the same rows a save() would, on both databases."""

import datetime
import uuid

from django.utils import timezone

from accord.core import bulk, search
from accord.core.models import Tag
from accord.people.models import Contact, EmailAddress


def test_bulk_insert_writes_rows_that_read_back_identically(owner):
    when = timezone.now() - datetime.timedelta(days=3)
    contacts = [
        Contact(
            first_name=f"Ola{i}",
            last_name="Łęcka",
            sort_name=f"lecka ola{i}",
            owner=owner,
            team_id=owner.primary_team_id,
            custom={"segment": "SMB", "n": i},
            preferences=["Cloud"],
            search_text=search.document(f"Ola{i} Łęcka"),
            created_at=when,
        )
        for i in range(3)
    ]

    written = bulk.insert(Contact, contacts)
    bulk.insert(EmailAddress, [EmailAddress(contact=c, email=f"{c.first_name}@example.com") for c in contacts])

    assert written == 3
    stored = {c.pk: c for c in Contact.objects.all()}
    for original in contacts:
        copy = stored[original.pk]
        assert (copy.first_name, copy.custom, copy.preferences, copy.created_at) == (
            original.first_name,
            original.custom,
            ["Cloud"],
            when,
        )
        assert copy.version == 1
    assert EmailAddress.objects.filter(contact__in=contacts).count() == 3
    assert list(search.matching(Contact.objects.all(), "ola1 lecka")) == [stored[contacts[1].pk]]


def test_bulk_insert_of_nothing_writes_nothing(db):
    assert bulk.insert(Tag, []) == 0
    assert bulk.insert(Tag, [Tag(id=uuid.uuid4(), name="x")]) == 1


def test_insert_values_writes_plain_tuples(owner):
    pk = uuid.uuid4()
    when = timezone.now().replace(microsecond=123000)

    bulk.insert_values(
        Contact,
        [
            "id",
            "first_name",
            "last_name",
            "sort_name",
            "owner",
            "custom",
            "preferences",
            "created_at",
            "updated_at",
            "search_text",
            "birthday",
        ],
        [(pk, "Ana", "Pop", "pop ana", owner.pk, {"a": 1}, [], when, when, "ana pop", datetime.date(1990, 5, 4))],
    )

    stored = Contact.objects.get(pk=pk)
    assert (stored.first_name, stored.custom, stored.created_at, str(stored.birthday)) == (
        "Ana",
        {"a": 1},
        when,
        "1990-05-04",
    )
    assert stored.owner == owner
    assert stored.version == 1
