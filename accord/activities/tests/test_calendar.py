"""The calendar: what it shows whom, in which time zone, and moving items by dragging them."""

from __future__ import annotations

import datetime
import json
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accord.activities import calendar, services
from accord.activities.models import Interaction, Task, TaskStatus
from accord.core.models import AuditEntry
from accord.identity.models import Role

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")


def at(days: int, hour: int, minute: int = 0, zone: zoneinfo.ZoneInfo = WARSAW) -> datetime.datetime:
    """A wall-clock time ``days`` from today in ``zone``."""
    day = timezone.localdate(timezone.now(), zone) + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


def week_around(when: datetime.datetime) -> dict[str, str]:
    start = (when - datetime.timedelta(days=3)).replace(tzinfo=None)
    return {"start": start.isoformat(), "end": (start + datetime.timedelta(days=7)).isoformat()}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def events(user, **params) -> list[dict]:
    response = client_for(user).get(reverse("activities:calendar-events"), params)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def move(user, item: Task | Interaction, kind: str, start: str, version: int | None = None):
    return client_for(user).post(
        reverse("activities:calendar-move"),
        {"kind": kind, "id": str(item.pk), "version": "" if version is None else str(version), "start": start},
    )


def test_my_tasks_sit_at_their_due_time_and_meetings_and_visits_last_as_long_as_they_do(owner, teammate, make_contact):
    contact = make_contact(owner, first_name="Ewa", last_name="Lis")
    due = services.create_task(actor=owner, data={"title": "Send the offer", "due_at": at(1, 10), "contact": contact})
    meeting = services.log_interaction(
        actor=owner,
        data={
            "channel": "meeting",
            "contact": contact,
            "subject": "Kick-off",
            "occurred_at": at(2, 14),
            "duration_seconds": 90 * 60,
        },
    )
    visit = services.log_interaction(
        actor=owner, data={"channel": "visit", "contact": contact, "occurred_at": at(2, 9)}
    )
    services.log_interaction(actor=owner, data={"channel": "phone", "contact": contact, "occurred_at": at(-1, 9)})
    services.create_task(actor=owner, data={"title": "Someday"})
    cancelled = services.create_task(actor=owner, data={"title": "Dropped", "due_at": at(1, 12)})
    services.update_task(actor=owner, task=cancelled, data={"status": TaskStatus.CANCELLED})
    services.create_task(actor=teammate, data={"title": "Not mine", "due_at": at(1, 11)})

    shown = calendar.items(owner, start=at(-2, 0), end=at(5, 0))

    assert [(i.kind, i.title, i.start, i.end, i.editable, i.party) for i in shown] == [
        ("task", "Send the offer", at(1, 10), at(1, 10, 30), True, "Ewa Lis"),
        ("visit", "Visit: Lis", at(2, 9), at(2, 10), True, "Ewa Lis"),
        ("meeting", "Meeting: Lis", at(2, 14), at(2, 15, 30), True, "Ewa Lis"),
    ]
    assert [i.pk for i in shown] == [due.pk, visit.pk, meeting.pk]
    assert [i.kind for i in calendar.items(owner, start=at(-2, 0), end=at(5, 0), kinds=["visit", "task"])] == [
        "task",
        "visit",
    ]


def test_events_are_given_in_the_users_time_zone(make_user, team_north):
    rep = make_user(Role.SALES_REP, [team_north], timezone="America/New_York")
    new_york = zoneinfo.ZoneInfo("America/New_York")
    task = services.create_task(actor=rep, data={"title": "Call Boston", "due_at": at(1, 9, zone=new_york)})

    [event] = events(rep, **week_around(at(1, 9, zone=new_york)))

    assert event["id"] == f"task:{task.pk}"
    assert event["start"] == at(1, 9, zone=new_york).replace(tzinfo=None).isoformat()
    assert event["end"] == at(1, 9, 30, zone=new_york).replace(tzinfo=None).isoformat()
    assert event["extendedProps"] == {
        "kind": "task",
        "pk": str(task.pk),
        "version": 1,
        "party": "",
        "owner": str(rep),
        "detail": "Call Boston",
    }
    assert event["url"] == reverse("activities:task-edit", args=[task.pk])


def test_a_manager_can_look_at_the_calendars_of_the_teams_they_manage(manager, owner, outsider):
    services.create_task(actor=owner, data={"title": "North task", "due_at": at(1, 10)})
    services.create_task(actor=outsider, data={"title": "South task", "due_at": at(1, 11)})
    services.create_task(actor=manager, data={"title": "Manager's own", "due_at": at(1, 12)})
    window = week_around(at(1, 10))

    assert [e["title"] for e in events(manager, **window)] == ["Manager's own"]
    assert [e["title"] for e in events(manager, who="team", **window)] == ["North task (Owner)", "Manager's own"]
    # Someone who manages no team gets their own calendar whatever they ask for.
    assert [e["title"] for e in events(owner, who="team", **window)] == ["North task"]
    assert "My team's" in client_for(manager).get(reverse("activities:calendar")).content.decode()
    assert "My team's" not in client_for(owner).get(reverse("activities:calendar")).content.decode()


def test_dragging_a_task_moves_its_due_time_and_its_reminder_with_it(owner):
    task = services.create_task(
        actor=owner, data={"title": "Prepare the demo", "due_at": at(1, 10), "remind_at": at(1, 9, 30)}
    )
    new_start = at(3, 15).replace(tzinfo=None).isoformat()

    response = move(owner, task, "task", new_start, version=1)

    assert response.status_code == 200
    assert json.loads(response.content)["event"]["start"] == new_start
    assert json.loads(response.content)["event"]["extendedProps"]["version"] == 2
    task.refresh_from_db()
    assert (task.due_at, task.remind_at, task.version) == (at(3, 15), at(3, 14, 30), 2)
    entry = AuditEntry.objects.filter(entity="activities.task", object_id=task.pk, action="update").get()
    assert [datetime.datetime.fromisoformat(v) for v in entry.changes["due_at"]] == [at(1, 10), at(3, 15)]


def test_a_stale_drag_is_refused_and_changes_nothing(owner, teammate):
    task = services.create_task(actor=owner, data={"title": "Prepare the demo", "due_at": at(1, 10)})
    services.update_task(actor=teammate, task=task, data={"title": "Prepare the live demo"})

    response = move(owner, task, "task", at(2, 10).replace(tzinfo=None).isoformat(), version=1)

    assert response.status_code == 409
    assert json.loads(response.content) == {
        "message": "This record was changed by someone else since you opened it. "
        "Reload it and apply your change again.",
        "current_version": 2,
    }
    task.refresh_from_db()
    assert task.due_at == at(1, 10)


@pytest.mark.parametrize("kind", ["task", "meeting"])
def test_a_drag_without_the_items_version_is_refused_and_changes_nothing(owner, make_contact, kind):
    if kind == "task":
        item = services.create_task(actor=owner, data={"title": "Prepare the demo", "due_at": at(1, 10)})
    else:
        item = services.log_interaction(
            actor=owner, data={"channel": "meeting", "contact": make_contact(owner), "occurred_at": at(1, 10)}
        )

    response = move(owner, item, kind, at(2, 10).replace(tzinfo=None).isoformat())

    assert response.status_code == 428
    assert json.loads(response.content) == {
        "message": "The move did not say which version of the item it was made on: "
        "reload the calendar and move it again.",
        "errors": {"version": ["This field is required."]},
    }
    item.refresh_from_db()
    assert item.version == 1
    assert (item.due_at if kind == "task" else item.occurred_at) == at(1, 10)


def test_a_stale_drag_of_a_meeting_is_refused_and_changes_nothing(owner, teammate, make_contact):
    meeting = services.log_interaction(
        actor=owner, data={"channel": "meeting", "contact": make_contact(owner), "occurred_at": at(1, 10)}
    )
    services.update_interaction(actor=owner, interaction=meeting, data={"occurred_at": at(1, 12)})

    response = move(owner, meeting, "meeting", at(2, 10).replace(tzinfo=None).isoformat(), version=1)

    assert response.status_code == 409
    assert json.loads(response.content)["current_version"] == 2
    meeting.refresh_from_db()
    assert meeting.occurred_at == at(1, 12)


def test_read_only_users_see_their_items_but_cannot_move_them(manager, viewer, owner, outsider):
    task = services.create_task(actor=manager, data={"title": "Read the report", "due_at": at(1, 10), "owner": viewer})
    other = services.create_task(actor=owner, data={"title": "Owner's", "due_at": at(1, 11)})

    [event] = events(viewer, **week_around(at(1, 10)))
    denied = move(viewer, task, "task", at(2, 10).replace(tzinfo=None).isoformat(), version=1)
    hidden = move(outsider, other, "task", at(2, 10).replace(tzinfo=None).isoformat(), version=1)

    assert (event["title"], event["editable"]) == ("Read the report", False)
    assert denied.status_code == 403
    assert hidden.status_code == 404
    task.refresh_from_db()
    other.refresh_from_db()
    assert (task.due_at, other.due_at) == (at(1, 10), at(1, 11))
    assert "moving items is for those who may change them" in client_for(viewer).get("/calendar/").content.decode()


def test_a_meeting_can_be_dragged_into_the_coming_weeks_but_a_call_cannot_be_logged_ahead(owner, make_contact):
    contact = make_contact(owner)
    meeting = services.log_interaction(
        actor=owner, data={"channel": "meeting", "contact": contact, "occurred_at": at(-1, 10)}
    )

    response = move(owner, meeting, "meeting", at(14, 11).replace(tzinfo=None).isoformat(), version=1)
    with pytest.raises(ValidationError) as refused:
        services.log_interaction(actor=owner, data={"channel": "phone", "contact": contact, "occurred_at": at(14, 9)})

    assert response.status_code == 200
    meeting.refresh_from_db()
    assert meeting.occurred_at == at(14, 11)
    assert refused.value.message_dict == {
        "occurred_at": ["Only meetings and visits can be entered ahead; for anything else, add a task instead."]
    }
    assert move(owner, meeting, "visit", at(15, 11).replace(tzinfo=None).isoformat(), version=2).status_code == 404


def test_moves_with_bad_input_are_explained(owner):
    task = services.create_task(actor=owner, data={"title": "Call", "due_at": at(1, 10)})

    no_time = move(owner, task, "task", "next tuesday", version=1)
    bad_version = client_for(owner).post(
        reverse("activities:calendar-move"),
        {"kind": "task", "id": str(task.pk), "version": "first", "start": at(2, 10).replace(tzinfo=None).isoformat()},
    )
    unknown_kind = move(owner, task, "party", at(2, 10).replace(tzinfo=None).isoformat(), version=1)
    bad_range = client_for(owner).get(reverse("activities:calendar-events"), {"start": "soon", "end": ""})

    assert no_time.status_code == 422
    assert json.loads(no_time.content)["errors"] == {"start": ["Enter a date and time in ISO 8601."]}
    assert bad_version.status_code == 400
    assert json.loads(bad_version.content) == {"message": "The version must be a whole number."}
    assert unknown_kind.status_code == 404
    assert bad_range.status_code == 400


def test_without_javascript_the_page_is_a_week_agenda_with_working_links(owner, make_contact):
    contact = make_contact(owner, first_name="Ewa", last_name="Lis")
    task = services.create_task(actor=owner, data={"title": "Send the offer", "due_at": at(0, 10), "contact": contact})

    html = client_for(owner).get(reverse("activities:calendar")).content.decode()
    next_week = client_for(owner).get(
        reverse("activities:calendar"), {"date": (timezone.localdate() + datetime.timedelta(days=7)).isoformat()}
    )

    edit = reverse("activities:task-edit", args=[task.pk])
    link = f'<a href="{edit}" title="Send the offer — Ewa Lis">Send the offer</a>'
    assert link in html
    assert ">10:00</time>" in html
    assert f'href="{reverse("activities:calendar")}" aria-current="page"' in html
    assert "Send the offer" not in next_week.content.decode()
    assert 'id="calendar-config"' in html


@pytest.mark.parametrize(
    ("language", "first"), [("pl", datetime.date(2026, 12, 28)), ("en", datetime.date(2026, 12, 27))]
)
def test_weeks_start_on_the_languages_first_day(owner, language, first):
    owner.language = language
    owner.save(update_fields=["language"])

    with translation.override("en"):  # the request activates the user's language in this thread
        response = client_for(owner).get(reverse("activities:calendar"), {"date": "2026-12-31"})

    days = [day for day, _items in response.context["agenda"]]
    assert days == [first + datetime.timedelta(days=n) for n in range(7)]
    assert response.context["config"]["locale"]["week"]["dow"] == (1 if language == "pl" else 0)


def test_the_events_cost_the_same_queries_however_many_items_there_are(owner, make_contact):
    contact = make_contact(owner)
    client = client_for(owner)
    window = week_around(at(1, 10))

    def add(count: int) -> None:
        for n in range(count):
            services.create_task(actor=owner, data={"title": f"t{n}", "due_at": at(1, 8 + n % 10), "contact": contact})
            services.log_interaction(
                actor=owner, data={"channel": "meeting", "contact": contact, "occurred_at": at(1, 8 + n % 10)}
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("activities:calendar-events"), window).status_code == 200
        return len(captured)

    add(2)
    few = queries()
    add(20)

    assert queries() == few
    assert len(events(owner, **window)) == 44


def test_month_cells_get_short_titles_and_the_tooltip_the_whole_text(login, owner, make_contact, make_company):
    contact = make_contact(owner, first_name="Jan", last_name="Nowak")
    company = make_company(owner, name="Przedsiębiorstwo Handlowo-Usługowe Kowalski i Synowie")
    services.log_interaction(
        actor=owner,
        data={
            "channel": "meeting",
            "contact": contact,
            "subject": "Contract review and pricing for 2027",
            "occurred_at": at(1, 9),
        },
    )
    services.log_interaction(actor=owner, data={"channel": "visit", "company": company, "occurred_at": at(1, 13)})
    services.create_task(
        actor=owner,
        data={
            "title": "Prepare the renewal offer with the new volume discounts",
            "due_at": at(1, 15),
            "contact": contact,
        },
    )

    shown = calendar.items(owner, start=at(0, 0), end=at(2, 0))
    found = (
        login(owner)
        .get(reverse("activities:calendar-events"), {"start": at(0, 0).isoformat(), "end": at(2, 0).isoformat()})
        .json()
    )

    assert [(i.title, i.detail) for i in shown] == [
        ("Meeting: Nowak", "Meeting: Jan Nowak — Contract review and pricing for 2027"),
        ("Visit: Przedsiębiorstwo…", "Visit: Przedsiębiorstwo Handlowo-Usługowe Kowalski i Synowie"),
        ("Prepare the renewal offer with…", "Prepare the renewal offer with the new volume discounts — Jan Nowak"),
    ]
    assert all(len(i.title) <= calendar.SHORT_TITLE for i in shown)
    assert [e["extendedProps"]["detail"] for e in found] == [i.detail for i in shown]
