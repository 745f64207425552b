"""Ticking a task off from a list, with and without htmx."""

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
