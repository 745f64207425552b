"""``reachable_q`` and ``may_send`` agree with the rule written out in Python over a mixed dataset."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from accord.marketing.models import Consent, ConsentChannel, ConsentMethod, ConsentPurpose, ConsentState, Suppression
from accord.marketing.selectors.consent import reachable_q
from accord.marketing.services.consent import may_send, suppress
from accord.people.models import Contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(owner: Any, make_contact: Any) -> list[Any]:
    """Contacts with every combination of address, consent state and suppression."""
    contacts = []
    states = [None, ConsentState.GRANTED, ConsentState.WITHDRAWN, ConsentState.PENDING]
    for number, (state, has_email, has_phone, other_purpose) in enumerate(
        itertools.product(states, (True, False), (True, False), (True, False))
    ):
        data: dict[str, Any] = {"first_name": "Ada", "last_name": f"Nowak{number}"}
        if has_email:
            data["emails"] = [{"email": f"Ada.{number}@Example.com"}]
        if has_phone:
            data["phones"] = [{"number": f"+48601000{number:03d}"}]
        contact = make_contact(owner, **data)
        for channel in (ConsentChannel.EMAIL, ConsentChannel.SMS):
            if state is not None:
                Consent.objects.create(
                    contact=contact,
                    channel=channel,
                    purpose=ConsentPurpose.OFFERS if other_purpose else ConsentPurpose.NEWSLETTER,
                    state=state,
                    method=ConsentMethod.FORM,
                )
        contacts.append(contact)
    # Suppress some addresses: for every purpose, for the newsletter only, for offers only.
    for number, contact in enumerate(contacts):
        if contact.primary_email and number % 3 == 0:
            suppress(channel="email", address=contact.primary_email.upper(), reason="bounced", source="test")
        if contact.primary_email and number % 3 == 1:
            purpose = ConsentPurpose.NEWSLETTER if number % 2 else ConsentPurpose.OFFERS
            suppress(channel="email", address=contact.primary_email, reason="unsubscribed", purpose=purpose)
        if contact.primary_phone and number % 5 == 0:
            suppress(channel="sms", address=contact.primary_phone, reason="manual")
    return contacts


def expected(channel: str, purpose: str) -> set[Any]:
    """The rule, written out row by row."""
    field = "primary_email" if channel == "email" else "primary_phone"
    result = set()
    for contact in Contact.objects.all():
        granted = Consent.objects.filter(contact=contact, channel=channel, purpose=purpose, state="granted").exists()
        address = getattr(contact, field)
        blocked = Suppression.objects.filter(channel=channel, address=address, purpose__in=["", purpose]).exists()
        if granted and address and not blocked:
            result.add(contact.pk)
    return result


@pytest.mark.parametrize("channel", ["email", "sms"])
@pytest.mark.parametrize("purpose", ["newsletter", "offers", "greetings"])
def test_reachable_q_equals_the_rule_computed_in_python(mixed: list[Any], channel: str, purpose: str) -> None:
    found = set(Contact.objects.filter(reachable_q(channel=channel, purpose=purpose)).values_list("pk", flat=True))

    assert found == expected(channel, purpose)
    if purpose != "greetings":
        assert found  # the dataset has reachable contacts for the purposes it consents to
    else:
        assert found == set()


@pytest.mark.parametrize("channel", ["email", "sms"])
@pytest.mark.parametrize("purpose", ["newsletter", "offers"])
def test_may_send_agrees_with_reachable_q(mixed: list[Any], channel: str, purpose: str) -> None:
    field = "primary_email" if channel == "email" else "primary_phone"
    reachable = expected(channel, purpose)

    for contact in mixed:
        address = getattr(contact, field)
        allowed = bool(address) and may_send(contact=contact, channel=channel, purpose=purpose, address=address)
        assert allowed == (contact.pk in reachable), contact


def test_reachable_q_through_a_relation(mixed: list[Any]) -> None:
    """With a prefix the filter works on a model pointing at the contact (here: the consents)."""
    consents = Consent.objects.filter(
        reachable_q(channel="email", purpose="newsletter", prefix="contact__"), channel="email", purpose="newsletter"
    )

    assert {c.contact_id for c in consents} == expected("email", "newsletter")


def test_suppressed_address_never_passes_may_send_even_with_consent(owner: Any, make_contact: Any) -> None:
    contact = make_contact(owner, emails=[{"email": "ewa@example.com"}])
    Consent.objects.create(
        contact=contact, channel="email", purpose="newsletter", state="granted", method=ConsentMethod.FORM
    )
    assert may_send(contact=contact, channel="email", purpose="newsletter", address="ewa@example.com")

    suppress(channel="email", address="EWA@example.com ", reason="complained", source="provider")

    assert not may_send(contact=contact, channel="email", purpose="newsletter", address="ewa@example.com")
    assert not may_send(contact=contact, channel="email", purpose="newsletter", address="Ewa@Example.com")
    assert not Contact.objects.filter(reachable_q(channel="email", purpose="newsletter")).exists()
    assert Suppression.objects.get().address == "ewa@example.com"


@pytest.mark.parametrize("channel", ["email", "sms"])
@pytest.mark.parametrize("purpose", ["newsletter", "offers"])
def test_may_send_many_agrees_with_may_send_in_two_queries(
    mixed: list[Any], channel: str, purpose: str, django_assert_num_queries: Any
) -> None:
    from accord.marketing.services import may_send_many

    field = "primary_email" if channel == "email" else "primary_phone"
    recipients = [(c.pk, getattr(c, field)) for c in mixed]
    one_by_one = {
        pk
        for pk, address in recipients
        if may_send(contact=Contact(pk=pk), channel=channel, purpose=purpose, address=address)
    }

    with django_assert_num_queries(2):
        batch = may_send_many(channel=channel, purpose=purpose, recipients=recipients)

    assert batch == one_by_one
    assert batch == expected(channel, purpose)
