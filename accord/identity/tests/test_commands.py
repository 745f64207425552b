"""The identity commands: createuser and token."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accord.identity.models import ApiToken, User


def test_createuser_makes_a_user_with_role_and_team(db):
    out = io.StringIO()

    call_command(
        "createuser", "marta", "--role", "manager", "--team", "North", "--password", "a-long-password-1", stdout=out
    )

    user = User.objects.get(username="marta")
    assert user.role.code == "manager"
    assert [t.name for t in user.teams.all()] == ["North"]
    assert user.check_password("a-long-password-1")
    assert "Created marta" in out.getvalue()


def test_createuser_explains_what_is_wrong(db):
    with pytest.raises(CommandError) as caught:
        call_command("createuser", "marta", "--role", "boss", "--password", "a-long-password-1")

    assert "role: Unknown role boss." in str(caught.value)


def test_token_create_prints_a_token_that_authenticates(owner, client):
    out = io.StringIO()

    call_command("token", "create", "owner", stdout=out)

    token = out.getvalue().strip()
    assert token.startswith("acc_")
    assert ApiToken.objects.get().key_hash != token
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.json()["username"] == "owner"


def test_revoked_token_no_longer_works(owner, client):
    out = io.StringIO()
    call_command("token", "create", "owner", stdout=out)
    token = out.getvalue().strip()

    call_command("token", "revoke", token[:12], stdout=io.StringIO())

    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
