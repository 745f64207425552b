"""Every user's profile page: details, language and time zone, changing the password."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from accord.core.models import AuditEntry, Event
from accord.identity import services
from accord.identity.middleware import UserPreferencesMiddleware
from accord.identity.models import User

PASSWORD = "a-long-test-password"


@pytest.mark.parametrize("persona", ["owner", "viewer", "support", "manager", "admin_user"])
def test_every_user_has_a_profile_page_linked_from_the_account_menu(db, request, client, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    page = client.get("/account/")
    home = client.get("/contacts/").content.decode()

    assert page.status_code == 200
    assert f'value="{user.email}"' in page.content.decode()
    assert 'href="/account/"' in home


def test_profile_changes_details_and_preferences_and_audits_them(login, owner):
    client = login(owner)

    response = client.post(
        "/account/",
        {
            "first_name": "Olga",
            "last_name": "Nowak",
            "email": "olga@example.com",
            "phone": "+48 22 100 20 30",
            "language": "pl",
            "timezone": "America/New_York",
        },
    )

    owner.refresh_from_db()
    assert response.status_code == 302
    assert (owner.first_name, owner.email, owner.language, owner.timezone) == (
        "Olga",
        "olga@example.com",
        "pl",
        "America/New_York",
    )
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pl"
    assert "Kontakty" in client.get("/contacts/").content.decode()
    entry = AuditEntry.objects.filter(entity="identity.user", object_id=owner.pk).latest("at")
    assert entry.actor_id == owner.pk
    assert entry.changes["timezone"] == ["", "America/New_York"]
    assert Event.objects.filter(name="identity.user.updated", object_id=owner.pk).count() == 1


def test_profile_errors_are_shown_by_field(login, owner):
    response = login(owner).post(
        "/account/", {"email": "not-an-address", "language": "xx", "timezone": "Europe/Nowhere"}
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "Enter a valid email address." in html
    assert "Select a valid choice. xx is not one of the available choices." in html
    assert "Select a valid choice. Europe/Nowhere is not one of the available choices." in html


def test_the_language_left_to_the_browser_forgets_the_remembered_one(login, owner):
    client = login(owner)
    client.post("/language/", {"language": "pl", "next": "/account/"})

    response = client.post("/account/", {"language": "", "timezone": ""})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""
    assert "Contacts" in client.get("/contacts/", headers={"Accept-Language": "en"}).content.decode()


def test_the_users_time_zone_applies_to_their_requests(owner):
    owner.timezone = "Asia/Tokyo"
    seen = []

    def view(request):
        seen.append(timezone.get_current_timezone_name())
        return HttpResponse()

    request = RequestFactory().get("/")
    request.user = owner
    UserPreferencesMiddleware(view)(request)

    assert seen == ["Asia/Tokyo"]
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_the_time_zone_select_lists_zoneinfo_names(login, owner):
    html = login(owner).get("/account/").content.decode()

    assert '<option value="Europe/Warsaw">Europe/Warsaw</option>' in html
    assert '<option value="America/Argentina/Buenos_Aires">America/Argentina/Buenos Aires</option>' in html


def test_changing_the_password_keeps_this_session_and_ends_the_others(client, owner):
    client.post("/login/", {"username": "owner", "password": PASSWORD})
    laptop = Client()
    laptop.post("/login/", {"username": "owner", "password": PASSWORD})
    assert laptop.get("/contacts/").status_code == 200

    response = client.post(
        "/account/password/",
        {
            "current_password": PASSWORD,
            "new_password": "a-brand-new-passphrase",
            "new_password_again": "a-brand-new-passphrase",
        },
    )

    owner.refresh_from_db()
    assert response.status_code == 302
    assert owner.check_password("a-brand-new-passphrase")
    assert owner.password_changed_at is not None
    assert client.get("/contacts/").status_code == 200
    assert laptop.get("/contacts/").status_code == 302
    entry = AuditEntry.objects.filter(entity="identity.user", object_id=owner.pk).latest("at")
    assert list(entry.changes) == ["password_changed_at"]


def test_the_current_password_is_required(login, owner):
    response = login(owner).post(
        "/account/password/",
        {
            "current_password": "guess",
            "new_password": "a-brand-new-passphrase",
            "new_password_again": "a-brand-new-passphrase",
        },
    )

    owner.refresh_from_db()
    assert response.status_code == 422
    assert "This is not your current password." in response.content.decode()
    assert owner.check_password(PASSWORD)


def test_the_new_password_follows_the_password_rules(login, owner):
    response = login(owner).post(
        "/account/password/",
        {"current_password": PASSWORD, "new_password": "12345678", "new_password_again": "12345678"},
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "This password is too short. It must contain at least 10 characters." in html
    assert "This password is entirely numeric." in html


def test_the_two_new_passwords_must_match(login, owner):
    response = login(owner).post(
        "/account/password/",
        {"current_password": PASSWORD, "new_password": "a-brand-new-passphrase", "new_password_again": "another-one-x"},
    )

    assert response.status_code == 422
    assert "The two passwords differ." in response.content.decode()


def test_the_language_picked_from_the_menu_is_remembered_and_audited(login, owner):
    client = login(owner)

    client.post("/language/", {"language": "pl", "next": "/account/"})
    client.post("/language/", {"language": "pl", "next": "/account/"})

    owner.refresh_from_db()
    assert owner.language == "pl"
    entries = AuditEntry.objects.filter(entity="identity.user", object_id=owner.pk)
    assert [e.changes for e in entries] == [{"language": ["", "pl"]}]


def _offered_zones(html: str) -> list[str]:
    select = html.split('name="timezone"')[1].split("</select>")[0]
    return [v for v in re.findall(r'<option value="([^"]*)"', select) if v]


def test_the_time_zone_list_offers_only_area_city_zones_sorted(login, owner):
    html = login(owner).get("/account/").content.decode()

    zones = _offered_zones(html)

    assert "Europe/Warsaw" in zones
    assert "America/Argentina/Buenos_Aires" in zones
    assert zones == sorted(zones)
    odd = {
        "Factory",
        "localtime",
        "posixrules",
        "Etc/GMT+2",
        "Etc/UTC",
        "EST",
        "CET",
        "GMT",
        "UTC",
        "Poland",
        "US/Eastern",
    }
    assert not odd & set(zones)
    assert all(
        zone.split("/")[0]
        in {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
        for zone in zones
    )


def test_an_odd_zone_the_user_has_is_kept_but_not_offered_to_others(login, owner, teammate):
    User.objects.filter(pk=owner.pk).update(timezone="Etc/GMT-2")
    client = login(owner)
    html = client.get("/account/").content.decode()
    data = {"first_name": "Olga", "last_name": "", "email": "", "phone": "", "language": "", "timezone": "Etc/GMT-2"}

    kept = client.post("/account/", data)
    refused = client.post("/account/", {**data, "timezone": "Factory"})

    owner.refresh_from_db()
    assert '<option value="Etc/GMT-2" selected>' in html
    assert kept.status_code == 302
    assert refused.status_code == 422
    assert "Select a valid choice." in refused.content.decode()
    assert (owner.first_name, owner.timezone) == ("Olga", "Etc/GMT-2")
    assert "Etc/GMT-2" not in _offered_zones(login(teammate).get("/account/").content.decode())


def test_the_service_refuses_a_zone_outside_the_list_unless_the_user_has_it(owner):
    with pytest.raises(ValidationError) as caught:
        services.update_profile(
            user=owner, first_name="", last_name="", email="", phone="", language="", timezone="Factory"
        )
    User.objects.filter(pk=owner.pk).update(timezone="Factory")
    owner.refresh_from_db()

    services.update_profile(
        user=owner, first_name="Olga", last_name="", email="", phone="", language="", timezone="Factory"
    )

    assert caught.value.message_dict == {"timezone": ["Choose a time zone from the list."]}
    owner.refresh_from_db()
    assert (owner.first_name, owner.timezone) == ("Olga", "Factory")
