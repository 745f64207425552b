"""Giving and withdrawing consent: the proof kept, the history that survives, who may change it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from accord.core.access import AccessDenied
from accord.core.errors import Conflict
from accord.core.models import AuditEntry, Event
from accord.marketing.models import Consent, ConsentEvent, Suppression
from accord.marketing.services import ImportedConsent, Proof, give, may_send, record_import, suppress, withdraw

pytestmark = pytest.mark.django_db

PHONE_TEXT = "I agree to receive the Accord newsletter by e-mail. I can withdraw at any time."


def test_giving_by_phone_records_the_proof_the_history_audit_and_event(owner, contact):
    consent = give(
        actor=owner,
        contact=contact,
        channel="email",
        purpose="newsletter",
        proof=Proof(method="phone", text=PHONE_TEXT, source="call 2026-12-01"),
    )

    stored = Consent.objects.get(pk=consent.pk)
    assert (stored.state, stored.method, stored.text, stored.source) == (
        "granted",
        "phone",
        PHONE_TEXT,
        "call 2026-12-01",
    )
    assert stored.recorded_by == owner
    assert stored.given_at is not None
    assert stored.withdrawn_at is None
    [event] = ConsentEvent.objects.filter(contact=contact)
    assert (event.action, event.state, event.text, event.address) == (
        "granted",
        "granted",
        PHONE_TEXT,
        "zofia@zolta.example",
    )
    assert AuditEntry.objects.filter(entity="marketing.consent", object_id=consent.pk, action="create").exists()
    changed = Event.objects.get(name="marketing.consent.changed")
    assert changed.payload["action"] == "granted"
    assert changed.payload["contact_id"] == str(contact.pk)
    assert may_send(contact=contact, channel="email", purpose="newsletter", address="zofia@zolta.example")


def test_withdrawing_keeps_the_proof_of_the_grant_in_the_history(owner, contact):
    consent = give(
        actor=owner, contact=contact, channel="email", purpose="newsletter", proof=Proof(method="paper", text="Yes.")
    )

    withdraw(actor=owner, contact=contact, channel="email", purpose="newsletter", proof=Proof(method="phone"))

    stored = Consent.objects.get(pk=consent.pk)
    assert (stored.state, stored.version) == ("withdrawn", 2)
    assert stored.withdrawn_at is not None
    history = list(ConsentEvent.objects.filter(contact=contact).order_by("at").values_list("action", "method", "text"))
    assert history == [("granted", "paper", "Yes."), ("withdrawn", "phone", "")]
    assert not may_send(contact=contact, channel="email", purpose="newsletter", address="zofia@zolta.example")


def test_withdrawing_without_a_consent_records_the_refusal(owner, contact):
    withdraw(actor=owner, contact=contact, channel="sms", purpose="offers", proof=Proof(method="phone"))

    assert Consent.objects.get(contact=contact).state == "withdrawn"


@pytest.mark.parametrize(
    ("proof", "channel", "field"),
    [
        (Proof(method="phone"), "email", "text"),
        (Proof(method="carrier pigeon", text="x"), "email", "method"),
        (Proof(method="import"), "email", "source"),
        (Proof(method="paper", text="x", ip_address="not-an-ip"), "email", "ip_address"),
        (Proof(method="paper", text="x"), "fax", "channel"),
    ],
)
def test_bad_proof_names_the_field_and_stores_nothing(owner, contact, proof, channel, field):
    with pytest.raises(ValidationError) as caught:
        give(actor=owner, contact=contact, channel=channel, purpose="newsletter", proof=proof)

    assert field in caught.value.message_dict
    assert Consent.objects.count() == 0
    assert ConsentEvent.objects.count() == 0


def test_a_stale_version_is_a_conflict_and_changes_nothing(owner, contact):
    consent = give(
        actor=owner, contact=contact, channel="email", purpose="offers", proof=Proof(method="paper", text="Yes")
    )
    withdraw(actor=owner, contact=contact, channel="email", purpose="offers", proof=Proof(method="user"))

    with pytest.raises(Conflict):
        give(
            actor=owner,
            contact=contact,
            channel="email",
            purpose="offers",
            proof=Proof(method="paper", text="Yes"),
            version=consent.version,
        )

    assert Consent.objects.get(pk=consent.pk).state == "withdrawn"
    assert ConsentEvent.objects.count() == 2


def test_someone_who_cannot_see_the_contact_gets_404_and_read_only_users_are_refused(outsider, viewer, contact):
    with pytest.raises(Http404):
        give(actor=outsider, contact=contact, channel="email", purpose="offers", proof=Proof(method="user"))
    with pytest.raises(AccessDenied):
        withdraw(actor=viewer, contact=contact, channel="email", purpose="offers", proof=Proof(method="user"))

    assert Consent.objects.count() == 0


def test_a_suppressed_address_never_passes_even_with_consent(owner, contact):
    give(actor=owner, contact=contact, channel="sms", purpose="offers", proof=Proof(method="paper", text="SMS ok"))
    assert may_send(contact=contact, channel="sms", purpose="offers", address="601 234 567")

    suppress(channel="sms", address="+48601234567", reason="complained", source="gateway")

    assert not may_send(contact=contact, channel="sms", purpose="offers", address="601 234 567")
    assert not may_send(contact=contact, channel="sms", purpose="offers", address="+48 601 234 567")
    assert not may_send(contact=contact, channel="sms", purpose="offers", address="not a number")


def test_giving_again_lifts_an_unsubscribe_of_that_purpose_but_never_a_bounce(owner, contact):
    suppress(channel="email", address="zofia@zolta.example", purpose="newsletter", reason="unsubscribed")
    suppress(channel="email", address="zofia@zolta.example", purpose="offers", reason="unsubscribed")

    give(actor=owner, contact=contact, channel="email", purpose="newsletter", proof=Proof(method="paper", text="Again"))

    assert list(Suppression.objects.values_list("purpose", "reason")) == [("offers", "unsubscribed")]
    assert may_send(contact=contact, channel="email", purpose="newsletter", address="zofia@zolta.example")

    suppress(channel="email", address="zofia@zolta.example", reason="bounced")
    give(actor=owner, contact=contact, channel="email", purpose="newsletter", proof=Proof(method="paper", text="Again"))
    assert not may_send(contact=contact, channel="email", purpose="newsletter", address="zofia@zolta.example")


def test_an_import_yes_does_not_overturn_a_withdrawal_but_a_no_withdraws(owner, contact):
    withdraw(actor=owner, contact=contact, channel="email", purpose="newsletter", proof=Proof(method="phone"))

    record_import(
        actor=owner,
        contact=contact,
        answers=[
            ImportedConsent(channel="email", purpose="newsletter", granted=True),
            ImportedConsent(channel="sms", purpose="offers", granted=True),
            ImportedConsent(channel="letter", purpose="greetings", granted=False),
        ],
        source="crm-export.csv",
        text="Zgoda z formularza",
    )

    states = dict(Consent.objects.filter(contact=contact).values_list("channel", "state"))
    assert states == {"email": "withdrawn", "sms": "granted", "letter": "withdrawn"}
    sms = Consent.objects.get(contact=contact, channel="sms")
    assert (sms.method, sms.source, sms.text) == ("import", "crm-export.csv", "Zgoda z formularza")


def test_suppressing_twice_keeps_one_row_and_its_first_reason(marketer):
    suppress(actor=marketer, channel="email", address="A@B.example", reason="manual", source="call")
    suppress(channel="email", address="a@b.example", reason="bounced")

    assert list(Suppression.objects.values_list("address", "reason", "created_by")) == [
        ("a@b.example", "manual", marketer.pk)
    ]


def test_only_admins_and_marketers_add_to_the_suppression_list(owner, admin_user, marketer):
    with pytest.raises(AccessDenied):
        suppress(actor=owner, channel="email", address="x@y.example", reason="manual")
    suppress(actor=admin_user, channel="email", address="x@y.example", reason="manual")
    suppress(actor=marketer, channel="sms", address="+48601234567", reason="manual")

    assert Suppression.objects.count() == 2


def test_a_suppression_needs_a_real_address(marketer):
    with pytest.raises(ValidationError) as caught:
        suppress(actor=marketer, channel="email", address="not an address", reason="manual")
    assert set(caught.value.message_dict) == {"address"}
    with pytest.raises(ValidationError) as caught:
        suppress(actor=marketer, channel="sms", address="12", reason="manual")
    assert set(caught.value.message_dict) == {"address"}


def test_merging_duplicates_keeps_their_history_and_the_latest_change_wins(owner, contact, make_contact, dispatch):
    from accord.people.merging import merge_contacts

    duplicate = make_contact(owner, first_name="Zofia", last_name="G.", emails=[{"email": "zofia@zolta.example"}])
    give(actor=owner, contact=contact, channel="email", purpose="offers", proof=Proof(method="paper", text="Yes"))
    give(actor=owner, contact=duplicate, channel="email", purpose="offers", proof=Proof(method="form", text="Yes"))
    withdraw(actor=owner, contact=duplicate, channel="email", purpose="offers", proof=Proof(method="phone"))
    give(actor=owner, contact=duplicate, channel="sms", purpose="greetings", proof=Proof(method="paper", text="SMS"))

    merge_contacts(actor=owner, survivor=contact, duplicates=[duplicate])
    dispatch()

    states = dict(Consent.objects.filter(contact=contact).values_list("channel", "state"))
    assert states == {"email": "withdrawn", "sms": "granted"}  # the duplicate's later withdrawal wins
    assert ConsentEvent.objects.filter(contact=contact).count() == 4  # nothing of the proof is lost
    assert not ConsentEvent.objects.filter(consent__isnull=True).exists()
    assert not may_send(contact=contact, channel="email", purpose="offers", address="zofia@zolta.example")
