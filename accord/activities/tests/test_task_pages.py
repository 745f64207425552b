"""Ticking a task off from a list, with and without htmx."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from accord.activities import services
from accord.activities.models import TaskStatus


@pytest.fixture
def client_for(db):
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def test_without_htmx_the_tick_comes_back_to_the_page_it_was_made_on(owner, make_contact, client_for):
    contact = make_contact(owner)
    task = services.create_task(actor=owner, data={"title": "Send the catalogue", "contact": contact})
    page = reverse("people:contact-detail", args=[contact.pk])
    client = client_for(owner)

    row = client.get(page).content.decode()
    assert f'name="next" value="{page}"' in row
    response = client.post(reverse("activities:task-toggle", args=[task.pk]), {"next": page})

    assert response.status_code == 302
    assert response["Location"] == page
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    # A row swapped in by htmx keeps pointing at the page the browser shows, not at the toggle.
    swapped = client.post(
        reverse("activities:task-toggle", args=[task.pk]),
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"},
    ).content.decode()
    assert f'name="next" value="http://testserver{page}"' in swapped


def test_a_next_pointing_off_the_site_is_ignored(owner, client_for):
    task = services.create_task(actor=owner, data={"title": "Call back"})

    response = client_for(owner).post(
        reverse("activities:task-toggle", args=[task.pk]), {"next": "https://evil.example/phish"}
    )

    assert response["Location"] == reverse("activities:my-day")


def _save_view_form(page: str) -> dict[str, str]:
    """The hidden fields of the list's "Save view" form, as the browser would post them."""
    form = re.search(r'<form[^>]*action="/views/"[^>]*>(.*?)</form>', page, re.S)
    assert form is not None
    found = re.findall(r'<input type="hidden" name="(entity|query|path)" value="([^"]*)"', form.group(1))
    return {name: html.unescape(value) for name, value in found}


def test_a_saved_view_of_anyones_tasks_opens_on_anyones_tasks(manager, owner, teammate, client_for):
    # Given a manager whose team has tasks of two people, and none of the manager's own
    services.create_task(actor=owner, data={"title": "Call the printer"})
    services.create_task(actor=teammate, data={"title": "Send the samples"})
    client = client_for(manager)

    # When they pick "Anyone" as the assignee and save that as a view
    anyone = client.get("/tasks/?status=open&owner=&all=1").content.decode()
    saved = client.post("/views/", {**_save_view_form(anyone), "name": "Team tasks"})

    # Then the view keeps the choice: reopened, it lists everyone's tasks, not the manager's own
    assert saved.status_code == 302
    assert saved["Location"] == "/tasks/?status=open&all=1"
    reopened = client.get(saved["Location"]).content.decode()
    assert "Call the printer" in reopened
    assert "Send the samples" in reopened
    assignee = re.search(r'<select id="f-owner".*?</select>', reopened, re.S)
    assert assignee is not None
    assert " selected" not in assignee.group(0)  # the assignee shown is "Anyone"
    assert re.search(r'aria-current="true">\s*<svg[^>]*>.*?</svg>Team tasks', reopened, re.S) is not None


def test_a_task_ticked_done_on_the_task_list_keeps_its_selection_checkbox(owner, client_for):
    # Given a task on the task list, its row's checkbox ticked, and another one not ticked
    ticked = services.create_task(actor=owner, data={"title": "Call the printer"})
    plain = services.create_task(actor=owner, data={"title": "Send the samples"})
    client = client_for(owner)
    listed = client.get("/tasks/").content.decode()
    assert '<input type="hidden" name="selectable" value="1">' in listed
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://testserver/tasks/"}

    # When both are ticked done from the list (htmx sends the row's checkbox along when ticked)
    first = client.post(f"/tasks/{ticked.pk}/toggle/", {"selectable": "1", "id": str(ticked.pk)}, headers=htmx)
    second = client.post(f"/tasks/{plain.pk}/toggle/", {"selectable": "1"}, headers=htmx)

    # Then each row comes back with its checkbox for the list's bulk bar, ticked as it was
    box = (
        '<input type="checkbox" name="id" value="{pk}" form="bulk-task" data-bulk-row{checked}'
        ' aria-label="Select {title} for bulk actions">'
    )
    assert box.format(pk=ticked.pk, checked=" checked", title="Call the printer") in first.content.decode()
    assert box.format(pk=plain.pk, checked="", title="Send the samples") in second.content.decode()
    assert 'class="task-row done"' in first.content.decode()
    # ...and the box that selects it never reads like the button that ticks it done
    assert 'title="Select for bulk actions"' in first.content.decode()
    assert 'title="Mark as not done" aria-label="Mark as not done: Call the printer"' in first.content.decode()


def test_a_task_ticked_done_elsewhere_has_no_selection_checkbox(owner, make_contact, client_for):
    contact = make_contact(owner)
    task = services.create_task(actor=owner, data={"title": "Send the catalogue", "contact": contact})

    row = client_for(owner).post(f"/tasks/{task.pk}/toggle/", headers={"HX-Request": "true"}).content.decode()

    assert "data-bulk-row" not in row
