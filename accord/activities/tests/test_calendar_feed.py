"""The personal calendar feed: a secret URL serving an iCalendar file that calendar apps can read."""

from __future__ import annotations

import datetime

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accord.activities import feeds, services
from accord.activities.models import CalendarFeed, TaskStatus
from accord.core.models import AuditEntry


def feed_url(user) -> str:
    return feeds.feed_path(CalendarFeed.objects.get(user=user))


def read(url: str) -> Calendar:
    response = Client().get(url)  # no session: the URL is the credential
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def by_uid(calendar: Calendar) -> dict[str, dict]:
    return {
        str(event["uid"]): {
            "summary": str(event["summary"]),
            "start": event.decoded("dtstart"),
            "end": event.decoded("dtend"),
            "description": str(event.get("description", "")),
        }
        for event in calendar.walk("VEVENT")
    }


def test_the_feed_lists_open_tasks_and_meetings_and_visits_from_a_month_back_to_a_year_ahead(
    owner, teammate, make_contact
):
    contact = make_contact(owner, first_name="Ewa", last_name="Lis")
    now = timezone.now().replace(microsecond=0)
    task = services.create_task(
        actor=owner,
        data={"title": "Send the offer", "due_at": now + datetime.timedelta(days=2), "contact": contact},
    )
    meeting = services.log_interaction(
        actor=owner,
        data={
            "channel": "meeting",
            "contact": contact,
            "subject": "Kick-off",
            "occurred_at": now + datetime.timedelta(days=20),
            "duration_seconds": 45 * 60,
        },
    )
    visit = services.log_interaction(
        actor=owner, data={"channel": "visit", "contact": contact, "occurred_at": now - datetime.timedelta(days=3)}
    )
    services.log_interaction(actor=owner, data={"channel": "phone", "contact": contact})
    done = services.create_task(actor=owner, data={"title": "Done already", "due_at": now + datetime.timedelta(days=1)})
    services.update_task(actor=owner, task=done, data={"status": TaskStatus.DONE})
    services.create_task(actor=owner, data={"title": "Long ago", "due_at": now - datetime.timedelta(days=40)})
    services.create_task(actor=owner, data={"title": "Next year", "due_at": now + datetime.timedelta(days=400)})
    services.create_task(actor=owner, data={"title": "No date"})
    services.create_task(actor=teammate, data={"title": "Teammate's", "due_at": now + datetime.timedelta(days=2)})
    services.reset_calendar_feed(actor=owner)

    events = by_uid(read(feed_url(owner)))

    task_url = f"http://testserver{reverse('activities:task-edit', args=[task.pk])}"
    assert events == {
        f"task-{task.pk}@accord": {
            "summary": "Task: Send the offer",
            "start": task.due_at,
            "end": task.due_at + datetime.timedelta(minutes=30),
            "description": f"Ewa Lis\n\n{task_url}",
        },
        f"interaction-{meeting.pk}@accord": {
            "summary": "Kick-off",
            "start": meeting.occurred_at,
            "end": meeting.occurred_at + datetime.timedelta(minutes=45),
            "description": f"Ewa Lis\n\nhttp://testserver{reverse('activities:interaction-edit', args=[meeting.pk])}",
        },
        f"interaction-{visit.pk}@accord": {
            "summary": "Visit: Ewa Lis",
            "start": visit.occurred_at,
            "end": visit.occurred_at + datetime.timedelta(hours=1),
            "description": f"Ewa Lis\n\nhttp://testserver{reverse('activities:interaction-edit', args=[visit.pk])}",
        },
    }


def test_the_feed_is_valid_icalendar_with_stable_uids_utc_times_and_escaped_text(owner):
    services.create_task(
        actor=owner,
        data={
            "title": "Call, then; send\nthe offer",
            "description": "A long description that goes on " * 5,
            "due_at": timezone.now() + datetime.timedelta(days=1),
        },
    )
    services.reset_calendar_feed(actor=owner)

    first = Client().get(feed_url(owner)).content
    again = Client().get(feed_url(owner)).content

    assert first == again  # nothing changed, nothing differs: calendar apps see no phantom updates
    text = first.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Accord//Accord CRM//EN\r\n")
    assert "SUMMARY:Task: Call\\, then\\; send\\nthe offer\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    for line in text.split("\r\n"):
        if line.startswith(("DTSTART", "DTEND", "DTSTAMP")):
            assert line.endswith("Z"), line
    assert str(Calendar.from_ical(first).walk("VEVENT")[0]["summary"]) == "Task: Call, then; send\nthe offer"


def test_a_reset_address_replaces_the_old_one_which_stops_working(owner):
    services.reset_calendar_feed(actor=owner)
    old = feed_url(owner)

    services.reset_calendar_feed(actor=owner)
    new = feed_url(owner)

    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    assert list(
        AuditEntry.objects.filter(entity="activities.calendarfeed", actor=owner)
        .order_by("at")
        .values_list("action", flat=True)
    ) == ["create", "delete", "create"]
    assert all("secret" not in e.changes for e in AuditEntry.objects.filter(entity="activities.calendarfeed"))


def test_forged_and_malformed_addresses_and_deactivated_users_get_nothing(owner):
    services.reset_calendar_feed(actor=owner)
    url = feed_url(owner)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")

    assert Client().get(reverse("activities:calendar-feed", args=[forged])).status_code == 404
    assert Client().get(reverse("activities:calendar-feed", args=["not-a-token"])).status_code == 404
    assert Client().get(reverse("activities:calendar-feed", args=["z" * len(token)])).status_code == 404
    owner.is_active = False
    owner.save()
    assert Client().get(url).status_code == 404


def test_the_calendar_page_offers_to_create_copy_and_reset_the_address(owner):
    client = Client()
    client.force_login(owner)

    before = client.get(reverse("activities:calendar")).content.decode()
    created = client.post(reverse("activities:calendar-feed-reset"), follow=True).content.decode()

    assert "Create my private address" in before
    assert f'value="http://testserver{feed_url(owner)}"' in created
    assert "Your calendar has a private address: add it to your calendar app." in created
    assert "Reset the address" in created
