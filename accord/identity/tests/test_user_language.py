"""The language saved on a user's profile: it applies from the moment they log in, and what Accord
sends them (a password link, reminders) is written in it, not in the language of whoever caused it."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.utils import timezone, translation

from accord.activities import services as activities
from accord.core.events import dispatch_pending
from accord.messaging.models import Message


def test_logging_in_speaks_the_saved_language_whatever_the_browser_remembered(client, owner):
    owner.language = "pl"
    owner.save(update_fields=["language"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"  # someone else's choice on this browser

    response = client.post("/login/", {"username": "owner", "password": "a-long-test-password"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pl"
    assert '<html lang="pl"' in client.get("/contacts/").content.decode()


def test_a_user_who_chose_no_language_keeps_the_browsers(client, owner):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ro"

    response = client.post("/login/", {"username": "owner", "password": "a-long-test-password"})

    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert '<html lang="ro"' in client.get("/contacts/").content.decode()


def test_the_password_link_is_written_in_the_users_language_not_the_admins(login, admin_user, owner):
    owner.language = "pl"
    owner.save(update_fields=["language"])
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])

    login(admin_user).post(f"/settings/users/{owner.pk}/reset-link/")

    sent = mail.outbox[0]
    assert sent.subject == "Wybierz nowe hasło do konta owner"
    assert sent.extra_headers["Content-Language"] == "pl"


def _remind(owner) -> Message:
    activities.create_task(
        actor=owner,
        data={
            "title": "Zadzwonić do klienta",
            "due_at": timezone.now() + datetime.timedelta(hours=1),
            "remind_at": timezone.now() - datetime.timedelta(minutes=1),
        },
    )
    activities.fire_due_reminders()
    dispatch_pending()
    return Message.objects.get(recipient_user=owner)


def test_a_reminder_is_in_the_owners_language_whoever_runs_the_worker(owner):
    owner.language = "pl"
    owner.save(update_fields=["language"])

    with translation.override("en"):
        message = _remind(owner)

    assert message.subject == "Przypomnienie: Zadzwonić do klienta"


def test_a_reminder_to_a_user_without_a_language_is_in_the_sites(owner):
    with override_settings(LANGUAGE_CODE="ro"):
        message = _remind(owner)

    assert message.subject == "Memento: Zadzwonić do klienta"
