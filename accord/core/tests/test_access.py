"""The access policy: who sees which records and who may change them."""

from accord.core import access
from accord.core.access import Action
from accord.identity import services as identity
from accord.identity.models import Role
from accord.people.models import Contact


def test_rep_sees_own_and_team_records_but_not_other_teams(owner, teammate, outsider, make_contact):
    mine = make_contact(owner)
    theirs = make_contact(outsider)

    visible_to_teammate = set(access.scope(teammate, Contact.objects.all()))

    assert visible_to_teammate == {mine}
    assert set(access.scope(outsider, Contact.objects.all())) == {theirs}


def test_manager_sees_the_teams_they_manage(manager, owner, outsider, make_contact):
    mine = make_contact(owner)
    make_contact(outsider)

    assert list(access.scope(manager, Contact.objects.all())) == [mine]


def test_admin_and_support_see_everything(admin_user, support, owner, outsider, make_contact):
    records = {make_contact(owner), make_contact(outsider)}

    assert set(access.scope(admin_user, Contact.objects.all())) == records
    assert set(access.scope(support, Contact.objects.all())) == records


def test_anonymous_and_deactivated_users_see_nothing(owner, make_contact):
    from django.contrib.auth.models import AnonymousUser

    make_contact(owner)
    owner.is_active = False

    assert access.scope(AnonymousUser(), Contact.objects.all()).count() == 0
    assert access.scope(owner, Contact.objects.all()).count() == 0


def test_territory_visibility_follows_the_territory_not_the_team(make_user, owner, territory_mazovia, make_contact):
    role = Role.objects.get(code=Role.SALES_REP)
    identity.set_role_visibility(actor=None, role=role, visibility="territory")
    field_rep = make_user(Role.SALES_REP, [], [territory_mazovia])
    in_region = make_contact(owner, territory=territory_mazovia)
    make_contact(owner)

    assert list(access.scope(field_rep, Contact.objects.all())) == [in_region]


def test_changing_a_roles_visibility_applies_at_once(owner, teammate, make_contact):
    record = make_contact(owner)
    role = Role.objects.get(code=Role.SALES_REP)

    identity.set_role_visibility(actor=None, role=role, visibility="own")
    teammate.role.refresh_from_db()

    assert access.scope(teammate, Contact.objects.all()).count() == 0
    assert not access.can(teammate, Action.VIEW, record)


def test_rep_edits_team_records_but_deletes_only_own(owner, teammate, make_contact):
    record = make_contact(owner)

    assert access.can(teammate, Action.CHANGE, record)
    assert not access.can(teammate, Action.DELETE, record)
    assert access.can(owner, Action.DELETE, record)


def test_read_only_user_sees_but_changes_nothing(viewer, owner, make_contact):
    record = make_contact(owner)

    assert access.can(viewer, Action.VIEW, record)
    assert not access.can(viewer, Action.CHANGE, record)
    assert not access.can(viewer, Action.DELETE, record)
    assert not access.can_create(viewer)


def test_giving_a_record_away_needs_the_reassign_permission(owner, teammate, manager, outsider):
    assert not access.can_assign_to(owner, teammate)
    assert access.can_assign_to(owner, owner)
    assert access.can_assign_to(manager, teammate)
    assert not access.can_assign_to(manager, outsider)
