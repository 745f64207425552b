"""The service settings screens: queues, business calendars and SLA policies for admins, canned
responses for every agent; the service's refusals shown beside their fields, nothing stored, a
stale form refused with 409."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accord.core.models import AuditEntry
from accord.identity.models import Role
from accord.service.models import BusinessCalendar, CannedResponse, Queue, SlaPolicy
from accord.service.services import settings as services

pytestmark = pytest.mark.django_db


def _calendar_post(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "Office", "time_zone": "Europe/Warsaw", "country": "PL", "closed_days": ""}
    for day in range(5):
        data[f"h{day}_0_from"], data[f"h{day}_0_to"] = "09:00", "17:00"
    data.update(extra)
    return data


def _policy_post(**extra: Any) -> dict[str, Any]:
    data = {
        "name": "Standard",
        "position": "10",
        "priority": "",
        "customer_tag": "",
        "calendar": "",
        "first_hours": "1",
        "first_mins": "30",
        "resolution_hours": "8",
        "resolution_mins": "",
        "warn_before_minutes": "15",
        "escalate_to": "",
        "active": "1",
    }
    data.update(extra)
    return data


def test_every_screen_renders_for_an_admin(admin_user: Any, login: Any, support: Any, team_north: Any) -> None:
    calendar = services.create_calendar(actor=admin_user, data={"name": "Office", "time_zone": "Europe/Warsaw"})
    queue = services.create_queue(
        actor=admin_user, data={"name": "Hardware", "email": "hw@example.com", "agents": [support]}
    )
    policy = services.create_policy(
        actor=admin_user,
        data={"name": "VIP", "first_response_minutes": 90, "resolution_minutes": 1500, "calendar": calendar},
    )
    canned = services.create_canned(actor=admin_user, data={"name": "Thanks", "body": "Hi {{ contact.first_name }}"})
    client = login(admin_user)

    page = client.get(reverse("service:settings"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Hardware" in html
    assert "hw@example.com" in html
    assert "Office" in html
    assert "Mon–Fri 09:00–17:00" in html
    assert "1 h 30 min" in html
    assert "1 d 1 h" in html
    assert "Thanks" in html
    for url in (
        reverse("service:settings-queue-create"),
        reverse("service:settings-queue-edit", args=[queue.pk]),
        reverse("service:settings-calendar-create"),
        reverse("service:settings-calendar-edit", args=[calendar.pk]),
        reverse("service:settings-policy-create"),
        reverse("service:settings-policy-edit", args=[policy.pk]),
        reverse("service:settings-canned-create"),
        reverse("service:settings-canned-edit", args=[canned.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert reverse("service:sla-report") in response.content.decode(), url
    edit = client.get(reverse("service:settings-policy-edit", args=[policy.pk])).content.decode()
    assert 'name="first_hours" type="number" min="0" inputmode="numeric" value="1"' in edit
    assert 'name="first_mins" type="number" min="0" max="59" inputmode="numeric" value="30"' in edit


def test_a_non_admin_sees_only_canned_responses_and_is_refused_the_rest(
    support: Any, admin_user: Any, login: Any
) -> None:
    queue = services.create_queue(actor=admin_user, data={"name": "Hardware"})
    calendar = services.create_calendar(actor=admin_user, data={"name": "Office"})
    policy = services.create_policy(
        actor=admin_user, data={"name": "VIP", "first_response_minutes": 60, "resolution_minutes": 120}
    )
    client = login(support)

    page = client.get(reverse("service:settings")).content.decode()
    assert "Canned responses" in page
    assert "Hardware" not in page
    assert "Queues" not in page
    assert "SLA policies" not in page
    for url in (
        reverse("service:settings-queue-create"),
        reverse("service:settings-queue-edit", args=[queue.pk]),
        reverse("service:settings-calendar-create"),
        reverse("service:settings-calendar-edit", args=[calendar.pk]),
        reverse("service:settings-policy-create"),
        reverse("service:settings-policy-edit", args=[policy.pk]),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "Mine"}).status_code == 403, url
    for url in (
        reverse("service:settings-queue-delete", args=[queue.pk]),
        reverse("service:settings-calendar-delete", args=[calendar.pk]),
        reverse("service:settings-policy-delete", args=[policy.pk]),
    ):
        assert client.post(url).status_code == 403, url
    assert Queue.objects.filter(name="Hardware").exists()
    assert BusinessCalendar.objects.count() == 1
    assert SlaPolicy.objects.count() == 1


def test_an_admin_creates_edits_and_deletes_a_queue(admin_user: Any, login: Any, support: Any, team_north: Any) -> None:
    client = login(admin_user)

    created = client.post(
        reverse("service:settings-queue-create"),
        {
            "name": "Hardware",
            "email": "HW@example.com",
            "team": str(team_north.pk),
            "assignment": "round_robin",
            "agents": [str(support.pk)],
            "active": "1",
        },
    )
    queue = Queue.objects.get(name="Hardware")
    assert created.status_code == 302
    assert created["Location"] == reverse("service:settings")
    assert (queue.email, queue.team_id, queue.assignment, queue.active) == (
        "hw@example.com",
        team_north.pk,
        "round_robin",
        True,
    )
    assert list(queue.agents.all()) == [support]

    url = reverse("service:settings-queue-edit", args=[queue.pk])
    saved = client.post(
        url, {"name": "Hardware 2", "email": "", "assignment": "manual", "version": queue.version, "active": "1"}
    )
    queue.refresh_from_db()
    assert saved.status_code == 302
    assert (queue.name, queue.assignment, queue.agents.count(), queue.team_id) == ("Hardware 2", "manual", 0, None)

    deleted = client.post(reverse("service:settings-queue-delete", args=[queue.pk]), {"version": queue.version})
    assert deleted.status_code == 302
    assert not Queue.objects.filter(pk=queue.pk).exists()


def test_bad_queue_input_names_the_fields_and_stores_nothing(admin_user: Any, login: Any, make_user: Any) -> None:
    gone = make_user(Role.SUPPORT_AGENT, [], username="gone", is_active=False)
    client = login(admin_user)

    response = client.post(
        reverse("service:settings-queue-create"),
        {"name": " ", "email": "not an address", "assignment": "lottery", "agents": [str(gone.pk)]},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert set(response.context["errors"]) == {"name", "email", "assignment", "agents"}
    assert "This field is required." in html
    assert "Enter a valid e-mail address." in html
    assert "Choose active users." in html
    assert 'value="not an address"' in html  # what was typed is shown again
    assert not Queue.objects.exists()


def test_a_stale_queue_form_gets_409_and_changes_nothing(admin_user: Any, login: Any) -> None:
    queue = services.create_queue(actor=admin_user, data={"name": "Hardware"})
    stale = queue.version
    services.update_queue(actor=admin_user, queue=queue, data={"name": "Hardware (new)"})
    client = login(admin_user)

    response = client.post(
        reverse("service:settings-queue-edit", args=[queue.pk]),
        {"name": "Mine", "assignment": "manual", "active": "1", "version": stale},
    )
    queue.refresh_from_db()
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert queue.name == "Hardware (new)"
    # The form now carries the stored version: saving again, knowingly, goes through.
    assert response.context["values"]["version"] == queue.version


def test_a_queue_with_tickets_is_not_deleted(admin_user: Any, login: Any, make_contact: Any) -> None:
    from accord.service.services import tickets

    queue = services.create_queue(actor=admin_user, data={"name": "Hardware"})
    tickets.create_ticket(
        actor=admin_user, contact=make_contact(admin_user), subject="Broken", body="It is.", queue=queue
    )
    client = login(admin_user)

    response = client.post(reverse("service:settings-queue-delete", args=[queue.pk]), follow=True)
    assert "The queue has tickets" in response.content.decode()
    assert Queue.objects.filter(pk=queue.pk).exists()
    assert client.get(reverse("service:settings-queue-delete", args=[queue.pk])).status_code == 405


def test_a_calendar_is_entered_as_a_week_grid(admin_user: Any, login: Any) -> None:
    client = login(admin_user)

    created = client.post(
        reverse("service:settings-calendar-create"),
        _calendar_post(
            h5_0_from="10:00",
            h5_0_to="14:00",
            h0_1_from="18:00",
            h0_1_to="20:00",
            closed_days="2026-12-24\n2026-12-31\n",
        ),
    )
    calendar = BusinessCalendar.objects.get()
    assert created.status_code == 302
    assert calendar.hours == [
        [["09:00", "17:00"], ["18:00", "20:00"]],
        [["09:00", "17:00"]],
        [["09:00", "17:00"]],
        [["09:00", "17:00"]],
        [["09:00", "17:00"]],
        [["10:00", "14:00"]],
        [],
    ]
    assert calendar.closed_days == ["2026-12-24", "2026-12-31"]
    assert calendar.country == "PL"

    edit = client.get(reverse("service:settings-calendar-edit", args=[calendar.pk])).content.decode()
    assert 'name="h0_1_from" value="18:00"' in edit
    assert "2026-12-24\n2026-12-31</textarea>" in edit

    saved = client.post(
        reverse("service:settings-calendar-edit", args=[calendar.pk]),
        _calendar_post(name="Office 2", version=calendar.version, country=""),
    )
    calendar.refresh_from_db()
    assert saved.status_code == 302
    assert (calendar.name, calendar.country, calendar.hours[5]) == ("Office 2", "", [])

    deleted = client.post(
        reverse("service:settings-calendar-delete", args=[calendar.pk]), {"version": calendar.version}
    )
    assert deleted.status_code == 302
    assert not BusinessCalendar.objects.exists()


def test_bad_calendar_input_names_the_fields_and_stores_nothing(admin_user: Any, login: Any) -> None:
    client = login(admin_user)

    response = client.post(
        reverse("service:settings-calendar-create"),
        _calendar_post(
            name="", time_zone="Mars/Olympus", country="XX", h2_0_from="17:00", h2_0_to="09:00", closed_days="soon"
        ),
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert set(response.context["errors"]) == {"name", "time_zone", "country", "hours", "closed_days"}
    assert "Enter a time zone such as Europe/Warsaw." in html
    assert "Day 3:" in html
    assert 'name="h2_0_from" value="17:00"' in html
    assert not BusinessCalendar.objects.exists()

    one_end = client.post(reverse("service:settings-calendar-create"), _calendar_post(h6_0_from="10:00"))
    assert one_end.status_code == 422
    assert set(one_end.context["errors"]) == {"hours"}
    assert "Day 7:" in one_end.content.decode()
    assert not BusinessCalendar.objects.exists()


def test_a_calendar_a_policy_uses_is_not_deleted(admin_user: Any, login: Any) -> None:
    calendar = services.create_calendar(actor=admin_user, data={"name": "Office"})
    services.create_policy(
        actor=admin_user,
        data={"name": "VIP", "first_response_minutes": 60, "resolution_minutes": 120, "calendar": calendar},
    )
    client = login(admin_user)

    response = client.post(reverse("service:settings-calendar-delete", args=[calendar.pk]), follow=True)
    assert "SLA policies use this calendar" in response.content.decode()
    assert BusinessCalendar.objects.filter(pk=calendar.pk).exists()


def test_an_admin_creates_edits_and_deletes_a_policy(admin_user: Any, login: Any, support: Any) -> None:
    calendar = services.create_calendar(actor=admin_user, data={"name": "Office"})
    client = login(admin_user)

    created = client.post(
        reverse("service:settings-policy-create"),
        _policy_post(
            priority="urgent",
            customer_tag="VIP",
            calendar=str(calendar.pk),
            escalate_to=str(support.pk),
            raise_priority="1",
        ),
    )
    policy = SlaPolicy.objects.get()
    assert created.status_code == 302
    assert (
        policy.name,
        policy.position,
        policy.priority,
        policy.customer_tag,
        policy.calendar_id,
        policy.first_response_minutes,
        policy.resolution_minutes,
        policy.warn_before_minutes,
        policy.escalate_to_id,
        policy.raise_priority,
        policy.active,
    ) == ("Standard", 10, "urgent", "VIP", calendar.pk, 90, 480, 15, support.pk, True, True)

    saved = client.post(
        reverse("service:settings-policy-edit", args=[policy.pk]),
        _policy_post(first_hours="", first_mins="45", resolution_hours="2", version=policy.version, active=""),
    )
    policy.refresh_from_db()
    assert saved.status_code == 302
    assert (policy.first_response_minutes, policy.resolution_minutes, policy.calendar_id, policy.active) == (
        45,
        120,
        None,
        False,
    )

    deleted = client.post(reverse("service:settings-policy-delete", args=[policy.pk]), {"version": policy.version})
    assert deleted.status_code == 302
    assert not SlaPolicy.objects.exists()


def test_bad_policy_input_names_the_fields_and_stores_nothing(admin_user: Any, login: Any) -> None:
    client = login(admin_user)

    response = client.post(
        reverse("service:settings-policy-create"),
        _policy_post(
            name="",
            priority="someday",
            first_hours="",
            first_mins="",
            resolution_hours="x",
            warn_before_minutes="-5",
            escalate_to="00000000-0000-0000-0000-000000000000",
        ),
    )
    assert response.status_code == 422
    assert set(response.context["errors"]) == {
        "name",
        "priority",
        "first_response_minutes",
        "resolution_minutes",
        "warn_before_minutes",
        "escalate_to",
    }
    assert 'value="x"' in response.content.decode()
    assert not SlaPolicy.objects.exists()

    backwards = client.post(
        reverse("service:settings-policy-create"), _policy_post(first_hours="9", resolution_hours="1")
    )
    assert backwards.status_code == 422
    assert backwards.context["errors"] == {
        "resolution_minutes": ["The resolution cannot be due before the first response."]
    }
    assert "The resolution cannot be due before the first response." in backwards.content.decode()
    assert not SlaPolicy.objects.exists()


def test_a_stale_policy_form_gets_409(admin_user: Any, login: Any) -> None:
    policy = services.create_policy(
        actor=admin_user, data={"name": "VIP", "first_response_minutes": 60, "resolution_minutes": 120}
    )
    services.update_policy(actor=admin_user, policy=policy, data={"name": "VIP 2"})
    client = login(admin_user)

    response = client.post(
        reverse("service:settings-policy-edit", args=[policy.pk]), _policy_post(version=policy.version)
    )
    policy.refresh_from_db()
    assert response.status_code == 409
    assert policy.name == "VIP 2"
    assert "changed by someone else" in response.content.decode()


def test_an_agent_writes_canned_responses_for_their_team(
    make_user: Any, login: Any, team_north: Any, team_south: Any
) -> None:
    agent = make_user(Role.SUPPORT_AGENT, [team_north], username="agent")
    client = login(agent)

    page = client.get(reverse("service:settings-canned-create")).content.decode()
    assert "{{ contact.first_name }}" in page
    assert "{{ agent.name }}" in page
    assert "North" in page
    assert "South" not in page

    created = client.post(
        reverse("service:settings-canned-create"),
        {
            "name": "Restart",
            "body": "Hello {{ contact.first_name }}, restart it.",
            "language": "pl",
            "team": str(team_north.pk),
        },
    )
    response = CannedResponse.objects.get()
    assert created.status_code == 302
    assert (response.name, response.language, response.team_id, response.created_by_id) == (
        "Restart",
        "pl",
        team_north.pk,
        agent.pk,
    )
    listed = client.get(reverse("service:settings")).content.decode()
    assert "Restart" in listed
    assert "Polski" in listed

    refused = client.post(
        reverse("service:settings-canned-edit", args=[response.pk]),
        {"name": "", "body": "Hello {% if %}", "team": str(team_south.pk), "version": response.version},
    )
    assert refused.status_code == 422
    assert set(refused.context["errors"]) == {"name", "body", "team"}
    assert "You may only share responses with your own teams." in refused.content.decode()
    response.refresh_from_db()
    assert response.name == "Restart"

    stale = client.post(
        reverse("service:settings-canned-edit", args=[response.pk]),
        {"name": "Reboot", "body": "Reboot.", "version": response.version + 5},
    )
    assert stale.status_code == 409
    response.refresh_from_db()
    assert response.name == "Restart"

    saved = client.post(
        reverse("service:settings-canned-edit", args=[response.pk]),
        {"name": "Reboot", "body": "Reboot.", "team": "", "version": response.version},
    )
    response.refresh_from_db()
    assert saved.status_code == 302
    assert (response.name, response.team_id, response.language) == ("Reboot", None, "")

    deleted = client.post(reverse("service:settings-canned-delete", args=[response.pk]), {"version": response.version})
    assert deleted.status_code == 302
    assert not CannedResponse.objects.exists()
    assert AuditEntry.objects.filter(object_id=str(response.pk)).count() >= 3


def test_an_agent_may_not_change_another_agents_response(
    make_user: Any, login: Any, team_north: Any, team_south: Any
) -> None:
    author = make_user(Role.SUPPORT_AGENT, [team_south], username="author")
    other = make_user(Role.SUPPORT_AGENT, [team_north], username="other")
    everyone = services.create_canned(actor=author, data={"name": "Everyone's", "body": "Hi."})
    southern = services.create_canned(actor=author, data={"name": "South only", "body": "Hi.", "team": team_south})
    client = login(other)

    page = client.get(reverse("service:settings")).content.decode()
    assert "Everyone&#x27;s" in page
    assert "South only" not in page
    assert reverse("service:settings-canned-edit", args=[everyone.pk]) not in page
    assert client.get(reverse("service:settings-canned-edit", args=[everyone.pk])).status_code == 403
    assert client.get(reverse("service:settings-canned-edit", args=[southern.pk])).status_code == 404
    assert client.post(reverse("service:settings-canned-delete", args=[everyone.pk])).status_code == 403
    assert CannedResponse.objects.count() == 2
