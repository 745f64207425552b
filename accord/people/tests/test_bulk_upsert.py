"""POST /api/v1/contacts/bulk-upsert: batches keyed on external id, idempotent, access-checked, audited."""

from __future__ import annotations

from accord.core import global_search
from accord.core.models import AuditEntry, Event
from accord.people.models import Contact

URL = "/contacts/bulk-upsert"


def record(n: int, **extra: object) -> dict:
    return {
        "external_id": f"shop-{n}",
        "first_name": "Anna",
        "last_name": f"Nowak{n}",
        "emails": [{"email": f"Anna.Nowak{n}@Example.com"}],
        "phones": [{"number": f"+48 601 234 {n:03d}"}],
        "tags": ["Shop"],
        **extra,
    }


def test_a_batch_creates_contacts_owned_by_the_caller(api, owner):
    response = api(owner).post(URL, {"records": [record(1), record(2)]})

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["failed"]) == (2, 0, 0, 0)
    assert [r["status"] for r in body["results"]] == ["created", "created"]
    contact = Contact.objects.get(external_id="shop-1")
    assert str(contact.pk) == body["results"][0]["id"]
    assert (contact.owner, contact.team_id, contact.source) == (owner, owner.primary_team_id, "api")
    assert (contact.primary_email, contact.primary_phone) == ("anna.nowak1@example.com", "+48601234001")
    assert list(contact.tags.values_list("name", flat=True)) == ["Shop"]
    entry = AuditEntry.objects.get(object_id=contact.pk)
    assert (entry.action, entry.actor, entry.changes["last_name"]) == ("create", owner, [None, "Nowak1"])


def test_sending_the_same_batch_twice_changes_nothing_the_second_time(api, owner):
    batch = {"records": [record(n) for n in range(1, 6)]}
    client = api(owner)  # one token: creating a token is itself audited
    client.post(URL, batch)
    versions = dict(Contact.objects.values_list("pk", "version"))
    audit, events = AuditEntry.objects.count(), Event.objects.count()

    body = client.post(URL, batch).json()

    assert (body["created"], body["updated"], body["unchanged"], body["failed"]) == (0, 0, 5, 0)
    assert dict(Contact.objects.values_list("pk", "version")) == versions
    assert (AuditEntry.objects.count(), Event.objects.count()) == (audit, events)


def test_a_changed_record_is_updated_and_audited(api, owner):
    api(owner).post(URL, {"records": [record(1), record(2)]})
    contact = Contact.objects.get(external_id="shop-2")

    body = api(owner).post(URL, {"records": [record(1), record(2, last_name="Kowalska", tags=["VIP"])]}).json()

    assert [r["status"] for r in body["results"]] == ["unchanged", "updated"]
    contact.refresh_from_db()
    assert (contact.last_name, contact.version) == ("Kowalska", 2)
    assert list(contact.tags.values_list("name", flat=True)) == ["VIP"]
    update = AuditEntry.objects.get(object_id=contact.pk, action="update")
    assert update.changes["last_name"] == ["Nowak2", "Kowalska"]
    assert update.changes["tags"] == [["Shop"], ["VIP"]]


def test_a_rep_cannot_overwrite_another_teams_contact_nor_learn_of_it(api, owner, outsider):
    api(outsider).post(URL, {"records": [record(1)]})

    body = api(owner).post(URL, {"records": [record(1, last_name="Hijacked"), record(2)]}).json()
    created_alone = api(owner).post("/contacts", {"last_name": "Kos", "external_id": "shop-1"})

    assert [r["status"] for r in body["results"]] == ["failed", "created"]
    # No id and no word of a contact: only what creating a record with this external id answers.
    assert body["results"][0] == {
        "external_id": "shop-1",
        "status": "failed",
        "id": None,
        "errors": {"external_id": ["Another record already has this external id."]},
    }
    assert created_alone.status_code == 422
    assert created_alone.json()["errors"] == body["results"][0]["errors"]
    theirs = Contact.objects.get(external_id="shop-1")
    assert (theirs.last_name, theirs.owner, theirs.version) == ("Nowak1", outsider, 1)


def test_a_contact_the_caller_sees_but_may_not_change_is_named(api, owner, make_user, team_north):
    from accord.identity.models import Role

    mine = api(owner).post(URL, {"records": [record(1)]}).json()["results"][0]["id"]
    own_only = make_user(Role.SALES_REP, [team_north])
    own_only.role.edit_reach = "own"
    own_only.role.save()

    body = api(own_only).post(URL, {"records": [record(1, last_name="Changed")]}).json()

    assert body["results"][0]["id"] == mine
    assert body["results"][0]["errors"] == {"external_id": ["This external id belongs to a record you may not change."]}
    assert Contact.objects.get(pk=mine).last_name == "Nowak1"


def test_an_owner_out_of_reach_reads_as_one_that_does_not_exist(api, owner, outsider):
    import uuid

    body = (
        api(owner)
        .post(
            URL,
            {"records": [record(1, owner_id=str(outsider.pk)), record(2, owner_id=str(uuid.uuid4()))]},
        )
        .json()
    )

    assert [r["status"] for r in body["results"]] == ["failed", "failed"]
    neutral = {"owner_id": ["No such user, or you may not give records to them."]}
    assert [r["errors"] for r in body["results"]] == [neutral, neutral]
    assert "Outsider" not in str(body)
    assert not Contact.objects.exists()


def test_bad_records_fail_alone_with_the_services_messages(api, owner):
    bad_email = record(2, emails=[{"email": "not-an-address"}])
    no_name = record(3, first_name="", last_name="")

    body = api(owner).post(URL, {"records": [record(1), bad_email, no_name, record(4)]}).json()

    assert [r["status"] for r in body["results"]] == ["created", "failed", "failed", "created"]
    assert body["results"][1]["errors"] == {"emails.0.email": ["not-an-address is not an e-mail address."]}
    assert body["results"][2]["errors"] == {"last_name": ["Enter a first or a last name."]}
    assert sorted(Contact.objects.values_list("external_id", flat=True)) == ["shop-1", "shop-4"]


def test_an_external_id_twice_in_one_batch_fails_both(api, owner):
    body = api(owner).post(URL, {"records": [record(1), record(1, last_name="Other")]}).json()

    assert [r["status"] for r in body["results"]] == ["failed", "failed"]
    assert body["results"][0]["errors"] == {"external_id": ["This external id is in the batch more than once."]}
    assert not Contact.objects.exists()


def test_a_stale_version_fails_that_record(api, owner):
    api(owner).post(URL, {"records": [record(1)]})
    api(owner).post(URL, {"records": [record(1, last_name="Changed")]})

    body = api(owner).post(URL, {"records": [record(1, last_name="Late", version=1)]}).json()

    assert body["results"][0]["status"] == "failed"
    assert body["results"][0]["errors"] == {"version": ["Someone else changed this record; load it again."]}
    assert Contact.objects.get().last_name == "Changed"


def test_idempotency_key_replays_the_first_answer(api, owner):
    client = api(owner)
    headers = {"Idempotency-Key": "batch-1"}
    first = client.post(URL, {"records": [record(1)]}, headers=headers)

    again = client.post(URL, {"records": [record(1)]}, headers=headers)

    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Contact.objects.count() == 1


def test_more_than_500_records_are_refused(api, owner):
    response = api(owner).post(URL, {"records": [record(n) for n in range(501)]})

    assert response.status_code == 422
    assert not Contact.objects.exists()


def test_text_with_a_nul_character_is_a_field_error_and_nothing_is_written(api, owner):
    response = api(owner).post(URL, {"records": [record(1), record(2, first_name="An\x00na")]})

    assert response.status_code == 422
    assert "NUL" in str(response.json()["errors"])
    assert not Contact.objects.exists()
    # The same rule holds for a single contact.
    single = api(owner).post("/api/v1/contacts", {"first_name": "Jan", "last_name": "Ko\x00wal"})
    assert single.status_code == 422
    assert "last_name" in single.json()["errors"]


def test_a_nul_character_deep_inside_a_record_is_found_too(api, owner):
    in_an_email = record(1, emails=[{"email": "a\x00b@example.com"}])
    in_custom_data = record(2, custom={"notes": ["fine", "not\x00fine"]})

    for bad in (in_an_email, in_custom_data):
        response = api(owner).post(URL, {"records": [record(3), bad]})

        assert response.status_code == 422
        assert "NUL" in str(response.json()["errors"])
    assert not Contact.objects.exists()


def test_a_read_only_user_is_refused(api, viewer):
    response = api(viewer).post(URL, {"records": [record(1)]})

    assert response.status_code == 403
    assert not Contact.objects.exists()


def test_upserted_contacts_are_found_by_global_search(api, owner, outsider):
    api(owner).post(URL, {"records": [record(7, last_name="Brzęczyszczykiewicz")]})

    hits = global_search.search_all(owner, "brzeczyszczyk")

    assert [(h.type, h.title) for h in hits] == [("contact", "Anna Brzęczyszczykiewicz")]
    assert global_search.search_all(owner, "601234007")[0].title == "Anna Brzęczyszczykiewicz"
    assert global_search.search_all(outsider, "brzeczyszczyk") == []
