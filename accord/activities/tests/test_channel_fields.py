"""Each channel records only what fits it (the screen shows those inputs, the service refuses the
others, on the screen and through the API alike); "Log a call" from anywhere; due-date shortcuts."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.activities import services
from accord.activities.forms import InteractionForm, due_shortcuts
from accord.activities.models import Interaction


@pytest.mark.parametrize(
    ("data", "refused"),
    [
        ({"channel": "email", "duration_seconds": 600}, {"duration_seconds"}),
        ({"channel": "email", "direction": "out", "outcome": "connected"}, {"outcome"}),
        ({"channel": "note", "direction": "in"}, {"direction"}),
        ({"channel": "meeting", "direction": "out", "duration_seconds": 3600}, {"direction"}),
        ({"channel": "web_form", "direction": "in", "duration_seconds": 60}, {"direction", "duration_seconds"}),
    ],
)
def test_a_field_the_channel_does_not_record_is_refused(owner, make_contact, data, refused):
    contact = make_contact(owner)

    with pytest.raises(ValidationError) as caught:
        services.log_interaction(actor=owner, data={**data, "contact": contact})

    assert set(caught.value.message_dict) == refused
    assert Interaction.objects.count() == 0


def test_what_each_channel_records_is_accepted(owner, make_contact):
    contact = make_contact(owner)

    call = services.log_interaction(
        actor=owner,
        data={
            "channel": "phone",
            "direction": "out",
            "duration_seconds": 90,
            "outcome": "connected",
            "contact": contact,
        },
    )
    visit = services.log_interaction(
        actor=owner, data={"channel": "visit", "duration_seconds": 3600, "contact": contact}
    )
    sms = services.log_interaction(actor=owner, data={"channel": "sms", "direction": "in", "contact": contact})

    assert (call.duration_seconds, call.outcome, visit.duration_seconds, sms.direction) == (90, "connected", 3600, "in")


def test_the_api_refuses_what_the_screen_refuses(api, owner, make_contact):
    contact = make_contact(owner)

    response = api(owner).post(
        "/interactions", {"channel": "email", "duration_seconds": 300, "contact_id": str(contact.pk)}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"duration_seconds": ["Only calls, meetings and visits have a duration."]}


def test_the_composer_shows_each_input_only_for_its_channels(login, owner, make_contact):
    contact = make_contact(owner)
    email = services.log_interaction(actor=owner, data={"channel": "email", "direction": "in", "contact": contact})

    page = login(owner).get(f"/contacts/{contact.pk}/").content.decode()
    edit = login(owner).get(f"/interactions/{email.pk}/").content.decode()

    # The composer starts on a call: direction, duration and outcome all shown.
    assert '<div data-channels="phone meeting visit">' in page
    assert '<div data-channels="phone" class="span-2">' in page
    assert '<div data-channels="phone email sms letter fax chat social">' in page
    # An e-mail: its direction shown, no duration or outcome.
    assert '<div data-channels="phone email sms letter fax chat social">' in edit
    assert '<div data-channels="phone meeting visit" class="hidden">' in edit
    assert '<div data-channels="phone" class="span-2 hidden">' in edit


def test_without_javascript_an_email_with_a_duration_gets_the_reason_and_nothing_is_saved(login, owner, make_contact):
    contact = make_contact(owner)

    response = login(owner).post(
        "/interactions/new/",
        {"party": f"contact:{contact.pk}", "channel": "email", "direction": "out", "duration_minutes": "5"},
    )

    assert response.status_code == 422
    assert response.context["form"].errors["duration_minutes"] == ["Only calls, meetings and visits have a duration."]
    assert Interaction.objects.count() == 0


def test_log_a_call_from_the_new_menu(login, owner, outsider, make_contact):
    contact = make_contact(owner, first_name="Halina", last_name="Wrzosek")
    client = login(owner)

    menu = client.get("/my-day/").content.decode()
    form = client.get("/interactions/new/", {"channel": "phone", "direction": "out"})
    options = client.get("/interactions/parties/", {"q": "wrzosek"}).content.decode()
    logged = client.post(
        "/interactions/new/",
        {
            "party": f"contact:{contact.pk}",
            "channel": "phone",
            "direction": "out",
            "duration_minutes": "4",
            "outcome": "connected",
            "subject": "Pricing",
        },
    )

    assert 'href="/interactions/new/?channel=phone&amp;direction=out"' in menu
    assert 'href="/sales/deals/new/"' in menu
    assert 'href="/sales/leads/new/"' in menu
    assert (form.context["form"]["channel"].value(), form.context["form"]["direction"].value()) == ("phone", "out")
    assert f'data-pick="contact:{contact.pk}"' in options
    assert logged.status_code == 302
    assert logged["Location"] == f"/contacts/{contact.pk}/"
    call = Interaction.objects.get()
    assert (call.channel, call.direction, call.duration_seconds, call.outcome, call.contact, call.author) == (
        "phone",
        "out",
        240,
        "connected",
        contact,
        owner,
    )
    assert login(outsider).get("/interactions/parties/", {"q": "wrzosek"}).content.decode().strip() == (
        '<div class="menu-label">No contact or company found.</div>'
    )


def test_a_name_typed_without_javascript_is_taken_when_it_finds_exactly_one(login, owner, make_contact):
    contact = make_contact(owner, first_name="Halina", last_name="Wrzosek")
    make_contact(owner, first_name="Jan", last_name="Kowalski")
    make_contact(owner, first_name="Anna", last_name="Kowalska")
    client = login(owner)

    one = client.post("/interactions/new/", {"party_name": "Wrzosek", "channel": "note", "subject": "Met"})
    many = client.post("/interactions/new/", {"party_name": "Kowal", "channel": "note", "subject": "Met"})

    assert one.status_code == 302
    assert Interaction.objects.get().contact == contact
    assert many.status_code == 422
    assert many.context["party_error"] == "Choose who it was with from the list."


def test_people_who_may_not_create_get_no_new_menu_and_no_log_page(login, viewer):
    assert "Log a call" not in login(viewer).get("/my-day/").content.decode()
    assert login(viewer).get("/interactions/new/").status_code == 403


def test_due_shortcuts_are_today_tomorrow_and_a_week_from_today_in_the_users_time_zone():
    # Sunday 8 March 2026, 22:30 UTC: 23:30 in Warsaw, 18:30 in New York (on summer time since 2:00).
    now = datetime.datetime(2026, 3, 8, 22, 30, tzinfo=datetime.UTC)

    with timezone.override(zoneinfo.ZoneInfo("Europe/Warsaw")):
        warsaw = due_shortcuts(now)
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        new_york = due_shortcuts(now)
    with timezone.override(zoneinfo.ZoneInfo("Europe/Warsaw")):
        wednesday_morning = due_shortcuts(datetime.datetime(2026, 3, 11, 7, 0, tzinfo=datetime.UTC))

    # "Next week" is today + 7 days (not the next Monday), 9:00 in the user's time zone.
    assert warsaw == [
        ("Today", "2026-03-08T23:59"),
        ("Tomorrow", "2026-03-09T09:00"),
        ("Next week", "2026-03-15T09:00"),
    ]
    assert new_york == [
        ("Today", "2026-03-08T19:00"),
        ("Tomorrow", "2026-03-09T09:00"),
        ("Next week", "2026-03-15T09:00"),
    ]
    assert wednesday_morning == [
        ("Today", "2026-03-11T17:00"),
        ("Tomorrow", "2026-03-12T09:00"),
        ("Next week", "2026-03-18T09:00"),
    ]


def test_next_week_from_a_friday_is_the_next_friday_not_monday():
    with timezone.override(zoneinfo.ZoneInfo("Europe/Warsaw")):
        friday = due_shortcuts(datetime.datetime(2026, 3, 13, 10, 0, tzinfo=datetime.UTC))

    assert friday[2] == ("Next week", "2026-03-20T09:00")


def test_the_task_forms_offer_the_due_shortcuts(login, owner, make_contact):
    contact = make_contact(owner)

    new_task = login(owner).get("/tasks/new/").content.decode()
    panel = login(owner).get(f"/contacts/{contact.pk}/").content.decode()

    for page in (new_task, panel):
        assert 'data-for="id_due_at">Today</button>' in page
        assert 'data-for="id_due_at">Tomorrow</button>' in page
        assert 'data-for="id_due_at">Next week</button>' in page


def test_an_older_record_with_a_field_its_channel_lacks_can_still_be_edited(owner, make_contact):
    contact = make_contact(owner)
    email = services.log_interaction(actor=owner, data={"channel": "email", "direction": "out", "contact": contact})
    # Saved before channels had their own fields: an e-mail with a duration.
    Interaction.objects.filter(pk=email.pk).update(duration_seconds=600)
    email.refresh_from_db()

    edited = services.update_interaction(
        actor=owner, interaction=email, data={"subject": "Offer sent"}, expected_version=email.version
    )

    assert (edited.subject, edited.duration_seconds) == ("Offer sent", 600)


def test_changing_an_older_records_misfit_field_or_its_channel_is_refused(owner, make_contact):
    contact = make_contact(owner)
    call = services.log_interaction(
        actor=owner, data={"channel": "phone", "direction": "out", "outcome": "connected", "contact": contact}
    )

    with pytest.raises(ValidationError) as caught:
        services.update_interaction(
            actor=owner, interaction=call, data={"channel": "email"}, expected_version=call.version
        )

    assert set(caught.value.message_dict) == {"outcome"}
    call.refresh_from_db()
    assert (call.channel, call.outcome) == ("phone", "connected")


def test_when_starts_at_now_in_the_users_time_zone(login, make_user, team_north):
    rep = make_user("sales_rep", [team_north], timezone="America/New_York")
    new_york = zoneinfo.ZoneInfo("America/New_York")
    before = timezone.now().astimezone(new_york).strftime("%Y-%m-%dT%H:%M")

    page = login(rep).get("/interactions/new/", {"channel": "phone"}).content.decode()
    after = timezone.now().astimezone(new_york).strftime("%Y-%m-%dT%H:%M")

    shown = re.search(r'<input type="datetime-local" name="occurred_at" value="([^"]*)"', page)
    assert shown is not None
    assert shown.group(1) in {before, after}


def test_when_keeps_what_an_edited_entry_says(owner, make_contact):
    moment = datetime.datetime(2026, 3, 2, 8, 15, tzinfo=datetime.UTC)

    form = InteractionForm(initial={"channel": "phone", "occurred_at": moment})

    assert form.initial["occurred_at"] == moment
