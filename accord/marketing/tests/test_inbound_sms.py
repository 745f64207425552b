"""Texts customers send back: on the timeline of the contacts with that number, and STOP puts the
number on the suppression list at once; the gateway's post is checked and answered in JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accord.activities.models import Interaction
from accord.marketing.models import Suppression
from accord.marketing.services.consent import may_send
from accord.marketing.services.inbound_sms import is_stop
from accord.marketing.tests.campaign_world import consent

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-token"


@pytest.fixture(autouse=True)
def _token(settings: Any) -> None:
    settings.ACCORD_SMS_INBOUND_TOKEN = TOKEN


def _post(data: Any, *, token: str = TOKEN, as_json: bool = True) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = reverse("marketing:sms-inbound")
    if as_json:
        return Client().post(url, json.dumps(data), content_type="application/json", headers=headers)
    return Client().post(url, data, headers=headers)


@pytest.mark.parametrize(
    "text", ["STOP", "stop.", " Stop ", "REZYGNUJĘ", "Atsisakyti", "dezabonare", "СТОП", "Отписаться"]
)
def test_stop_in_every_language(text: str) -> None:
    assert is_stop(text)


@pytest.mark.parametrize("text", ["Please stop by tomorrow", "stopień", "", "Nie wiem"])
def test_a_reply_that_only_mentions_stop_is_not_one(text: str) -> None:
    assert not is_stop(text)


def test_stop_suppresses_the_number_and_lands_on_the_timeline(owner: Any, contact: Any) -> None:
    consent(owner, contact, purpose="offers", channel="sms")
    assert may_send(contact=contact, channel="sms", purpose="offers", address="+48601234567")

    answer = _post({"from": "48601234567", "text": "STOP", "id": "gw-1"})

    assert answer.status_code == 200
    assert answer.json() == {
        "phone": "+48601234567",
        "stopped": True,
        "contacts": [str(contact.pk)],
        "duplicate": False,
    }
    assert Suppression.objects.get().address == "+48601234567"
    assert not may_send(contact=contact, channel="sms", purpose="offers", address="+48601234567")
    logged = Interaction.objects.get(contact=contact)
    assert (logged.channel, logged.direction, logged.body) == ("sms", "in", "STOP")

    again = _post({"from": "48601234567", "text": "STOP", "id": "gw-1"})
    assert again.json()["duplicate"] is True
    assert Interaction.objects.filter(contact=contact).count() == 1


def test_an_ordinary_reply_is_logged_and_suppresses_nothing(contact: Any) -> None:
    answer = _post({"msisdn": "+48 601 234 567", "message": "Proszę o telefon"}, as_json=False)

    assert answer.status_code == 200
    assert answer.json()["stopped"] is False
    assert not Suppression.objects.exists()
    assert Interaction.objects.get(contact=contact).subject == "Proszę o telefon"


def test_a_stop_from_an_unknown_number_still_suppresses_it(db: Any) -> None:
    answer = _post({"from": "+40 721 234 567", "text": "Stop"})

    assert answer.json()["contacts"] == []
    assert Suppression.objects.get().address == "+40721234567"


def test_the_gateway_must_prove_itself_and_bad_input_names_the_field(db: Any, settings: Any) -> None:
    assert _post({"from": "+48601234567", "text": "STOP"}, token="wrong").status_code == 401
    assert _post({"from": "+48601234567", "text": "STOP"}, token="").status_code == 401
    bad = _post({"from": "not a phone", "text": ""})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"from", "text"}
    assert _post([1, 2]).status_code == 400
    broken = Client().post(
        reverse("marketing:sms-inbound"),
        "{",
        content_type="application/json",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert broken.status_code == 400
    assert not Suppression.objects.exists()
    settings.ACCORD_SMS_INBOUND_TOKEN = ""
    assert _post({"from": "+48601234567", "text": "STOP"}).status_code == 404
