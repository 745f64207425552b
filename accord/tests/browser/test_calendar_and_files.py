"""Dragging an item on the calendar to reschedule it (and a stale drag snapping back), the calendar
on a phone, and attaching files to a contact by choosing them and by dropping them."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accord.activities import services as activities
from accord.activities.models import Task
from accord.core import attachments
from accord.identity.models import User
from accord.people import services as people
from accord.tests.browser.helpers import log_in


@pytest.fixture
def storage(private_files: Path) -> Path:
    return private_files


def local(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def drag(page: Any, event: Any, target_day: datetime.date) -> None:
    """Drag an event of the week view to the same time on another day, as a mouse would."""
    box = event.bounding_box()
    column = page.locator(f".fc-timegrid-col[data-date='{target_day.isoformat()}']").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + 6
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 10, y, steps=5)
    page.mouse.move(column["x"] + column["width"] / 2, y, steps=15)
    page.mouse.up()


def test_dragging_a_task_reschedules_it_and_a_stale_drag_snaps_back(
    page: Any, live_server: Any, rep: User, shot: Any
) -> None:
    # A Wednesday, so that the day before and the day after are in the same week.
    today = timezone.localdate()
    wednesday = today + datetime.timedelta(days=(2 - today.weekday()) % 7 or 7)
    task = activities.create_task(
        actor=rep, data={"title": "Send the offer", "due_at": local(wednesday, 10), "remind_at": local(wednesday, 9)}
    )
    stale = activities.create_task(actor=rep, data={"title": "Call Jonas", "due_at": local(wednesday, 14)})
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/calendar/?view=week&date={wednesday.isoformat()}")

    offer = page.locator(".fc-event", has_text="Send the offer")
    expect(offer).to_be_visible()
    shot(page, "calendar-week", full_page=False)
    drag(page, offer, wednesday + datetime.timedelta(days=1))

    expect(page.locator(".messages .toast")).to_contain_text("Moved.")
    thursday = page.locator(f".fc-timegrid-col[data-date='{(wednesday + datetime.timedelta(days=1)).isoformat()}']")
    expect(thursday.locator(".fc-event", has_text="Send the offer")).to_be_visible()
    task.refresh_from_db()
    assert task.due_at == local(wednesday + datetime.timedelta(days=1), 10)
    assert task.remind_at == local(wednesday + datetime.timedelta(days=1), 9)
    assert task.version == 2

    # Someone else changes the other task after the calendar showed it: the drag is refused.
    activities.update_task(actor=rep, task=stale, data={"title": "Call Jonas back"})
    drag(page, page.locator(".fc-event", has_text="Call Jonas"), wednesday - datetime.timedelta(days=1))

    expect(page.locator(".toast.error")).to_contain_text("changed by someone else")
    original = page.locator(f".fc-timegrid-col[data-date='{wednesday.isoformat()}']")
    expect(original.locator(".fc-event", has_text="Call Jonas back")).to_be_visible()
    shot(page, "calendar-stale-drag", full_page=False)
    assert Task.objects.get(pk=stale.pk).due_at == local(wednesday, 14)


def test_the_calendar_on_a_phone_is_an_agenda_without_sideways_scrolling(
    phone_page: Any, live_server: Any, rep: User, shot: Any
) -> None:
    # Noon today: a task due "now" late in the evening runs past midnight and shows on two days.
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    activities.create_task(actor=rep, data={"title": "Visit Acme", "due_at": noon})
    page = phone_page
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/calendar/")

    expect(page.locator(".fc-list-event", has_text="Visit Acme")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    shot(page, "phone-calendar")


def test_attaching_files_to_a_contact_by_choosing_and_by_dropping_them(
    page: Any, live_server: Any, rep: User, storage: Path, tmp_path: Path, shot: Any
) -> None:
    contact = people.create_contact(actor=rep, data={"first_name": "Jonas", "last_name": "Kazlauskas"})
    chosen = tmp_path / "Umowa ramowa.pdf"
    chosen.write_bytes(b"%PDF-1.4 frame agreement")
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/contacts/{contact.pk}/")

    page.set_input_files("#attachment-file", str(chosen))

    panel = page.locator("#attachments-panel")
    expect(panel.locator(".attachment-name")).to_have_text(["Umowa ramowa.pdf"])
    expect(page.locator("#timeline-panel")).to_contain_text("File attached")

    zone = page.locator("[data-dropzone]")
    data = page.evaluate_handle(
        """() => {
            const data = new DataTransfer();
            data.items.add(new File(["minutes of the meeting"], "minutes.txt", {type: "text/plain"}));
            return data;
        }"""
    )
    zone.dispatch_event("dragenter", {"dataTransfer": data})
    zone.dispatch_event("drop", {"dataTransfer": data})

    expect(panel.locator(".attachment-name")).to_have_text(["minutes.txt", "Umowa ramowa.pdf"])
    expect(page.locator("#timeline-panel")).to_contain_text("minutes.txt")
    shot(page, "contact-files")
    stored = {a.file_name: a for a in attachments.for_record(contact)}
    assert sorted(stored) == ["Umowa ramowa.pdf", "minutes.txt"]
    assert stored["minutes.txt"].size == len(b"minutes of the meeting")

    with page.expect_download() as download:
        panel.get_by_role("link", name="Umowa ramowa.pdf").click()
    assert download.value.suggested_filename == "Umowa ramowa.pdf"
    assert Path(download.value.path()).read_bytes() == b"%PDF-1.4 frame agreement"
