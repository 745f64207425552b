"""Logging in: argon2 hashes, throttled guessing, the language switch."""

import pytest
from django.contrib.auth.hashers import get_hasher
from django.core.exceptions import ValidationError
from django.test import override_settings

from accord.identity import services
from accord.identity.models import User


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_stored_with_argon2(db):
    user = services.create_user(actor=None, username="ola", password="correct horse battery", email="ola@example.com")

    assert user.password.startswith("argon2$")
    assert get_hasher("argon2").verify("correct horse battery", user.password)


def test_weak_passwords_are_refused_with_the_reason(db):
    with pytest.raises(ValidationError) as caught:
        services.create_user(actor=None, username="ola", password="12345", email="ola@example.com")

    assert "password" in caught.value.message_dict
    assert not User.objects.filter(username="ola").exists()


def test_login_page_logs_in_and_lands_on_my_day(client, owner):
    response = client.post("/login/", {"username": "owner", "password": "a-long-test-password"})

    assert response.status_code == 302
    assert response["Location"] == "/my-day/"


def test_repeated_wrong_passwords_lock_the_account_for_a_while(client, owner):
    for _ in range(4):
        response = client.post("/login/", {"username": "owner", "password": "wrong"})
        assert response.status_code == 200
    fifth = client.post("/login/", {"username": "owner", "password": "wrong"})

    locked = client.post("/login/", {"username": "owner", "password": "a-long-test-password"})

    assert fifth.status_code == 429

    assert locked.status_code == 429
    assert b"Too many failed attempts" in locked.content


def test_pages_need_a_login(client):
    response = client.get("/contacts/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_language_switch_is_remembered_on_the_user(client, owner):
    client.force_login(owner)

    response = client.post("/language/", {"language": "pl", "next": "/contacts/"})

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.language == "pl"
    page = client.get("/contacts/").content.decode()
    assert "Kontakty" in page


def test_language_switch_refuses_foreign_redirects(client, owner):
    client.force_login(owner)

    response = client.post("/language/", {"language": "pl", "next": "https://evil.example/"})

    assert response["Location"] == "/"
