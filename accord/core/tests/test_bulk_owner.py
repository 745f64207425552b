"""Change owner (assignee on tasks) offers only users who can take the records, and its
confirmation names the list's filters in words."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from accord.activities import services as activities
from accord.core import mass
from accord.identity.models import Role
from accord.people.models import Contact


def _owner_options(page: str) -> list[str]:
    select = re.search(r'<select id="bulk-new-owner".*?</select>', page, re.S)
    assert select is not None
    return re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', select.group(0))


def test_the_choices_leave_out_inactive_and_read_only_users_and_the_owner_filtered_to(
    login, make_user, admin_user, owner, teammate, viewer, make_contact
):
    # Given a deactivated rep and a read-only user beside the active reps
    gone = make_user(Role.SALES_REP, username="gone", is_active=False)
    make_contact(owner)
    client = login(admin_user)

    # When an administrator changes the owner of the list filtered to "owner"
    page = client.get("/lists/contact/bulk/", {"action": "owner", "owner": str(owner.pk)}).content.decode()

    # Then only active users who change records, other than "owner", are offered
    offered = _owner_options(page)
    assert str(teammate) in offered
    assert str(admin_user) in offered
    assert str(owner) not in offered
    assert str(viewer) not in offered
    assert str(gone) not in offered


def test_a_read_only_user_cannot_be_given_records(login, admin_user, owner, viewer, make_contact):
    contact = make_contact(owner)

    refused = login(admin_user).post(
        "/lists/contact/bulk/",
        {"action": "owner", "owner": str(owner.pk), "new_owner": str(viewer.pk), "confirm": "1"},
    )
    with pytest.raises(ValidationError) as raised:
        mass.reassign(actor=admin_user, queryset=Contact.objects.all(), owner=viewer)

    assert refused.status_code == 422
    assert "owner" in raised.value.message_dict
    assert Contact.objects.get(pk=contact.pk).owner == owner


def test_tasks_speak_of_the_assignee(login, admin_user, owner, teammate):
    activities.create_task(actor=owner, data={"title": "Call Acme"})
    client = login(admin_user)

    tasks = client.get("/tasks/?all=1").content.decode()
    page = client.get("/lists/task/bulk/", {"action": "owner", "owner": str(owner.pk)}).content.decode()
    done = client.post(
        "/lists/task/bulk/",
        {"action": "owner", "owner": str(owner.pk), "new_owner": str(teammate.pk), "confirm": "1"},
        follow=True,
    ).content.decode()

    assert "Change assignee" in tasks
    assert "Change owner" not in tasks
    assert "<h1>Change assignee · Tasks</h1>" in page
    assert "New assignee" in page
    assert "New owner" not in page
    assert "1 task is now assigned to" in done


def test_the_confirmation_names_the_filters_in_words(login, admin_user, make_user, make_contact):
    jan = make_user(Role.SALES_REP, username="jan", last_name="Kowalski")
    make_contact(jan, last_name="Acme")

    page = (
        login(admin_user)
        .get("/lists/contact/bulk/", {"action": "owner", "owner": str(jan.pk), "q": "acme", "source": "event"})
        .content.decode()
    )

    filters = re.search(r"data-bulk-filters>(.*?)</p>", page, re.S)
    assert filters is not None
    text = " ".join(re.sub(r"<[^>]+>", "", filters.group(1)).split())
    assert text == "Filters: Owner: Jan Kowalski; Source: Event or trade fair; Search: “acme”"


def test_the_task_filters_name_the_assignee(login, admin_user, make_user):
    jan = make_user(Role.SALES_REP, username="jan", last_name="Kowalski")
    activities.create_task(actor=jan, data={"title": "Call"})

    page = login(admin_user).get("/lists/task/bulk/", {"action": "delete", "owner": str(jan.pk)}).content.decode()

    assert "Assignee: Jan Kowalski" in page


def test_a_filter_on_related_records_is_named_by_the_relation(login, admin_user, owner, make_contact):
    make_contact(owner, tags=["VIP"])

    page = login(admin_user).get("/lists/contact/bulk/", {"action": "delete", "tag": "VIP"}).content.decode()

    assert "Tags: VIP" in page
