"""The mailboxes' settings screens (admins only): the list on the settings page, create, edit
(an empty password keeps the stored one, which the page never shows), delete, and the connection
test against a closed port and against a real IMAP server."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.urls import reverse

from accord.service.models import Mailbox, Queue
from accord.service.tests import test_mailboxes
from accord.service.tests.test_mailboxes import PASSWORD, USER, ImapServer

pytestmark = pytest.mark.django_db

# The real IMAP server (pymap) the mailbox service's own tests start.
imap_server = test_mailboxes.imap_server


@pytest.fixture
def queue(db: Any) -> Queue:
    return Queue.objects.create(name="Support", email="support@accord.test", is_default=True)


@pytest.fixture
def stored(queue: Queue) -> Mailbox:
    return Mailbox.objects.create(
        name="Support inbox",
        queue=queue,
        host="imap.example.com",
        port=993,
        username="support",
        password="stored-secret",
        last_error="Could not connect to imap.example.com:993: Connection refused",
    )


def _post(for_queue: Queue, **extra: Any) -> dict[str, Any]:
    data = {
        "name": "Sales inbox",
        "queue": str(for_queue.pk),
        "host": "imap.example.org",
        "port": "143",
        "username": "sales",
        "password": "typed-secret",
        "folder": "INBOX",
        "active": "1",
    }
    data.update(extra)
    return data


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_settings_page_lists_the_mailboxes_for_an_admin(admin_user: Any, login: Any, stored: Mailbox) -> None:
    html = login(admin_user).get(reverse("service:settings")).content.decode()
    assert "Mailboxes" in html
    assert "Support inbox" in html
    assert "imap.example.com:993" in html
    assert "Connection refused" in html
    assert 'class="mailbox-error"' in html
    assert reverse("service:settings-mailbox-edit", args=[stored.pk]) in html
    assert reverse("service:settings-mailbox-create") in html
    assert "stored-secret" not in html


def test_bad_input_is_named_and_nothing_is_stored(admin_user: Any, login: Any, queue: Queue) -> None:
    client = login(admin_user)
    response = client.post(
        reverse("service:settings-mailbox-create"),
        _post(queue, name="", host="imap example", port="99999", password="", queue="not-a-queue"),
    )
    assert response.status_code == 422
    errors = response.context["errors"]
    assert set(errors) >= {"name", "host", "port", "password", "queue"}
    html = response.content.decode()
    assert "Enter a port from 1 to 65535." in html
    assert 'value="imap example"' in html  # what was typed is shown again
    assert not Mailbox.objects.exists()


def test_an_admin_creates_a_mailbox(admin_user: Any, login: Any, queue: Queue) -> None:
    client = login(admin_user)
    page = client.get(reverse("service:settings-mailbox-create")).content.decode()
    assert 'name="password" type="password" value=""' in page

    response = client.post(reverse("service:settings-mailbox-create"), _post(queue))
    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert (mailbox.name, mailbox.host, mailbox.port, mailbox.username) == (
        "Sales inbox",
        "imap.example.org",
        143,
        "sales",
    )
    assert mailbox.password == "typed-secret"
    assert mailbox.queue == queue
    assert mailbox.use_ssl is False
    assert mailbox.active is True


def test_editing_keeps_the_stored_password_when_left_empty(admin_user: Any, login: Any, stored: Mailbox) -> None:
    client = login(admin_user)
    url = reverse("service:settings-mailbox-edit", args=[stored.pk])
    page = client.get(url).content.decode()
    assert "stored-secret" not in page
    assert "Leave empty to keep the stored password." in page
    assert 'value="imap.example.com"' in page

    response = client.post(
        url, _post(stored.queue, name="Help desk", password="", version=str(stored.version), use_ssl="1")
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.name == "Help desk"
    assert stored.password == "stored-secret"
    assert stored.use_ssl is True

    client.post(url, _post(stored.queue, password="new-secret", version=str(stored.version)))
    stored.refresh_from_db()
    assert stored.password == "new-secret"


def test_a_stale_form_is_refused(admin_user: Any, login: Any, stored: Mailbox) -> None:
    url = reverse("service:settings-mailbox-edit", args=[stored.pk])
    response = login(admin_user).post(url, _post(stored.queue, name="Late", version=str(stored.version - 1 or 99)))
    assert response.status_code == 409
    stored.refresh_from_db()
    assert stored.name == "Support inbox"


def test_an_admin_deletes_a_mailbox(admin_user: Any, login: Any, stored: Mailbox) -> None:
    client = login(admin_user)
    url = reverse("service:settings-mailbox-delete", args=[stored.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"version": stored.version})
    assert response.status_code == 302
    assert not Mailbox.objects.exists()
    assert client.post(url).status_code == 404


def test_a_support_agent_is_refused(support: Any, login: Any, stored: Mailbox, queue: Queue) -> None:
    client = login(support)
    assert "Support inbox" not in client.get(reverse("service:settings")).content.decode()
    for url in (
        reverse("service:settings-mailbox-create"),
        reverse("service:settings-mailbox-edit", args=[stored.pk]),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, _post(queue)).status_code == 403, url
    for url in (
        reverse("service:settings-mailbox-delete", args=[stored.pk]),
        reverse("service:settings-mailbox-test", args=[stored.pk]),
    ):
        assert client.post(url).status_code == 403, url
    stored.refresh_from_db()
    assert stored.name == "Support inbox"
    assert Mailbox.objects.count() == 1


def test_an_unknown_or_malformed_key_is_not_found(admin_user: Any, login: Any) -> None:
    client = login(admin_user)
    assert client.get("/service/settings/mailboxes/not-a-uuid/").status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(reverse("service:settings-mailbox-edit", args=[missing])).status_code == 404
    assert client.post(reverse("service:settings-mailbox-test", args=[missing])).status_code == 404


def test_the_connection_test_tells_an_unreachable_server(admin_user: Any, login: Any, stored: Mailbox) -> None:
    stored.host, stored.port, stored.use_ssl = "127.0.0.1", _closed_port(), False
    stored.save()
    client = login(admin_user)
    url = reverse("service:settings-mailbox-test", args=[stored.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Could not connect to 127.0.0.1:{stored.port}" in html
    assert "has-error" in html
    assert response.context["errors"]["host"]


def test_the_connection_test_counts_the_messages_on_a_real_server(
    admin_user: Any, login: Any, queue: Queue, imap_server: ImapServer
) -> None:
    imap_server.append(b"From: a@example.com\r\nSubject: Hello\r\n\r\nHi\r\n")
    mailbox = Mailbox.objects.create(
        name="Real",
        queue=queue,
        host=imap_server.host,
        port=imap_server.port,
        use_ssl=False,
        username=USER,
        password=PASSWORD,
    )
    client = login(admin_user)
    url = reverse("service:settings-mailbox-test", args=[mailbox.pk])
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("service:settings-mailbox-edit", args=[mailbox.pk])
    assert "Connected: the folder INBOX holds 1 message." in response.content.decode()

    Mailbox.objects.filter(pk=mailbox.pk).update(password="wrong")
    response = client.post(url)
    assert response.status_code == 200
    assert "The server refused the user name or password." in response.content.decode()
    assert response.context["errors"]["password"]
