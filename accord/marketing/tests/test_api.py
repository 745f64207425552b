"""The consent and suppression endpoints: the same rules and errors as the screens."""

from __future__ import annotations

import pytest

from accord.marketing.models import Consent, ConsentEvent, Suppression
from accord.marketing.services import Proof, give
from accord.messaging.models import Message

pytestmark = pytest.mark.django_db


def cell(body, channel, purpose):
    return next(c for c in body["consents"] if (c["channel"], c["purpose"]) == (channel, purpose))


def test_get_lists_every_channel_and_purpose_with_the_proof(api, owner, contact):
    give(actor=owner, contact=contact, channel="sms", purpose="offers", proof=Proof(method="paper", text="SMS: yes"))

    response = api(owner).get(f"/contacts/{contact.pk}/consents")

    assert response.status_code == 200
    body = response.json()
    assert len(body["consents"]) == 12
    sms = cell(body, "sms", "offers")
    assert (sms["state"], sms["method"], sms["text"], sms["version"]) == ("granted", "paper", "SMS: yes", 1)
    assert cell(body, "email", "newsletter")["state"] == ""


def test_put_sets_several_consents_at_once(api, owner, contact, smtp):
    response = api(owner).put(
        f"/contacts/{contact.pk}/consents",
        {
            "consents": [
                {"channel": "email", "purpose": "offers", "state": "granted", "text": "Yes", "source": "shop"},
                {"channel": "sms", "purpose": "greetings", "state": "withdrawn"},
                {"channel": "email", "purpose": "newsletter", "state": "pending", "method": "form", "text": "News"},
            ]
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert cell(body, "email", "offers")["state"] == "granted"
    assert cell(body, "email", "offers")["method"] == "api"
    assert cell(body, "sms", "greetings")["state"] == "withdrawn"
    assert cell(body, "email", "newsletter")["state"] == "pending"
    assert Message.objects.filter(kind="consent_confirmation").count() == 1


def test_put_with_a_bad_item_names_it_and_stores_nothing(api, owner, contact):
    response = api(owner).put(
        f"/contacts/{contact.pk}/consents",
        {
            "consents": [
                {"channel": "email", "purpose": "offers", "state": "granted", "text": "Yes"},
                {"channel": "sms", "purpose": "offers", "state": "granted"},
                {"channel": "sms", "purpose": "greetings", "state": "pending", "text": "x"},
            ]
        },
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"consents.1.text", "consents.2.channel"}
    assert not Consent.objects.exists()
    assert not ConsentEvent.objects.exists()


def test_unknown_values_are_422(api, owner, contact):
    response = api(owner).put(
        f"/contacts/{contact.pk}/consents", {"consents": [{"channel": "fax", "purpose": "offers", "state": "granted"}]}
    )

    assert response.status_code == 422
    assert "consents.0.channel" in response.json()["errors"]


def test_withdraw_with_a_stale_version_is_409(api, owner, contact):
    consent = give(
        actor=owner, contact=contact, channel="email", purpose="offers", proof=Proof(method="paper", text="Yes")
    )
    client = api(owner)

    done = client.post(
        f"/contacts/{contact.pk}/consents/withdraw",
        {"channel": "email", "purpose": "offers", "version": consent.version},
    )
    stale = client.post(
        f"/contacts/{contact.pk}/consents/withdraw",
        {"channel": "email", "purpose": "offers", "version": consent.version},
    )

    assert done.status_code == 200
    assert (done.json()["state"], done.json()["method"]) == ("withdrawn", "api")
    assert stale.status_code == 409
    history = client.get(f"/contacts/{contact.pk}/consents/history").json()
    assert [e["action"] for e in history] == ["withdrawn", "granted"]


def test_out_of_sight_is_404_and_read_only_is_403(api, outsider, viewer, contact):
    item = {"consents": [{"channel": "email", "purpose": "offers", "state": "granted", "text": "x"}]}

    assert api(outsider).get(f"/contacts/{contact.pk}/consents").status_code == 404
    assert api(outsider).put(f"/contacts/{contact.pk}/consents", item).status_code == 404
    assert api(viewer).get(f"/contacts/{contact.pk}/consents").status_code == 200
    assert api(viewer).put(f"/contacts/{contact.pk}/consents", item).status_code == 403
    withdrawn = api(viewer).post(f"/contacts/{contact.pk}/consents/withdraw", {"channel": "email", "purpose": "offers"})
    assert withdrawn.status_code == 403
    assert not Consent.objects.exists()


def test_suppression_list_crud_for_marketers_only(api, marketer, owner):
    client = api(marketer)

    added = client.post("/suppressions", {"channel": "email", "address": "Spam@Trap.example", "source": "manual"})
    assert added.status_code == 201
    row = added.json()
    assert (row["address"], row["reason"], row["purpose"]) == ("spam@trap.example", "manual", "")
    bad = client.post("/suppressions", {"channel": "email", "address": "nope"})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"address"}

    listed = client.get("/suppressions", {"q": "trap"}).json()
    assert [r["address"] for r in listed["items"]] == ["spam@trap.example"]
    assert client.get(f"/suppressions/{row['id']}").json()["id"] == row["id"]

    assert api(owner).get("/suppressions").status_code == 403
    assert api(owner).post("/suppressions", {"channel": "email", "address": "a@b.example"}).status_code == 403
    assert api(owner).delete(f"/suppressions/{row['id']}").status_code == 403

    assert client.delete(f"/suppressions/{row['id']}").status_code == 204
    assert not Suppression.objects.exists()
    assert client.get(f"/suppressions/{row['id']}").status_code == 404
