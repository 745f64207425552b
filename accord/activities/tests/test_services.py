"""Logging interactions and working with tasks."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.activities import selectors, services
from accord.activities.models import Interaction, Task, TaskStatus
from accord.core.access import AccessDenied
from accord.core.events import dispatch_pending
from accord.core.models import Event
from accord.messaging.models import Message


def test_a_call_lands_on_the_contact_and_its_main_company_timeline(owner, make_contact, make_company):
    acme = make_company(owner, name="Acme")
    contact = make_contact(owner, companies=[{"company": acme}])
    when = timezone.now() - datetime.timedelta(hours=2)

    call = services.log_interaction(
        actor=owner,
        data={
            "channel": "phone",
            "direction": "out",
            "occurred_at": when,
            "duration_seconds": 300,
            "outcome": "connected",
            "contact": contact,
        },
    )

    assert call.company == acme
    assert list(selectors.timeline(contact).items) == [call]
    assert list(selectors.timeline(acme).items) == [call]
    contact.refresh_from_db()
    acme.refresh_from_db()
    assert contact.last_interaction_at == when
    assert acme.last_interaction_at == when


def test_every_channel_can_be_logged(owner, make_contact):
    contact = make_contact(owner)
    channels = ["phone", "email", "meeting", "visit", "chat", "sms", "letter", "fax", "web_form", "social", "note"]

    for channel in channels:
        services.log_interaction(actor=owner, data={"channel": channel, "contact": contact})

    assert sorted(Interaction.objects.values_list("channel", flat=True)) == sorted(channels)


def test_interaction_rules_are_explained_per_field(owner, make_contact):
    contact = make_contact(owner)

    with pytest.raises(ValidationError) as caught:
        services.log_interaction(
            actor=owner,
            data={
                "channel": "email",
                "outcome": "connected",
                "occurred_at": timezone.now() + datetime.timedelta(days=3),
                "contact": contact,
            },
        )

    assert set(caught.value.message_dict) == {"outcome", "occurred_at"}
    assert Interaction.objects.count() == 0


def test_an_interaction_needs_a_contact_or_a_company(owner):
    with pytest.raises(ValidationError) as caught:
        services.log_interaction(actor=owner, data={"channel": "note"})

    assert "contact" in caught.value.message_dict


def test_cannot_log_on_a_contact_out_of_sight(outsider, owner, make_contact):
    contact = make_contact(owner)

    with pytest.raises(ValidationError) as caught:
        services.log_interaction(actor=outsider, data={"channel": "note", "contact": contact})

    assert "contact" in caught.value.message_dict


def test_deleting_the_latest_interaction_rewinds_last_interaction(owner, make_contact):
    contact = make_contact(owner)
    older = timezone.now() - datetime.timedelta(days=10)
    services.log_interaction(actor=owner, data={"channel": "note", "contact": contact, "occurred_at": older})
    latest = services.log_interaction(actor=owner, data={"channel": "note", "contact": contact})

    services.delete_interaction(actor=owner, interaction=latest)

    contact.refresh_from_db()
    assert contact.last_interaction_at == older


def test_timeline_pages_newest_first_without_gaps(owner, make_contact):
    contact = make_contact(owner)
    start = timezone.now() - datetime.timedelta(days=100)
    for day in range(60):
        services.log_interaction(
            actor=owner,
            data={
                "channel": "note",
                "contact": contact,
                "subject": f"n{day}",
                "occurred_at": start + datetime.timedelta(days=day),
            },
        )

    seen, cursor = [], ""
    while True:
        page = selectors.timeline(contact, cursor=cursor)
        seen.extend(i.subject for i in page.items)
        if not page.next_cursor:
            break
        cursor = page.next_cursor

    assert seen == [f"n{day}" for day in reversed(range(60))]


def test_participants_see_the_meeting_on_their_timeline(owner, make_contact):
    host = make_contact(owner)
    guest = make_contact(owner)

    meeting = services.log_interaction(
        actor=owner, data={"channel": "meeting", "contact": host, "participants": [guest]}
    )

    assert list(selectors.timeline(guest).items) == [meeting]


def test_task_reminder_becomes_one_notification(owner, make_contact):
    contact = make_contact(owner, first_name="Ewa", last_name="Nowak")
    due = timezone.now() + datetime.timedelta(hours=1)
    task = services.create_task(
        actor=owner,
        data={
            "title": "Send offer",
            "contact": contact,
            "due_at": due,
            "remind_at": timezone.now() - datetime.timedelta(minutes=1),
        },
    )

    assert services.fire_due_reminders() == 1
    assert services.fire_due_reminders() == 0
    dispatch_pending()
    dispatch_pending()

    message = Message.objects.get()
    assert message.recipient_user == owner
    assert message.subject == "Reminder: Send offer"
    assert "Ewa Nowak" in message.body
    assert message.url == f"/tasks/{task.pk}/"
    assert Event.objects.get(name="activities.task.reminder_due").dispatched_at is not None


def test_completed_tasks_are_not_reminded(owner):
    task = services.create_task(
        actor=owner, data={"title": "Call", "remind_at": timezone.now() - datetime.timedelta(minutes=1)}
    )
    services.complete_task(actor=owner, task=task)

    assert services.fire_due_reminders() == 0


def test_moving_a_reminder_rearms_it(owner):
    task = services.create_task(
        actor=owner, data={"title": "Call", "remind_at": timezone.now() - datetime.timedelta(minutes=1)}
    )
    services.fire_due_reminders()

    services.update_task(actor=owner, task=task, data={"remind_at": timezone.now() - datetime.timedelta(seconds=5)})

    assert services.fire_due_reminders() == 1


def test_reminder_after_the_due_time_is_refused(owner):
    now = timezone.now()

    with pytest.raises(ValidationError) as caught:
        services.create_task(
            actor=owner, data={"title": "Call", "due_at": now, "remind_at": now + datetime.timedelta(hours=1)}
        )

    assert set(caught.value.message_dict) == {"remind_at"}


def test_completing_and_reopening_a_task(owner):
    task = services.create_task(actor=owner, data={"title": "Call"})

    done = services.complete_task(actor=owner, task=task)
    assert done.status == TaskStatus.DONE
    assert done.completed_at is not None

    reopened = services.reopen_task(actor=owner, task=task)
    assert reopened.status == TaskStatus.OPEN
    assert reopened.completed_at is None


def test_rep_cannot_assign_tasks_to_others_but_manager_can(owner, teammate, manager):
    with pytest.raises(ValidationError) as caught:
        services.create_task(actor=owner, data={"title": "Call", "owner": teammate})
    assert "owner" in caught.value.message_dict

    task = services.create_task(actor=manager, data={"title": "Call", "owner": teammate})
    assert task.owner == teammate
    assert task.team_id == teammate.primary_team_id


def test_read_only_user_cannot_add_tasks(viewer):
    with pytest.raises(AccessDenied):
        services.create_task(actor=viewer, data={"title": "Call"})
    assert Task.objects.count() == 0


def test_my_day_groups_open_tasks_by_urgency(owner, teammate):
    now = timezone.now()
    overdue = services.create_task(actor=owner, data={"title": "Overdue", "due_at": now - datetime.timedelta(days=1)})
    later = services.create_task(actor=owner, data={"title": "Next week", "due_at": now + datetime.timedelta(days=3)})
    undated = services.create_task(actor=owner, data={"title": "Someday"})
    services.create_task(actor=teammate, data={"title": "Not mine", "due_at": now - datetime.timedelta(days=1)})
    done = services.create_task(actor=owner, data={"title": "Done", "due_at": now - datetime.timedelta(days=1)})
    services.complete_task(actor=owner, task=done)

    day = selectors.my_day(owner, now=now)

    assert day.overdue == [overdue]
    assert day.upcoming == [later]
    assert day.no_date == [undated]


def test_clearing_a_tasks_description_with_null_stores_an_empty_text(owner):
    task = services.create_task(actor=owner, data={"title": "Call", "description": "details"})

    services.update_task(actor=owner, task=task, data={"description": None})

    task.refresh_from_db()
    assert task.description == ""


def test_meetings_and_visits_can_be_entered_ahead_and_count_as_the_last_interaction_once_they_happened(
    owner, make_contact
):
    contact = make_contact(owner)
    call = services.log_interaction(
        actor=owner,
        data={"channel": "phone", "contact": contact, "occurred_at": timezone.now() - datetime.timedelta(days=3)},
    )
    planned = services.log_interaction(
        actor=owner,
        data={"channel": "meeting", "contact": contact, "occurred_at": timezone.now() + datetime.timedelta(days=9)},
    )
    contact.refresh_from_db()
    assert contact.last_interaction_at == call.occurred_at

    assert services.touch_past_appointments(now=timezone.now()) == 0
    assert services.touch_past_appointments(now=planned.occurred_at + datetime.timedelta(minutes=5)) == 1

    contact.refresh_from_db()
    assert contact.last_interaction_at == planned.occurred_at


def test_only_meetings_and_visits_can_be_entered_ahead(owner, make_contact):
    contact = make_contact(owner)
    ahead = timezone.now() + datetime.timedelta(days=9)

    visit = services.log_interaction(actor=owner, data={"channel": "visit", "contact": contact, "occurred_at": ahead})
    with pytest.raises(ValidationError) as refused:
        services.log_interaction(actor=owner, data={"channel": "phone", "contact": contact, "occurred_at": ahead})

    assert visit.occurred_at == ahead
    assert refused.value.message_dict == {
        "occurred_at": ["Only meetings and visits can be entered ahead; for anything else, add a task instead."]
    }


def test_a_time_with_any_offset_iso_8601_allows_is_stored_in_utc(api, owner):
    response = api(owner).post("/tasks", {"title": "Call back", "due_at": "2038-02-13T04:11:28.575+23:21"})

    assert response.status_code == 201
    assert response.json()["due_at"] == "2038-02-12T04:50:28.575000Z"


def test_the_system_creating_a_task_without_an_owner_gets_an_error_naming_the_owner(db):
    with pytest.raises(ValidationError) as caught:
        services.create_task(actor=None, data={"title": "Call back"})

    assert caught.value.message_dict["owner"] == ["This field is required."]
    assert not Task.objects.exists()
