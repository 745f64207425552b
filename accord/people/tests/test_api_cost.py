"""What one API request costs the database: a fixed number of queries per endpoint kind, whatever
the record holds or the page's length; and the token lookup that reads the caller's teams in the
same query still sees every change (revocation, teams, role) on the very next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.core import listing
from accord.identity import services as identity
from accord.identity.models import ApiToken, Role, Territory
from accord.people.models import Contact


def _rich_contact(make_contact, make_company, owner, **extra):
    """A contact with something in every list the API returns."""
    acme = make_company(owner, name="Acme")
    zeta = make_company(owner, name="Zeta")
    return make_contact(
        owner,
        emails=[{"email": "ewa@acme.example"}, {"email": "ewa@home.example", "label": "home"}],
        phones=[{"number": "601 234 567"}, {"number": "22 123 45 67", "label": "work"}],
        addresses=[{"city": "Warszawa", "street": "Prosta 1"}, {"city": "Kraków", "label": "home"}],
        tags=["VIP", "fair", "Alpha"],
        companies=[{"company": zeta, "job_title": "CFO"}, {"company": acme, "is_primary": True}],
        **extra,
    )


def _used(client):
    """A client whose token has been used: the first use of a token in a minute also writes down
    when it was used, one more query that the figures below leave out."""
    assert client.get("/me").status_code == 200
    return client


def _queries(call):
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, len(captured)


def test_get_one_contact_is_two_queries_the_token_and_the_record(api, owner, make_contact, make_company):
    contact = _rich_contact(make_contact, make_company, owner)
    client = _used(api(owner))

    response, queries = _queries(lambda: client.get(f"/contacts/{contact.pk}"))

    assert response.status_code == 200, response.content
    assert queries == 2  # the token with its user, role and teams; the contact with all its lists
    body = response.json()
    assert [e["email"] for e in body["emails"]] == ["ewa@acme.example", "ewa@home.example"]
    assert [p["display"] for p in body["phones"]] == ["+48 601 234 567", "+48 22 123 45 67"]
    assert [a["city"] for a in body["addresses"]] == ["Warszawa", "Kraków"]
    assert body["tags"] == ["Alpha", "VIP", "fair"]
    assert [(c["company_name"], c["is_primary"], c["job_title"]) for c in body["companies"]] == [
        ("Acme", True, ""),
        ("Zeta", False, "CFO"),
    ]


def test_a_list_page_is_four_queries_however_many_records_it_holds(api, owner, make_contact, make_company):
    client = _used(api(owner))
    _rich_contact(make_contact, make_company, owner, preferred_language="pl")
    listing._WALK_BOUNDS.clear()

    response, one = _queries(lambda: client.get("/contacts", {"limit": 20}))
    assert response.status_code == 200, response.content
    assert len(response.json()["items"]) == 1
    _, filtered_one = _queries(lambda: client.get("/contacts", {"preferred_language": "pl", "limit": 20}))

    for i in range(4):
        make_contact(owner, preferred_language="pl", emails=[{"email": f"p{i}@example.com"}], tags=[f"t{i}"])
    response, five = _queries(lambda: client.get("/contacts", {"limit": 20}))
    _, filtered_five = _queries(lambda: client.get("/contacts", {"preferred_language": "pl", "limit": 20}))

    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 5
    # The token; where a bounded run of the sort order ends (a rep's page is filtered by their
    # scope: core/listing.py's walk), remembered for a while; the page; every list of every
    # contact on it.
    assert one == 4
    assert five == filtered_one == filtered_five == 3  # the walk's bound remembered
    listing._WALK_BOUNDS.clear()
    _, again = _queries(lambda: client.get("/contacts", {"preferred_language": "pl", "limit": 20}))
    assert again == 4
    rich = next(item for item in items if item["companies"])
    assert rich["tags"] == ["Alpha", "VIP", "fair"]
    assert [e["email"] for e in rich["emails"]] == ["ewa@acme.example", "ewa@home.example"]


def test_patch_reads_the_record_in_one_query_before_and_after_the_change(api, owner, make_contact, make_company):
    contact = _rich_contact(make_contact, make_company, owner)
    client = _used(api(owner))

    response, queries = _queries(lambda: client.patch(f"/contacts/{contact.pk}", {"notes": "Called back"}))

    assert response.status_code == 200, response.content
    assert response.json()["notes"] == "Called back"
    assert response.json()["tags"] == ["Alpha", "VIP", "fair"]
    # The token 1, the record 1, the change itself (savepoint, locked read, update, audit, event,
    # release: the lists are read only when the change names them) 6, the record as changed 1.
    # It was 25, then 14.
    assert queries <= 9, queries


def test_post_answers_with_the_record_read_in_one_query(api, owner):
    client = _used(api(owner))

    response, queries = _queries(
        lambda: client.post(
            "/contacts",
            # As the load test sends them (the duplicate check's queries depend on the name).
            {
                "first_name": "Load",
                "last_name": "Test k1",
                "external_id": "k1",
                "emails": [{"email": "k1@example.com"}],
            },
        )
    )

    assert response.status_code == 201, response.content
    assert response.json()["emails"] == [{"email": "k1@example.com", "label": "work"}]
    # The token and the record as created are one query each (they were 2 and 6); the rest is the
    # creation with its audit and the duplicate check, whose search differs between the databases.
    # The new record's row is written once, its lists not read back for the search text or the
    # audit entry: 16 and 15 (32 and 31, then 26 and 25 before).
    assert queries <= {"sqlite": 16, "postgresql": 15}[connection.vendor], queries


def test_a_revoked_token_is_refused_on_the_next_request(api, owner, make_contact):
    contact = make_contact(owner)
    client = api(owner)
    assert client.get(f"/contacts/{contact.pk}").status_code == 200

    identity.revoke_token(token=ApiToken.objects.get(user=owner), actor=owner)

    assert client.get(f"/contacts/{contact.pk}").status_code == 401


def test_a_deactivated_user_is_refused_on_the_next_request(api, owner, make_contact):
    contact = make_contact(owner)
    client = api(owner)
    assert client.get(f"/contacts/{contact.pk}").status_code == 200

    owner.is_active = False
    owner.save(update_fields=["is_active"])

    assert client.get(f"/contacts/{contact.pk}").status_code == 401


def test_leaving_a_team_takes_its_records_out_of_sight_at_once(api, owner, teammate, team_north, make_contact):
    theirs = make_contact(teammate)
    client = api(owner)
    assert client.get(f"/contacts/{theirs.pk}").status_code == 200

    owner.teams.remove(team_north)

    assert client.get(f"/contacts/{theirs.pk}").status_code == 404
    assert client.get("/contacts").json()["items"] == []


def test_joining_or_managing_a_team_brings_its_records_into_sight_at_once(
    api, make_user, teammate, team_north, make_contact
):
    theirs = make_contact(teammate)
    rep = make_user(Role.SALES_REP, [])
    client = api(rep)
    assert client.get(f"/contacts/{theirs.pk}").status_code == 404

    rep.teams.add(team_north)
    assert client.get(f"/contacts/{theirs.pk}").status_code == 200

    rep.teams.remove(team_north)
    team_north.managers.add(rep)
    assert client.get(f"/contacts/{theirs.pk}").status_code == 200


def test_a_role_change_changes_the_scope_on_the_next_request(api, owner, outsider, make_contact):
    theirs = make_contact(outsider)
    client = api(owner)
    assert client.get(f"/contacts/{theirs.pk}").status_code == 404

    owner.role = Role.objects.get(code=Role.ADMIN)
    owner.save(update_fields=["role"])
    assert client.get(f"/contacts/{theirs.pk}").status_code == 200

    owner.role = Role.objects.get(code=Role.SALES_REP)
    owner.save(update_fields=["role"])
    assert client.get(f"/contacts/{theirs.pk}").status_code == 404


def test_a_role_seeing_its_territories_sees_them_through_the_token(api, make_user, outsider, make_contact):
    mazovia = Territory.objects.create(name="Mazowieckie")
    role = Role.objects.get(code=Role.SALES_REP)
    role.visibility = "territory"
    role.save(update_fields=["visibility"])
    in_mazovia = make_contact(outsider, territory=mazovia)
    elsewhere = make_contact(outsider)
    rep = make_user(Role.SALES_REP, [], territories=[mazovia])
    client = api(rep)

    assert client.get(f"/contacts/{in_mazovia.pk}").status_code == 200
    assert client.get(f"/contacts/{elsewhere.pk}").status_code == 404


@pytest.mark.parametrize("kind", ["contacts", "companies"])
def test_a_record_without_lists_has_empty_ones(api, owner, make_contact, make_company, kind):
    record = make_contact(owner) if kind == "contacts" else make_company(owner)

    body = api(owner).get(f"/{kind}/{record.pk}").json()

    assert (body["emails"], body["phones"], body["addresses"], body["tags"]) == ([], [], [], [])
    assert Contact.objects.count() == (1 if kind == "contacts" else 0)
