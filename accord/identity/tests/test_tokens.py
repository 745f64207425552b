"""API tokens on the profile page: created by their owner and shown once, listed with their last
use, revoked by the owner or an administrator, every step audited."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import formats, timezone

from accord.core.access import AccessDenied
from accord.core.models import AuditEntry, Event
from accord.identity import services
from accord.identity.models import ApiToken


def create_on_profile(client: Client, **data: str) -> str:
    response = client.post("/account/tokens/", {"name": "Invoicing sync", **data}, follow=True)
    assert response.redirect_chain == [("/account/#tokens", 302)]
    found = re.search(r"data-new-token>(acc_[\w-]+)<", response.content.decode())
    assert found is not None
    return found.group(1)


def test_reloading_the_page_after_creating_a_token_neither_makes_another_nor_shows_it_again(login, owner):
    client = login(owner)
    created = client.post("/account/tokens/", {"name": "Invoicing sync"})
    shown = client.get(created["Location"])
    raw = re.search(r"data-new-token>(acc_[\w-]+)<", shown.content.decode())

    reloaded = client.get(created["Location"])

    assert created.status_code == 302
    assert created["Location"] == "/account/#tokens"
    assert raw is not None
    assert raw.group(1) not in reloaded.content.decode()
    assert "data-new-token" not in reloaded.content.decode()
    assert ApiToken.objects.filter(user=owner).count() == 1


def test_owner_creates_a_token_shown_once_and_stored_as_a_hash(login, owner):
    client = login(owner)

    raw = create_on_profile(client, expires="90")

    token = ApiToken.objects.get(user=owner)
    assert token.name == "Invoicing sync"
    assert token.key_hash != raw
    assert raw not in client.get("/account/").content.decode()
    assert token.expires_at is not None
    assert datetime.timedelta(days=89) < token.expires_at - timezone.now() <= datetime.timedelta(days=90)
    entry = AuditEntry.objects.get(entity="identity.apitoken", object_id=token.pk)
    assert entry.actor_id == owner.pk
    assert "key_hash" not in entry.changes
    assert entry.changes["name"] == [None, "Invoicing sync"]
    assert Event.objects.filter(name="identity.apitoken.created", object_id=token.pk).count() == 1
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).json()["username"] == "owner"


def test_a_token_needs_a_name(login, owner):
    response = login(owner).post("/account/tokens/", {"name": "  "})

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_list_shows_when_a_token_was_last_used(login, owner):
    client = login(owner)
    raw = create_on_profile(client)
    assert "Never" in client.get("/account/").content.decode()

    Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})

    used = ApiToken.objects.get().last_used_at
    assert used is not None
    html = client.get("/account/").content.decode()
    shown = formats.date_format(timezone.localtime(used), "SHORT_DATETIME_FORMAT")
    assert f'<td data-label="Last used" class="nowrap">{shown}</td>' in html
    assert f"{raw[:12]}…" in html


def test_owner_revokes_a_token_and_it_stops_working_at_once(login, owner):
    client = login(owner)
    raw = create_on_profile(client)
    token = ApiToken.objects.get()

    response = client.post(f"/account/tokens/{token.pk}/revoke/")

    token.refresh_from_db()
    assert response.status_code == 302
    assert token.revoked_at is not None
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    entry = AuditEntry.objects.filter(entity="identity.apitoken", object_id=token.pk).latest("at")
    assert list(entry.changes) == ["revoked_at"]
    assert entry.actor_id == owner.pk
    assert Event.objects.filter(name="identity.apitoken.updated", object_id=token.pk).count() == 1


def test_someone_elses_token_is_out_of_reach(login, owner, teammate):
    token, _raw = services.create_token(actor=owner, user=owner, name="mine")

    response = login(teammate).post(f"/account/tokens/{token.pk}/revoke/")

    token.refresh_from_db()
    assert response.status_code == 404
    assert token.revoked_at is None


def test_an_admin_revokes_anyones_token_from_the_user_page(login, owner, admin_user):
    token, _raw = services.create_token(actor=owner, user=owner, name="laptop script")
    client = login(admin_user)
    assert "laptop script" in client.get(f"/settings/users/{owner.pk}/").content.decode()

    response = client.post(f"/account/tokens/{token.pk}/revoke/", {"next": f"/settings/users/{owner.pk}/"})

    token.refresh_from_db()
    assert response["Location"] == f"/settings/users/{owner.pk}/"
    assert token.revoked_at is not None
    entry = AuditEntry.objects.filter(entity="identity.apitoken", object_id=token.pk).latest("at")
    assert entry.actor_id == admin_user.pk


def test_nobody_creates_tokens_for_someone_else(owner, admin_user):
    with pytest.raises(AccessDenied):
        services.create_token(actor=admin_user, user=owner, name="for you")

    assert not ApiToken.objects.exists()


def test_an_expired_token_is_refused(owner):
    token, raw = services.create_token(user=owner, name="short", expires_in=datetime.timedelta(days=1))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    assert services.authenticate_token(raw) is None


def test_revoking_twice_records_one_change(owner):
    token, _raw = services.create_token(user=owner, name="twice")

    services.revoke_token(actor=owner, token=token)
    services.revoke_token(actor=owner, token=token)

    assert AuditEntry.objects.filter(entity="identity.apitoken", object_id=token.pk, action="update").count() == 1
