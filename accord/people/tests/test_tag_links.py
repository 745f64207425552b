"""A tag's link row carries the tagged record's owner, team and territory (kept by triggers), and a
list filtered by a tag finds, through them, exactly the tagged records the user may see."""

from typing import Any

import pytest
from django.db import connection

from accord.core import access, mass
from accord.core.listing import parse
from accord.identity.models import Role
from accord.people import merging, services
from accord.people.models import Company, CompanyTag, Contact, ContactTag
from accord.people.selectors import (
    COMPANY_LIST,
    CONTACT_LIST,
    company_page,
    company_total,
    contact_page,
    contact_total,
)


def _copied(link_model: Any, **record: Any) -> set[tuple[Any, Any, Any]]:
    return set(link_model.objects.filter(**record).values_list("owner_id", "team_id", "territory_id"))


def test_a_new_tag_link_takes_the_records_owner_team_and_territory(owner, team_north, territory_mazovia, make_contact):
    contact = make_contact(owner, tags=["VIP", "Partner"])
    Contact.objects.filter(pk=contact.pk).update(territory=territory_mazovia)

    assert _copied(ContactTag, contact=contact) == {(owner.pk, team_north.pk, territory_mazovia.pk)}
    services.update_contact(actor=owner, contact=contact, data=services.contact_data({"tags": ["VIP", "Reseller"]}))
    assert _copied(ContactTag, contact=contact) == {(owner.pk, team_north.pk, territory_mazovia.pk)}


def test_the_links_follow_the_record_however_it_is_changed(owner, outsider, admin_user, team_south, make_contact):
    contact = make_contact(owner, tags=["VIP"])
    untouched = make_contact(owner, tags=["VIP"])

    # A mass change of owner (a queryset UPDATE), then plain SQL: no service code runs for the links.
    mass.reassign(actor=admin_user, queryset=Contact.objects.filter(pk=contact.pk), owner=outsider, team=team_south)
    assert _copied(ContactTag, contact=contact) == {(outsider.pk, team_south.pk, None)}
    with connection.cursor() as cursor:
        key = contact.pk.hex if connection.vendor == "sqlite" else contact.pk
        cursor.execute("UPDATE people_contact SET team_id = NULL WHERE id = %s", [key])
    assert _copied(ContactTag, contact=contact) == {(outsider.pk, None, None)}
    assert _copied(ContactTag, contact=untouched) == {(owner.pk, owner.teams.get().pk, None)}


def test_a_merged_records_tags_take_the_survivors_owner(owner, outsider, team_south, make_contact):
    survivor = make_contact(outsider, last_name="Nowak", team=team_south)
    duplicate = make_contact(owner, last_name="Nowak", tags=["VIP"])

    merging.merge_contacts(actor=None, survivor=survivor, duplicates=[duplicate])

    assert _copied(ContactTag, contact=survivor) == {(outsider.pk, team_south.pk, None)}


def test_company_links_are_kept_the_same_way(owner, outsider, admin_user, team_south, make_company):
    company = make_company(owner, name="Acme", tags=["VIP"])
    assert _copied(CompanyTag, company=company) == {(owner.pk, owner.teams.get().pk, None)}

    mass.reassign(actor=admin_user, queryset=Company.objects.filter(pk=company.pk), owner=outsider, team=team_south)

    assert _copied(CompanyTag, company=company) == {(outsider.pk, team_south.pk, None)}


def _names(page: Any) -> list[str]:
    return [str(obj) for obj in page.items]


@pytest.fixture
def tagged(owner, teammate, outsider, make_user, make_contact, make_company, territory_mazovia) -> dict[str, Any]:
    """VIP and other contacts and companies across two teams, a territory and no team."""
    loner = make_user(Role.SALES_REP, [], territories=[territory_mazovia], username="loner")
    records: dict[str, Any] = {}
    for user in (owner, teammate, outsider, loner):
        for tags in (["VIP"], ["VIP", "Partner"], ["Partner"], []):
            label = f"{user.username}-{'-'.join(tags) or 'none'}"
            records[label] = make_contact(user, first_name=label, last_name="", tags=tags)
            make_company(user, name=label, tags=tags)
    Contact.objects.filter(owner=loner).update(team=None, territory=territory_mazovia)
    Company.objects.filter(owner=loner).update(team=None, territory=territory_mazovia)
    records["loner"] = loner
    return records


@pytest.mark.parametrize(
    "who", ["owner", "teammate", "outsider", "loner", "admin_user", "manager", "viewer", "support"]
)
@pytest.mark.parametrize("visibility", ["own", "team", "territory", "all"])
def test_a_tag_filter_finds_exactly_the_tagged_records_the_user_may_see(request, tagged, who, visibility):
    user = tagged["loner"] if who == "loner" else request.getfixturevalue(who)
    if not user.role.is_admin:
        Role.objects.filter(pk=user.role_id).update(visibility=visibility)
        user.role.refresh_from_db()
    for spec, page, count, model in (
        (CONTACT_LIST, contact_page, contact_total, Contact),
        (COMPANY_LIST, company_page, company_total, Company),
    ):
        query = parse(spec, {"tag": "VIP", "sort": "name", "limit": "100"}, strict=True)
        expected = sorted(
            str(obj) for obj in access.scope(user, model.objects.filter(tags__name="VIP")).order_by("sort_name")
        )
        found = page(user, query)
        assert sorted(_names(found)) == expected
        assert count(user, query, exact=True).value == len(expected)
        # The narrowed filter is used: its subquery reads the links' owner or team.
        if not access.sees_all(user):
            assert "owner_id" in str(spec.filter_map()["tag"].q(["VIP"], user).children[0][1].query), (
                "the tag filter should read the link's copy of the owner"
            )


def test_the_triggers_exist_after_every_migration(db):
    """A later migration that rebuilds one of these tables on SQLite (which drops its triggers)
    must put them back: this fails if it does not."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            names = {row[0] for row in cursor.fetchall()}
        expected = {
            f"{link}_{what}"
            for link in ("people_company_tags", "people_contact_tags")
            for what in ("fill", "refill", "follow")
        }
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            names = {row[0] for row in cursor.fetchall()}
        expected = {
            f"{link}_{what}" for link in ("people_company_tags", "people_contact_tags") for what in ("fill", "follow")
        }
    assert expected <= names
