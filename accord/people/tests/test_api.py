"""The contacts and companies API: CRUD, filters, versions, idempotency, clear errors."""

import pytest

from accord.core.models import AuditEntry, IdempotencyRecord
from accord.people.models import Company, Contact


def test_create_contact_returns_it_normalised(api, owner, make_company):
    acme = make_company(owner, name="Acme")

    response = api(owner).post(
        "/contacts",
        {
            "first_name": "Ewa",
            "last_name": "Nowak",
            "emails": [{"email": "Ewa@Example.com"}],
            "phones": [{"number": "601 234 567"}],
            "companies": [{"company_id": str(acme.pk), "job_title": "CFO"}],
            "tags": ["VIP"],
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["full_name"] == "Ewa Nowak"
    assert body["emails"] == [{"email": "ewa@example.com", "label": "work"}]
    assert body["phones"] == [{"number": "+48601234567", "display": "+48 601 234 567", "label": "mobile"}]
    assert body["companies"][0]["company_name"] == "Acme"
    assert body["tags"] == ["VIP"]
    assert body["owner"]["username"] == "owner"
    assert body["version"] == 1
    assert body["warnings"] == []


def test_create_warns_about_a_likely_duplicate_but_creates_it(api, owner, make_contact):
    existing = make_contact(owner, first_name="Ewa", last_name="Nowak", emails=[{"email": "ewa@example.com"}])

    response = api(owner).post(
        "/contacts", {"first_name": "Ewa", "last_name": "Nowak", "emails": [{"email": "ewa@example.com"}]}
    )

    assert response.status_code == 201
    warning = response.json()["warnings"][0]
    assert warning["code"] == "possible_duplicate"
    assert warning["id"] == str(existing.pk)
    assert Contact.objects.count() == 2


def test_invalid_fields_are_422_with_every_field_named(api, owner):
    response = api(owner).post(
        "/contacts",
        {"first_name": "", "emails": [{"email": "nope"}], "phones": [{"number": "123"}], "birthday": "soon"},
    )

    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "Some fields are invalid."
    assert set(body["errors"]) == {"birthday"}
    assert Contact.objects.count() == 0

    response = api(owner).post(
        "/contacts", {"first_name": "", "emails": [{"email": "nope"}], "phones": [{"number": "123"}]}
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"last_name", "emails.0.email", "phones.0.number"}


def test_unknown_body_field_is_rejected(api, owner):
    response = api(owner).post("/contacts", {"first_name": "Ewa", "nickname": "E"})

    assert response.status_code == 422
    assert "nickname" in response.json()["errors"]


def test_malformed_json_is_400(api, owner):
    response = api(owner).post("/contacts", "{not json")

    assert response.status_code == 400
    assert response.json()["message"].startswith("Cannot parse request body")


def test_list_filters_sorts_and_pages(api, owner, make_contact):
    for name in ["Adamska", "Bielska", "Cicha", "Dudek", "Ejsmont"]:
        make_contact(owner, first_name="Anna", last_name=name, preferred_language="pl")
    make_contact(owner, first_name="John", last_name="Smith", preferred_language="en")
    client = api(owner)

    first = client.get("/contacts", {"preferred_language": "pl", "sort": "name", "limit": 2, "total": "true"}).json()
    second = client.get(
        "/contacts", {"preferred_language": "pl", "sort": "name", "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    back = client.get(
        "/contacts", {"preferred_language": "pl", "sort": "name", "limit": 2, "before": second["prev_cursor"]}
    ).json()

    assert first["total"] == 5
    assert [c["last_name"] for c in first["items"]] == ["Adamska", "Bielska"]
    assert [c["last_name"] for c in second["items"]] == ["Cicha", "Dudek"]
    assert [c["last_name"] for c in back["items"]] == ["Adamska", "Bielska"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"nickname": "x"}, "nickname"),
        ({"sort": "password"}, "sort"),
        ({"limit": "100000"}, "limit"),
        ({"cursor": "!!"}, "cursor"),
    ],
)
def test_unknown_or_bad_list_parameters_are_400(api, owner, params, field):
    response = api(owner).get("/contacts", params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_search_parameter_matches_name_email_and_phone(api, owner, make_contact):
    make_contact(owner, first_name="Łukasz", last_name="Nowak", phones=[{"number": "601 234 567"}])
    make_contact(owner, first_name="Ewa", last_name="Lis", emails=[{"email": "ewa@lis.pl"}])
    client = api(owner)

    assert [c["last_name"] for c in client.get("/contacts", {"q": "lukasz"}).json()["items"]] == ["Nowak"]
    assert [c["last_name"] for c in client.get("/contacts", {"q": "601 234"}).json()["items"]] == ["Nowak"]
    assert [c["last_name"] for c in client.get("/contacts", {"q": "lis.pl"}).json()["items"]] == ["Lis"]


def test_patch_with_stale_version_is_409_and_changes_nothing(api, owner, make_contact):
    contact = make_contact(owner, first_name="Anna")
    client = api(owner)
    assert client.patch(f"/contacts/{contact.pk}", {"first_name": "Hanna", "version": 1}).status_code == 200

    response = client.patch(f"/contacts/{contact.pk}", {"first_name": "Joanna", "version": 1})

    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    contact.refresh_from_db()
    assert contact.first_name == "Hanna"


def test_if_match_header_guards_updates_and_deletes(api, owner, make_contact):
    contact = make_contact(owner)
    client = api(owner)
    etag = client.get(f"/contacts/{contact.pk}")["ETag"]
    assert etag == '"1"'

    client.patch(f"/contacts/{contact.pk}", {"first_name": "Ola"})
    stale = client.delete(f"/contacts/{contact.pk}", headers={"If-Match": etag})
    fresh = client.delete(f"/contacts/{contact.pk}", headers={"If-Match": '"2"'})

    assert stale.status_code == 409
    assert fresh.status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_idempotency_key_replays_the_first_answer_and_creates_one_record(api, owner):
    client = api(owner)
    headers = {"Idempotency-Key": "order-42"}

    first = client.post("/companies", {"name": "Acme"}, headers=headers)
    again = client.post("/companies", {"name": "Acme"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Company.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/contacts", {"first_name": "Ewa", "last_name": "Nowak", "emails": [{"email": "ewa@example.com"}]}),
        ("/companies", {"name": "Acme", "nip": "5260001246"}),
    ],
)
def test_idempotency_key_replays_an_answer_with_a_duplicate_warning(api, owner, make_contact, make_company, path, body):
    existing = (
        make_contact(owner, first_name="Ewa", last_name="Nowak", emails=[{"email": "ewa@example.com"}])
        if path == "/contacts"
        else make_company(owner, name="Acme", nip="5260001246")
    )
    client = api(owner)
    headers = {"Idempotency-Key": f"dup-{path}"}

    first = client.post(path, body, headers=headers)
    again = client.post(path, body, headers=headers)

    assert first.status_code == again.status_code == 201, first.content
    assert first.json()["warnings"][0]["code"] == "possible_duplicate"
    assert first.json()["warnings"][0]["id"] == str(existing.pk)
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    model = Contact if path == "/contacts" else Company
    assert model.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1


def test_idempotency_key_with_a_different_body_is_422(api, owner):
    client = api(owner)
    client.post("/companies", {"name": "Acme"}, headers={"Idempotency-Key": "k1"})

    response = client.post("/companies", {"name": "Other"}, headers={"Idempotency-Key": "k1"})

    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["errors"]
    assert Company.objects.count() == 1


def test_failed_request_does_not_burn_its_idempotency_key(api, owner):
    client = api(owner)

    bad = client.post("/companies", {"name": "Acme", "nip": "123"}, headers={"Idempotency-Key": "k2"})
    good = client.post("/companies", {"name": "Acme", "nip": "5260001246"}, headers={"Idempotency-Key": "k3"})

    assert bad.status_code == 422
    assert good.status_code == 201
    assert IdempotencyRecord.objects.count() == 1


def test_company_tax_ids_are_validated_and_normalised(api, owner):
    client = api(owner)

    bad = client.post("/companies", {"name": "X", "nip": "526-000-12-47", "regon": "12345678"})
    good = client.post(
        "/companies", {"name": "X", "nip": "PL 526-000-12-46", "vat_id": "pl5260001246", "regon": "012100784"}
    )

    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"nip", "regon"}
    assert good.status_code == 201
    assert (good.json()["nip"], good.json()["vat_id"], good.json()["regon"]) == (
        "5260001246",
        "PL5260001246",
        "012100784",
    )


def test_merge_moves_everything_to_the_survivor(api, owner, make_contact):
    from accord.activities import services as activities

    survivor = make_contact(owner, first_name="Ewa", last_name="Nowak", emails=[{"email": "ewa@example.com"}])
    duplicate = make_contact(
        owner,
        first_name="Ewa",
        last_name="Nowak",
        emails=[{"email": "ewa@example.com"}, {"email": "ewa@home.pl"}],
        phones=[{"number": "601234567"}],
        birthday="1990-05-01",
        tags=["VIP"],
    )
    activities.log_interaction(actor=owner, data={"channel": "phone", "contact": duplicate, "subject": "Call"})

    response = api(owner).post(f"/contacts/{survivor.pk}/merge", {"duplicate_ids": [str(duplicate.pk)]})

    assert response.status_code == 200, response.content
    body = response.json()
    assert [e["email"] for e in body["emails"]] == ["ewa@example.com", "ewa@home.pl"]
    assert body["phones"][0]["number"] == "+48601234567"
    assert body["birthday"] == "1990-05-01"
    assert body["tags"] == ["VIP"]
    assert not Contact.objects.filter(pk=duplicate.pk).exists()
    assert survivor.interactions.count() == 1
    assert AuditEntry.objects.filter(object_id=survivor.pk, action="merge").count() == 1
    history = api(owner).get(f"/contacts/{survivor.pk}/history").json()
    assert {entry["action"] for entry in history} >= {"create", "merge", "update"}


def test_history_lists_changes_with_before_and_after(api, owner, make_contact):
    contact = make_contact(owner, first_name="Anna")
    client = api(owner)
    client.patch(f"/contacts/{contact.pk}", {"first_name": "Hanna"})

    history = client.get(f"/contacts/{contact.pk}/history").json()

    assert history[0]["action"] == "update"
    assert history[0]["changes"] == {"first_name": ["Anna", "Hanna"]}
    assert history[0]["actor"]["username"] == "owner"


def test_custom_fields_are_validated_filtered_and_returned(api, admin_user, owner, make_contact):
    from accord.core import services as core

    core.create_custom_field(
        actor=admin_user, entity="people.contact", label="Segment", field_type="choice", choices=["SMB", "Enterprise"]
    )
    client = api(owner)

    bad = client.post("/contacts", {"last_name": "A", "custom": {"segment": "Huge"}})
    good = client.post("/contacts", {"last_name": "B", "custom": {"segment": "SMB"}})
    client.post("/contacts", {"last_name": "C", "custom": {"segment": "Enterprise"}})
    found = client.get("/contacts", {"cf.segment": "SMB"}).json()["items"]

    assert bad.status_code == 422
    assert "custom.segment" in bad.json()["errors"]
    assert good.json()["custom"] == {"segment": "SMB"}
    assert [c["last_name"] for c in found] == ["B"]


def test_token_and_session_both_authenticate_and_nothing_else_does(client, api, owner):
    assert api(None).get("/contacts").status_code == 401
    bad = api(None).get("/contacts", headers={"Authorization": "Bearer acc_nonsense"})
    assert bad.status_code == 401
    assert bad["WWW-Authenticate"] == 'Bearer realm="accord"'
    assert api(owner).get("/me").json()["username"] == "owner"
    client.force_login(owner)
    assert client.get("/api/v1/me").json()["username"] == "owner"


def test_session_writes_need_the_csrf_token(owner):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)

    response = browser.post("/api/v1/companies", data='{"name": "Acme"}', content_type="application/json")

    assert response.status_code == 403
    assert Company.objects.count() == 0


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/v1/openapi.json")
    docs = client.get("/api/v1/docs")

    assert schema.status_code == 200
    assert "/api/v1/contacts" in schema.json()["paths"]
    assert docs.status_code == 200
    assert b"cdn.jsdelivr.net" not in docs.content


@pytest.mark.parametrize("path", ["/contacts", "/companies"])
def test_a_rep_cannot_create_records_in_another_team(api, owner, team_south, path):
    body = {"last_name": "Nowak"} if path == "/contacts" else {"name": "Acme"}

    response = api(owner).post(path, {**body, "team_id": str(team_south.pk)})

    assert response.status_code == 422
    assert response.json()["errors"] == {"team": ["You may only place records in your own teams."]}
    assert not Contact.objects.exists()
    assert not Company.objects.exists()


@pytest.mark.parametrize("entity", ["contacts", "companies"])
def test_a_rep_cannot_move_a_teammates_record_to_another_team(
    api, owner, teammate, team_south, make_contact, make_company, entity
):
    record = make_contact(teammate) if entity == "contacts" else make_company(teammate)

    response = api(owner).patch(f"/{entity}/{record.pk}", {"team_id": str(team_south.pk), "notes": "moved"})

    assert response.status_code == 422
    assert response.json()["errors"] == {"team": ["You may only place records in your own teams."]}
    record.refresh_from_db()
    assert (record.team_id, record.notes, record.version) == (teammate.primary_team_id, "", 1)
    assert not AuditEntry.objects.filter(object_id=record.pk, action="update").exists()


def test_a_rep_may_send_back_the_team_as_read_and_place_records_in_their_own_team(
    api, owner, teammate, team_north, make_contact
):
    contact = make_contact(teammate)
    client = api(owner)

    patched = client.patch(f"/contacts/{contact.pk}", {"team_id": str(team_north.pk), "notes": "seen"})
    created = client.post("/contacts", {"last_name": "Lis", "team_id": str(team_north.pk)})

    assert patched.status_code == 200, patched.content
    assert created.status_code == 201, created.content
    assert created.json()["team_id"] == str(team_north.pk)


def test_a_manager_places_records_only_in_the_teams_they_manage(api, manager, team_north, team_south):
    client = api(manager)

    ours = client.post("/contacts", {"last_name": "Lis", "team_id": str(team_north.pk)})
    theirs = client.post("/contacts", {"last_name": "Kos", "team_id": str(team_south.pk)})
    moved = client.patch(f"/contacts/{ours.json()['id']}", {"team_id": str(team_south.pk)})

    assert ours.status_code == 201, ours.content
    assert (theirs.status_code, moved.status_code) == (422, 422)
    assert list(Contact.objects.values_list("last_name", "team_id")) == [("Lis", team_north.pk)]


def test_an_admin_may_place_records_in_any_team(api, admin_user, owner, team_south, make_contact):
    contact = make_contact(owner)

    response = api(admin_user).patch(f"/contacts/{contact.pk}", {"team_id": str(team_south.pk)})

    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert contact.team_id == team_south.pk
