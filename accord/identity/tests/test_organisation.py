"""Teams, territories and roles from the administration screens: audited, announced, and guarded
where a change would silently change who sees what."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accord.core import access
from accord.core.errors import Conflict
from accord.core.models import AuditEntry, Event
from accord.identity import services
from accord.identity.models import Role, Team, Territory, User
from accord.identity.roles import DEFAULT_ROLES

# --- teams ------------------------------------------------------------------------------------------


def test_admin_creates_a_team_with_managers_and_members(login, admin_user, owner, manager):
    client = login(admin_user)

    response = client.post(
        "/settings/teams/", {"name": "West", "managers": [str(manager.pk)], "members": [str(owner.pk)]}
    )

    team = Team.objects.get(name="West")
    assert response.status_code == 302
    assert [u.username for u in team.managers.all()] == ["manager"]
    assert [u.username for u in team.members.all()] == ["owner"]
    entry = AuditEntry.objects.get(entity="identity.team", object_id=team.pk)
    assert entry.changes["members"] == [None, ["owner"]]
    assert Event.objects.filter(name="identity.team.created", object_id=team.pk).count() == 1


def test_team_names_are_unique_whatever_the_case(admin_user, team_north):
    with pytest.raises(ValidationError) as caught:
        services.create_team(actor=admin_user, name=" north ")

    assert caught.value.message_dict == {"name": ["This name is already taken."]}


def test_editing_a_team_moves_members_and_is_audited(login, admin_user, team_north, owner, teammate, outsider):
    client = login(admin_user)

    response = client.post(
        f"/settings/teams/{team_north.pk}/",
        {"name": "North", "members": [str(owner.pk), str(outsider.pk)], "version": team_north.version},
    )

    team_north.refresh_from_db()
    assert response.status_code == 302
    assert sorted(u.username for u in team_north.members.all()) == ["outsider", "owner"]
    assert team_north.version == 2
    entry = AuditEntry.objects.filter(entity="identity.team", object_id=team_north.pk).latest("at")
    assert entry.changes == {"members": [["owner", "teammate"], ["outsider", "owner"]]}
    assert Event.objects.filter(name="identity.team.updated", object_id=team_north.pk).count() == 1
    # The new member now sees the team's records.
    fresh = User.objects.get(pk=outsider.pk)
    assert team_north.pk in fresh.team_ids


def test_saving_a_team_unchanged_records_nothing(admin_user, team_north, owner):
    services.update_team(actor=admin_user, team=team_north, name="North", managers=[], members=[owner])

    team_north.refresh_from_db()
    assert team_north.version == 1
    assert not AuditEntry.objects.filter(entity="identity.team").exists()


def test_a_stale_team_form_is_refused(admin_user, team_north):
    services.update_team(actor=admin_user, team=team_north, name="North 1", managers=[], members=[])

    with pytest.raises(Conflict):
        services.update_team(
            actor=admin_user, team=team_north, name="North 2", managers=[], members=[], expected_version=1
        )

    team_north.refresh_from_db()
    assert team_north.name == "North 1"


def test_a_team_with_members_or_records_cannot_be_deleted(login, admin_user, owner, team_north, make_contact):
    client = login(admin_user)
    make_contact(owner)  # lands in the owner's team, North

    with_members = client.post(f"/settings/teams/{team_north.pk}/delete/")
    services.update_team(actor=admin_user, team=team_north, name="North", managers=[], members=[])
    with pytest.raises(ValidationError) as with_records:
        services.delete_team(actor=admin_user, team=team_north)

    assert with_members.status_code == 302
    assert Team.objects.filter(pk=team_north.pk).exists()
    assert with_records.value.message_dict == {"__all__": ["1 records belong to this team; it cannot be deleted."]}


def test_an_empty_team_is_deleted_and_the_deletion_audited(login, admin_user):
    team = services.create_team(actor=admin_user, name="Temporary")
    client = login(admin_user)

    response = client.post(f"/settings/teams/{team.pk}/delete/")

    assert response["Location"] == "/settings/teams/"
    assert not Team.objects.filter(pk=team.pk).exists()
    assert AuditEntry.objects.filter(entity="identity.team", object_id=team.pk, action="delete").count() == 1
    assert Event.objects.filter(name="identity.team.deleted", object_id=team.pk).count() == 1


# --- territories ------------------------------------------------------------------------------------


def test_admin_creates_and_edits_a_territory(login, admin_user, owner):
    client = login(admin_user)
    client.post("/settings/territories/", {"name": "Pomorskie", "description": "Gdańsk", "reps": [str(owner.pk)]})
    territory = Territory.objects.get(name="Pomorskie")

    response = client.post(
        f"/settings/territories/{territory.pk}/",
        {"name": "Pomorze", "description": "Gdańsk and Gdynia", "reps": [], "version": 1},
    )

    territory.refresh_from_db()
    assert response.status_code == 302
    assert (territory.name, territory.description) == ("Pomorze", "Gdańsk and Gdynia")
    assert list(territory.reps.all()) == []
    entry = AuditEntry.objects.filter(entity="identity.territory", object_id=territory.pk).latest("at")
    assert entry.changes == {
        "description": ["Gdańsk", "Gdańsk and Gdynia"],
        "name": ["Pomorskie", "Pomorze"],
        "reps": [["owner"], []],
    }
    assert Event.objects.filter(name="identity.territory.updated", object_id=territory.pk).count() == 1


def test_a_territory_with_reps_cannot_be_deleted(admin_user, owner, territory_mazovia):
    owner.territories.add(territory_mazovia)

    with pytest.raises(ValidationError) as caught:
        services.delete_territory(actor=admin_user, territory=territory_mazovia)

    assert caught.value.message_dict == {"__all__": ["Remove the territory's reps first."]}


# --- roles ------------------------------------------------------------------------------------------


def test_default_roles_do_not_require_two_factor(db):
    assert list(Role.objects.filter(requires_two_factor=True)) == []
    assert Role.objects.count() == len(DEFAULT_ROLES)


def test_admin_changes_what_a_role_may_do_and_it_applies_at_once(login, admin_user, owner):
    client = login(admin_user)
    role = Role.objects.get(code=Role.SALES_REP)

    response = client.post(
        f"/settings/roles/{role.pk}/",
        {
            "name": "Sales rep",
            "visibility": "all",
            "can_create": "on",
            "edit_reach": "own",
            "delete_reach": "own",
            "can_export": "on",
            "sees_amounts": "on",
            "requires_two_factor": "on",
        },
    )

    role.refresh_from_db()
    assert response.status_code == 302
    assert (role.visibility, role.edit_reach, role.can_export, role.requires_two_factor) == ("all", "own", True, True)
    assert access.can_export(User.objects.select_related("role").get(pk=owner.pk))
    entry = AuditEntry.objects.filter(entity="identity.role", object_id=role.pk).latest("at")
    assert entry.changes == {
        "can_export": [False, True],
        "edit_reach": ["visible", "own"],
        "requires_two_factor": [False, True],
        "visibility": ["team", "all"],
    }
    event = Event.objects.filter(name="identity.role.updated", object_id=role.pk).latest("id")
    assert event.actor_id == admin_user.pk


def test_admin_creates_a_role_and_assigns_it(login, admin_user, owner):
    client = login(admin_user)

    client.post(
        "/settings/roles/new/",
        {
            "code": "field_rep",
            "name": "Field rep",
            "visibility": "territory",
            "edit_reach": "own",
            "delete_reach": "none",
        },
    )
    services.update_user(actor=admin_user, user=owner, role_code="field_rep")

    role = Role.objects.get(code="field_rep")
    assert (role.name, role.visibility, role.can_create) == ("Field rep", "territory", False)
    assert Event.objects.filter(name="identity.role.created", object_id=role.pk).count() == 1
    owner.refresh_from_db()
    assert owner.role == role


def test_the_last_admin_role_cannot_stop_administering(admin_user):
    role = Role.objects.get(code=Role.ADMIN)

    with pytest.raises(ValidationError) as caught:
        services.update_role(actor=admin_user, role=role, is_admin=False)

    role.refresh_from_db()
    assert role.is_admin is True
    assert caught.value.message_dict == {
        "is_admin": ["Accord needs at least one active administrator: make someone else an administrator first."]
    }


def test_an_admin_role_may_stop_administering_when_a_superuser_remains(admin_user, make_user):
    make_user(Role.SALES_REP, username="root", is_superuser=True)
    role = Role.objects.get(code=Role.ADMIN)

    services.update_role(actor=None, role=role, is_admin=False)

    admin_user.refresh_from_db()
    assert admin_user.is_staff is False
    assert access.is_admin(User.objects.select_related("role").get(pk=admin_user.pk)) is False


def test_a_role_in_use_cannot_be_deleted(login, admin_user, owner):
    role = Role.objects.get(code=Role.SALES_REP)

    response = login(admin_user).post(f"/settings/roles/{role.pk}/delete/")

    assert response.status_code == 302
    assert Role.objects.filter(pk=role.pk).exists()
    with pytest.raises(ValidationError) as caught:
        services.delete_role(actor=admin_user, role=role)
    assert caught.value.message_dict == {"__all__": ["1 users have this role: give them another role first."]}


def test_an_unused_role_is_deleted(admin_user):
    role = services.create_role(actor=admin_user, code="temp", name="Temporary")

    services.delete_role(actor=admin_user, role=role)

    assert not Role.objects.filter(code="temp").exists()
    assert Event.objects.filter(name="identity.role.deleted").count() == 1


def test_role_codes_are_unique_and_values_checked(admin_user):
    with pytest.raises(ValidationError) as caught:
        services.create_role(actor=admin_user, code="admin", name="Boss", visibility="galaxy")

    assert caught.value.message_dict["code"] == ["A role with this code already exists."]
    assert caught.value.message_dict["visibility"] == ["Choose one of the offered values."]
