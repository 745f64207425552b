"""Segments as records (owned, versioned, audited), the access policy over their members and
counts, static lists (snapshot, file import, by hand) and call lists."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from accord.activities.models import Task
from accord.core.access import AccessDenied
from accord.core.errors import Conflict
from accord.core.models import AuditEntry, Event
from accord.marketing.models import Segment, SegmentMember
from accord.marketing.selectors import segments as selectors
from accord.marketing.services import segments as services

pytestmark = pytest.mark.django_db

ACME = {"match": "all", "rules": [{"type": "email_domain", "domain": "acme.pl"}]}


def _ids(qs: Any) -> set[Any]:
    return set(qs.values_list("pk", flat=True))


def test_rep_sees_only_own_contacts_of_an_admins_segment(world: Any) -> None:
    # Given an admin's segment of everyone at acme.pl (Anna, Ewa of the north team; Piotr of the south)
    segment = services.create_segment(actor=world.admin, data={"name": "Acme", "rules": ACME})
    # Then the admin counts three and the rep only the two the rep may see
    assert _ids(selectors.members(user=world.admin, segment=segment)) == world.ids("anna", "ewa", "piotr")
    assert selectors.member_count(user=world.admin, segment=segment) == 3
    assert _ids(selectors.members(user=world.owner, segment=segment)) == world.ids("anna", "ewa")
    assert selectors.member_count(user=world.owner, segment=segment) == 2
    assert selectors.member_count(user=world.outsider, segment=segment) == 1


def test_segments_are_visible_per_the_policy(world: Any) -> None:
    mine = services.create_segment(actor=world.owner, data={"name": "Mine", "rules": ACME})
    theirs = services.create_segment(actor=world.outsider, data={"name": "Theirs"})
    assert set(selectors.visible_segments(world.owner)) == {mine}
    assert set(selectors.visible_segments(world.admin)) == {mine, theirs}
    with pytest.raises(Http404):
        selectors.segment_detail(world.owner, theirs.pk)
    with pytest.raises(Http404):
        services.update_segment(actor=world.owner, segment=theirs, data={"name": "x"})


def test_create_update_delete_are_audited_and_versioned(world: Any) -> None:
    segment = services.create_segment(actor=world.owner, data={"name": "  Acme  ", "rules": ACME})
    assert (segment.name, segment.owner, segment.team_id, segment.version) == (
        "Acme",
        world.owner,
        world.owner.primary_team_id,
        1,
    )
    segment = services.update_segment(actor=world.owner, segment=segment, data={"name": "Acme 2"}, expected_version=1)
    assert segment.version == 2
    with pytest.raises(Conflict):
        services.update_segment(actor=world.owner, segment=segment, data={"name": "stale"}, expected_version=1)
    assert Segment.objects.get(pk=segment.pk).name == "Acme 2"
    services.delete_segment(actor=world.owner, segment=segment, expected_version=2)
    assert not Segment.objects.filter(pk=segment.pk).exists()
    actions = list(AuditEntry.objects.filter(object_id=segment.pk).order_by("at").values_list("action", flat=True))
    assert actions == ["create", "update", "delete"]
    names = set(Event.objects.filter(object_id=segment.pk).values_list("name", flat=True))
    assert names == {"marketing.segment.created", "marketing.segment.updated", "marketing.segment.deleted"}


def test_a_bad_rule_is_refused_naming_it_and_nothing_is_stored(world: Any) -> None:
    rules = {
        "match": "all",
        "rules": [
            {"type": "language", "value": "pl"},
            {"match": "any", "rules": [{"type": "bought_product", "product": str(world.products["p1"].pk), "days": 0}]},
            {"type": "teleport"},
        ],
    }
    with pytest.raises(ValidationError) as caught:
        services.create_segment(actor=world.owner, data={"name": "Bad", "rules": rules})
    errors = caught.value.message_dict
    assert errors == {
        "rules.1.0.days": ["Rule 1 of group 2 (Bought a product): in the last … days: enter a number from 1 to 36500."],
        "rules.2.type": ["Rule 3: unknown rule type “teleport”."],
    }
    assert not Segment.objects.exists()


def test_groups_nest_two_levels_and_no_deeper(world: Any) -> None:
    deep = {
        "match": "all",
        "rules": [{"match": "any", "rules": [{"match": "all", "rules": [{"match": "any", "rules": []}]}]}],
    }
    with pytest.raises(ValidationError) as caught:
        services.create_segment(actor=world.owner, data={"name": "Deep", "rules": deep})
    assert list(caught.value.message_dict) == ["rules.0.0.0"]


def test_read_only_user_cannot_make_or_change_segments(world: Any, viewer: Any) -> None:
    with pytest.raises(AccessDenied):
        services.create_segment(actor=viewer, data={"name": "x"})
    segment = services.create_segment(actor=world.owner, data={"name": "Acme", "rules": ACME})
    with pytest.raises(AccessDenied):
        services.update_segment(actor=viewer, segment=segment, data={"name": "y"})


# --- static lists -------------------------------------------------------------------------------------


def test_freezing_a_segment_keeps_its_members_as_the_user_saw_them(world: Any) -> None:
    segment = services.create_segment(actor=world.admin, data={"name": "Acme", "rules": ACME})
    frozen = services.freeze(actor=world.owner, segment=segment, name="Acme today")
    assert frozen.is_static
    assert frozen.owner == world.owner
    assert _ids(selectors.members(user=world.owner, segment=frozen)) == world.ids("anna", "ewa")
    # A contact who later matches the rules does not join the frozen list
    jan = world.contacts["jan"]
    jan.primary_email = "jan@acme.pl"
    jan.save()
    assert selectors.member_count(user=world.owner, segment=segment) == 3
    assert selectors.member_count(user=world.owner, segment=frozen) == 2


def test_static_list_members_by_hand(world: Any) -> None:
    lst = services.create_segment(actor=world.owner, data={"name": "Fair", "kind": "static"})
    c = world.contacts
    assert services.add_members(actor=world.owner, segment=lst, contacts=[c["anna"], c["jan"]]) == 2
    assert services.add_members(actor=world.owner, segment=lst, contacts=[c["anna"]]) == 0
    # A contact the rep cannot see is left out
    assert services.add_members(actor=world.owner, segment=lst, contacts=[c["piotr"]]) == 0
    assert services.remove_members(actor=world.owner, segment=lst, contacts=[c["jan"]]) == 1
    assert _ids(selectors.members(user=world.owner, segment=lst)) == world.ids("anna")
    entries = AuditEntry.objects.filter(object_id=lst.pk, action="update").order_by("at")
    assert [e.changes["members"] for e in entries] == [[0, 2], [2, 1]]


def test_members_are_added_to_static_lists_only(world: Any) -> None:
    segment = services.create_segment(actor=world.owner, data={"name": "Acme", "rules": ACME})
    with pytest.raises(ValidationError) as caught:
        services.add_members(actor=world.owner, segment=segment, contacts=[world.contacts["anna"]])
    assert caught.value.message_dict == {"segment": ["Members are added to static lists only."]}


def test_csv_import_reports_bad_rows_and_adds_the_rest(world: Any) -> None:
    lst = services.create_segment(actor=world.owner, data={"name": "Fair", "kind": "static"})
    c = world.contacts
    text = "\n".join(
        [
            "email;name",
            "anna@acme.pl;Anna",
            "EWA@acme.pl;Ewa",  # stored as ewa@acme.pl: case does not matter
            f"{c['jan'].pk};Jan",
            "piotr@acme.pl;Piotr",  # another team's contact
            "nobody@nowhere.pl;?",
            "not an address;?",
            f"{c['olga'].pk};Olga",  # another team's contact, by id
            "anna@acme.pl;again",
        ]
    )
    result = services.import_members(actor=world.owner, segment=lst, text=text)
    assert (result.added, result.already) == (3, 0)
    assert result.errors == [
        (5, "piotr@acme.pl", "No contact you can see has this e-mail address."),
        (6, "nobody@nowhere.pl", "No contact you can see has this e-mail address."),
        (7, "not an address", "Neither an e-mail address nor a contact id."),
        (8, str(c["olga"].pk), "No such contact."),
    ]
    assert _ids(selectors.members(user=world.owner, segment=lst)) == world.ids("anna", "ewa", "jan")
    again = services.import_members(actor=world.owner, segment=lst, text="anna@acme.pl\n")
    assert (again.added, again.already, again.errors) == (0, 1, [])


def test_rep_sees_only_own_members_of_a_shared_static_list(world: Any) -> None:
    lst = services.create_segment(actor=world.admin, data={"name": "All", "kind": "static"})
    services.add_members(actor=world.admin, segment=lst, contacts=list(world.contacts.values()))
    assert SegmentMember.objects.filter(segment=lst).count() == 5
    assert _ids(selectors.members(user=world.owner, segment=lst)) == world.ids("anna", "jan", "ewa")
    assert selectors.member_count(user=world.outsider, segment=lst) == 2


# --- call lists ---------------------------------------------------------------------------------------


def test_call_list_gives_each_member_a_task_for_its_owner(world: Any) -> None:
    segment = services.create_segment(actor=world.admin, data={"name": "Acme", "rules": ACME})
    result = services.make_call_list(actor=world.admin, segment=segment, title="Call about the fair")
    assert result.skipped == []
    tasks = Task.objects.filter(related_id=segment.pk)
    assert {(t.contact_id, t.owner_id, t.title) for t in tasks} == {
        (world.contacts["anna"].pk, world.owner.pk, "Call about the fair"),
        (world.contacts["ewa"].pk, world.owner.pk, "Call about the fair"),
        (world.contacts["piotr"].pk, world.outsider.pk, "Call about the fair"),
    }


def test_rep_call_list_covers_only_the_reps_contacts(world: Any) -> None:
    segment = services.create_segment(actor=world.admin, data={"name": "Acme", "rules": ACME})
    result = services.make_call_list(actor=world.owner, segment=segment)
    assert {t.contact_id for t in result.tasks} == world.ids("anna", "ewa")
    assert {t.title for t in result.tasks} == {"Call: Acme"}


def test_a_second_call_list_skips_members_still_waiting_for_their_call(world: Any) -> None:
    segment = services.create_segment(actor=world.owner, data={"name": "Acme", "rules": ACME})
    first = services.make_call_list(actor=world.owner, segment=segment)
    assert len(first.tasks) == 2
    # Anna's call is made; Ewa's still waits
    from accord.activities import services as activities

    activities.complete_task(
        actor=world.owner, task=next(t for t in first.tasks if t.contact == world.contacts["anna"])
    )
    again = services.make_call_list(actor=world.owner, segment=segment)
    assert [t.contact_id for t in again.tasks] == [world.contacts["anna"].pk]
    assert [(c.pk, why) for c, why in again.skipped] == [
        (world.contacts["ewa"].pk, "An open call task from this segment is already waiting.")
    ]


def test_a_static_list_has_no_rules(world: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_segment(actor=world.owner, data={"name": "Fair", "kind": "static", "rules": ACME})
    assert caught.value.message_dict == {"rules": ["A static list has no rules: its members are added to it."]}
    lst = services.create_segment(actor=world.owner, data={"name": "Fair", "kind": "static", "rules": {"rules": []}})
    assert lst.rules == {"match": "all", "rules": []}
