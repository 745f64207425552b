"""Chat channels' settings (admins only): the list on the settings page, create, edit, deactivate,
the snippet, the same rules over the API; and the widget's labels in the visitor's language, from
the config endpoint and the socket's hello."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse

from accord.asgi import application
from accord.identity.models import Role
from accord.service.models import BusinessCalendar, ChatChannel, Queue
from accord.service.services import chat
from accord.service.tests.sockets import WebsocketCommunicator

pytestmark = pytest.mark.django_db

SHOP = "https://shop.example.com"


@pytest.fixture
def queue(db: Any) -> Queue:
    return Queue.objects.create(name="Web", is_default=True)


@pytest.fixture
def channel(queue: Queue) -> ChatChannel:
    return chat.create_channel(actor=None, name="Shop", queue=queue, allowed_origins=[SHOP])


def _post(for_queue: Queue, **extra: Any) -> dict[str, Any]:
    data = {
        "name": "Help centre",
        "queue": str(for_queue.pk),
        "allowed_origins": "https://help.example.com\nhttp://localhost:8000/",
        "calendar": "",
        "title": "Ask us",
        "greeting": "We answer within minutes.",
        "active": "1",
    }
    data.update(extra)
    return data


# --- the rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("https://Shop.Example.com", ["https://shop.example.com"]),
        ("https://shop.example.com/", ["https://shop.example.com"]),
        ("http://localhost:8000\nhttp://localhost:8000", ["http://localhost:8000"]),
        ("https://[::1]:8443", ["https://[::1]:8443"]),
        ("https://shop.example.com:443", ["https://shop.example.com"]),
        ("", []),
    ],
)
def test_allowed_websites_are_scheme_and_host(typed: str, stored: list[str]) -> None:
    errors: dict[str, list[str]] = {}
    assert chat.check_origins(typed, errors) == stored
    assert errors == {}


@pytest.mark.parametrize(
    "typed",
    [
        "shop.example.com",
        "ftp://shop.example.com",
        "https://shop.example.com/contact",
        "https://shop.example.com?x=1",
        "https://user:pw@shop.example.com",
        "https://shop.example.com:99999",
        "https://shop example.com",
        "https://",
    ],
)
def test_anything_else_is_refused_naming_the_field_and_the_value(typed: str) -> None:
    errors: dict[str, list[str]] = {}
    chat.check_origins(["https://ok.example.com", typed], errors)
    assert list(errors) == ["allowed_origins"]
    assert typed.split()[0] in errors["allowed_origins"][0] or typed == "https://shop example.com"


def test_only_an_admin_adds_or_changes_a_channel(make_user: Any, admin_user: Any, queue: Queue) -> None:
    agent = make_user(Role.SUPPORT_AGENT, username="agent")
    with pytest.raises(chat.access.AccessDenied):
        chat.add_channel(actor=agent, data={"name": "Mine", "queue": queue})
    made = chat.add_channel(actor=admin_user, data={"name": "Mine", "queue": queue, "allowed_origins": [SHOP]})
    with pytest.raises(chat.access.AccessDenied):
        chat.update_channel(actor=agent, channel=made, data={"name": "Theirs"})
    with pytest.raises(chat.access.AccessDenied):
        chat.set_channel_active(actor=agent, channel=made, active=False)
    made.refresh_from_db()
    assert (made.name, made.active) == ("Mine", True)


# --- the screens -------------------------------------------------------------------------------------


def test_the_settings_page_lists_the_channels_for_an_admin(admin_user: Any, login: Any, channel: ChatChannel) -> None:
    html = login(admin_user).get(reverse("service:settings")).content.decode()
    assert "Chat channels" in html
    assert reverse("service:settings-channel-edit", args=[channel.pk]) in html
    assert SHOP in html
    assert reverse("service:settings-channel-create") in html


def test_an_admin_creates_a_channel_and_gets_its_snippet(admin_user: Any, login: Any, queue: Queue) -> None:
    client = login(admin_user)
    assert client.get(reverse("service:settings-channel-create")).status_code == 200
    calendar = BusinessCalendar.objects.create(name="Office", time_zone="Europe/Warsaw")
    response = client.post(reverse("service:settings-channel-create"), _post(queue, calendar=str(calendar.pk)))
    made = ChatChannel.objects.get(name="Help centre")
    assert response.status_code == 302
    assert response["Location"] == reverse("service:settings-channel-edit", args=[made.pk])
    assert made.allowed_origins == ["https://help.example.com", "http://localhost:8000"]
    assert (made.queue, made.calendar, made.title, made.greeting, made.active) == (
        queue,
        calendar,
        "Ask us",
        "We answer within minutes.",
        True,
    )
    page = client.get(response["Location"]).content.decode()
    assert f"data-key=&quot;{made.key}&quot;" in page
    assert "chat-widget.js" in page
    assert 'data-copy="channel-snippet"' in page
    assert "service/chat-settings.js" in page
    assert "<script>" not in page  # the copy button's script is a static file (CSP)


def test_bad_input_names_the_field_and_nothing_is_stored(admin_user: Any, login: Any, queue: Queue) -> None:
    client = login(admin_user)
    response = client.post(
        reverse("service:settings-channel-create"),
        _post(queue, name="", queue="not-a-queue", allowed_origins="https://ok.example.com\nshop.example.com/x"),
    )
    assert response.status_code == 422
    assert set(response.context["errors"]) == {"name", "queue", "allowed_origins"}
    html = response.content.decode()
    assert "Not a website address: shop.example.com/x." in html
    assert "shop.example.com/x</textarea>" in html  # what was typed is shown again
    assert not ChatChannel.objects.exists()


def test_an_admin_edits_and_deactivates_a_channel(admin_user: Any, login: Any, channel: ChatChannel) -> None:
    client = login(admin_user)
    url = reverse("service:settings-channel-edit", args=[channel.pk])
    assert 'value="Shop"' in client.get(url).content.decode()
    key = channel.key
    response = client.post(
        url, _post(channel.queue, name="Shop desk", allowed_origins=SHOP, version=str(channel.version))
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.allowed_origins, channel.key, channel.version) == ("Shop desk", [SHOP], key, 2)

    stale = client.post(url, _post(channel.queue, name="Late", version="1"))
    assert stale.status_code == 409
    channel.refresh_from_db()
    assert channel.name == "Shop desk"

    off = reverse("service:settings-channel-activate", args=[channel.pk])
    assert client.post(off, {"active": "0", "version": str(channel.version)}).status_code == 302
    channel.refresh_from_db()
    assert channel.active is False
    assert not chat.origin_allowed(channel, SHOP)
    assert "Activate" in client.get(url).content.decode()
    client.post(off, {"active": "1", "version": str(channel.version)})
    channel.refresh_from_db()
    assert channel.active is True


def test_the_screens_are_refused_to_everyone_but_admins(
    make_user: Any, login: Any, client: Any, channel: ChatChannel
) -> None:
    urls = [
        reverse("service:settings-channel-create"),
        reverse("service:settings-channel-edit", args=[channel.pk]),
    ]
    anonymous = [client.get(url) for url in urls]
    assert all(r.status_code == 302 and "login" in r["Location"] for r in anonymous)
    for role in (Role.SUPPORT_AGENT, Role.MANAGER):
        user_client = login(make_user(role, username=f"u-{role}"))
        for url in urls:
            assert user_client.get(url).status_code == 403
        assert user_client.post(urls[0], _post(channel.queue)).status_code == 403
        assert user_client.post(urls[1], _post(channel.queue, name="Taken over")).status_code == 403
        off = reverse("service:settings-channel-activate", args=[channel.pk])
        assert user_client.post(off, {"active": "0"}).status_code == 403
        page = user_client.get(reverse("service:settings")).content.decode()
        assert "Chat channels" not in page
    channel.refresh_from_db()
    assert (channel.name, channel.active, ChatChannel.objects.count()) == ("Shop", True, 1)


# --- the API -----------------------------------------------------------------------------------------


def test_the_api_applies_the_same_rules(admin_user: Any, make_user: Any, api: Any, queue: Queue) -> None:
    admin = api(admin_user)
    agent = api(make_user(Role.SUPPORT_AGENT, username="agent"))
    body = {"name": "Shop", "queue_id": str(queue.pk), "allowed_origins": [SHOP]}
    assert agent.post("/service/chat-channels", body).status_code == 403
    assert agent.get("/service/chat-channels").status_code == 403
    made = admin.post("/service/chat-channels", body)
    assert made.status_code == 201, made.content
    assert made.json()["allowed_origins"] == [SHOP]
    assert made.json()["key"]
    url = f"/service/chat-channels/{made.json()['id']}"
    assert agent.patch(url, {"active": False}).status_code == 403
    assert agent.get(url).status_code == 403

    bad = admin.post("/service/chat-channels", {**body, "allowed_origins": ["https://shop.example.com/path"]})
    assert bad.status_code == 422
    assert list(bad.json()["errors"]) == ["allowed_origins"]
    assert list(admin.post("/service/chat-channels", {"name": "No queue"}).json()["errors"]) == ["queue_id"]
    missing = admin.post("/service/chat-channels", {**body, "calendar_id": "00000000-0000-0000-0000-000000000000"})
    assert list(missing.json()["errors"]) == ["calendar_id"]
    assert ChatChannel.objects.count() == 1

    changed = admin.patch(url, {"active": False, "version": 1})
    assert changed.status_code == 200
    assert (changed.json()["active"], changed.json()["version"]) == (False, 2)
    assert admin.patch(url, {"name": "Late", "version": 1}).status_code == 409
    assert [c["name"] for c in admin.get("/service/chat-channels").json()] == ["Shop"]


# --- the widget's labels -----------------------------------------------------------------------------


def test_the_widget_language_is_one_accord_speaks(settings: Any) -> None:
    assert chat.widget_language("pl-PL") == "pl"
    assert chat.widget_language("ru") == "ru"
    assert chat.widget_language("RO_ro") == "ro"
    settings.LANGUAGE_CODE = "lt"
    assert chat.widget_language("de-DE") == "lt"
    assert chat.widget_language("") == "lt"


def test_the_config_endpoint_answers_in_polish_and_russian(client: Any, channel: ChatChannel) -> None:
    url = reverse("service:chat-widget-config", args=[channel.key])
    polish = client.get(url, {"lang": "pl-PL"}, headers={"Origin": SHOP})
    assert polish.status_code == 200
    assert polish["Access-Control-Allow-Origin"] == SHOP
    data = polish.json()
    assert data["language"] == "pl"
    assert data["title"] == "Shop"
    assert (data["labels"]["send"], data["labels"]["close"], data["labels"]["question"]) == (
        "Wyślij",
        "Zamknij",
        "Twoje pytanie",
    )
    assert data["labels"]["consent"].startswith("Zgadzam się")
    russian = client.get(url, {"lang": "ru"}, headers={"Origin": SHOP}).json()["labels"]
    assert (russian["send"], russian["message"], russian["ended"]) == ("Отправить", "Сообщение", "Чат завершён.")
    english = client.get(url, {"lang": "de"}).json()["labels"]
    assert english["open"] == "Chat with us"
    assert set(english) == set(data["labels"])


def test_the_config_endpoint_refuses_other_websites_and_unknown_keys(client: Any, channel: ChatChannel) -> None:
    url = reverse("service:chat-widget-config", args=[channel.key])
    refused = client.get(url, {"lang": "pl"}, headers={"Origin": "https://evil.example.com"})
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused
    assert client.get(reverse("service:chat-widget-config", args=["nope"])).status_code == 404
    ChatChannel.objects.filter(pk=channel.pk).update(active=False)
    assert client.get(url, headers={"Origin": SHOP}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_sockets_hello_carries_the_labels_in_the_visitors_language(channel: ChatChannel) -> None:
    async def hello(lang: str) -> dict[str, Any]:
        socket = WebsocketCommunicator(
            application,
            f"/ws/service/chat/visitor/{channel.key}/?lang={lang}",
            headers=[(b"origin", SHOP.encode())],
        )
        assert (await socket.connect())[0]
        found = await socket.receive_json_from(timeout=30)
        if lang == "ru":
            # What the visitor is told back is in their language too.
            await socket.send_json_to({"type": "message", "body": "hi"})
            found["refusal"] = await socket.receive_json_from(timeout=30)
        await socket.disconnect()
        return found

    polish = async_to_sync(hello)("pl")
    assert polish["type"] == "hello"
    assert polish["labels"]["send"] == "Wyślij"
    assert polish["consent"].startswith("Zgadzam się")
    russian = async_to_sync(hello)("ru")
    assert russian["labels"]["close"] == "Закрыть"
    assert russian["consent"].startswith("Я согласен")
    assert russian["refusal"]["type"] == "error"
    assert "Start a chat first." not in str(russian["refusal"]["errors"])


def test_the_snippets_help_shows_the_body_tag_as_text(admin_user: Any, login: Any, channel: ChatChannel) -> None:
    page = login(admin_user).get(reverse("service:settings-channel-edit", args=[channel.pk])).content.decode()
    assert "Paste this before &lt;/body&gt; on every page" in page


def test_the_preview_page_embeds_the_widget_in_the_language_asked(
    admin_user: Any, login: Any, channel: ChatChannel
) -> None:
    client = login(admin_user)
    page = client.get(reverse("service:chat-demo"), {"channel": channel.key, "lang": "ru-RU"}).content.decode()
    assert f'data-key="{channel.key}" data-lang="ru"' in page
    assert "data-lang" not in client.get(reverse("service:chat-demo")).content.decode()


def test_the_preview_page_without_channels_points_an_admin_to_the_settings(
    admin_user: Any, make_user: Any, login: Any
) -> None:
    create = reverse("service:settings-channel-create")
    assert create in login(admin_user).get(reverse("service:chat-demo")).content.decode()
    agent = make_user(Role.SUPPORT_AGENT, username="agent")
    assert create not in login(agent).get(reverse("service:chat-demo")).content.decode()
