"""What other apps' events do to consent: bounces and complaints suppress, a converted web-form
lead's consent and an import's consent columns become consents with their proof."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.marketing.models import Consent, ConsentEvent, Suppression
from accord.marketing.services import Proof, give, may_send
from accord.messaging.models import Message
from accord.messaging.services import queue_message, record_bounce, record_complaint
from accord.messaging.services.delivery import deliver_due
from accord.people import importing
from accord.people.models import Contact
from accord.sales.models import WebForm
from accord.sales.services import leads
from accord.testing import run_command as accord

pytestmark = pytest.mark.django_db

FORM_TEXT = "Zgadzam się na kontakt w sprawie oferty Accord."


def sent_to(owner, contact, smtp, key="offer:1"):
    message = queue_message(
        actor=owner,
        channel="email",
        to=contact.primary_email,
        subject="Offer",
        body="...",
        idempotency_key=key,
        contact=contact,
    )
    deliver_due()
    return message


def test_a_bounce_suppresses_the_address_for_every_purpose(owner, contact, smtp, dispatch):
    give(actor=owner, contact=contact, channel="email", purpose="offers", proof=Proof(method="paper", text="Yes"))
    message = sent_to(owner, contact, smtp)

    record_bounce(message_id=message.external_id, reason="550 5.1.1 user unknown")
    dispatch()
    dispatch()  # offered again: still one row

    assert list(Suppression.objects.values_list("channel", "address", "purpose", "reason", "source")) == [
        ("email", "zofia@zolta.example", "", "bounced", "550 5.1.1 user unknown")
    ]
    assert not may_send(contact=contact, channel="email", purpose="offers", address="zofia@zolta.example")


def test_a_complaint_suppresses_the_address(owner, contact, smtp, dispatch):
    message = sent_to(owner, contact, smtp)

    record_complaint(message_id=message.external_id, reason="feedback loop")
    dispatch()

    assert Suppression.objects.get().reason == "complained"


@pytest.fixture
def web_form(owner):
    return WebForm.objects.create(name="Kontakt", owner=owner, consent_text=FORM_TEXT)


def converted_lead(owner, web_form, email="ewa@firma.pl"):
    lead = leads.submit_web_form(
        form=web_form,
        data={"first_name": "Ewa", "last_name": "Lis", "email": email, "consent": "on"},
        address="192.0.2.1",
    )
    conversion = leads.convert_lead(actor=owner, lead=lead, create_deal=False)
    return lead, conversion.contact


def test_a_converted_lead_asks_to_confirm_its_consent_by_e_mail(owner, web_form, dispatch, smtp):
    lead, contact = converted_lead(owner, web_form)

    dispatch()
    dispatch()  # offered twice: one request, one e-mail

    consent = Consent.objects.get(contact=contact)
    assert (consent.channel, consent.purpose, consent.state, consent.method, consent.text) == (
        "email",
        "offers",
        "pending",
        "form",
        FORM_TEXT,
    )
    assert "Kontakt" in consent.source
    assert str(lead.pk) in consent.source
    # The proof names the address the form was sent from, as the visitor's agreement does.
    assert lead.consent_ip == "192.0.2.1"
    assert consent.ip_address == "192.0.2.1"
    assert ConsentEvent.objects.get(contact=contact).ip_address == "192.0.2.1"
    assert Message.objects.filter(kind="consent_confirmation", contact=contact).count() == 1


def test_without_double_opt_in_a_converted_lead_is_granted_as_of_the_form(owner, web_form, dispatch, settings):
    settings.ACCORD_CONSENT_DOUBLE_OPT_IN = False
    lead, contact = converted_lead(owner, web_form)

    dispatch()

    consent = Consent.objects.get(contact=contact)
    assert consent.state == "granted"
    assert consent.given_at == lead.consent_given_at
    assert ConsentEvent.objects.get(contact=contact).at == lead.consent_given_at
    assert ConsentEvent.objects.get(contact=contact).ip_address == "192.0.2.1"
    assert may_send(contact=contact, channel="email", purpose="offers", address="ewa@firma.pl")


def test_a_lead_that_gave_no_consent_records_none(owner, dispatch):
    lead = leads.create_lead(actor=owner, data={"first_name": "Olaf", "email": "olaf@firma.pl"})
    leads.convert_lead(actor=owner, lead=lead, create_deal=False)

    dispatch()

    assert not Consent.objects.exists()


CONSENT_FILE = (
    "first_name,last_name,email,consent_email_newsletter,consent_sms_offers,consent_text\n"
    "Anna,Nowak,anna@example.com,tak,no,Zgoda na newsletter (formularz papierowy 2025)\n"
    "Jan,Kowalski,jan@example.com,,yes,\n"
    "Ewa,Lis,ewa@example.com,,,\n"
)


def test_import_consent_columns_become_consents_with_the_file_as_proof(owner, tmp_path, dispatch):
    path = tmp_path / "klienci.csv"
    path.write_text(CONSENT_FILE)

    run = accord("import", "contacts", str(path), "--owner", "owner")
    dispatch()
    dispatch()

    assert run.status == 0, run.err
    rows = Consent.objects.order_by("contact__last_name", "channel").values_list(
        "contact__last_name", "channel", "purpose", "state", "method", "source", "text"
    )
    assert list(rows) == [
        ("Kowalski", "sms", "offers", "granted", "import", "klienci.csv", ""),
        (
            "Nowak",
            "email",
            "newsletter",
            "granted",
            "import",
            "klienci.csv",
            "Zgoda na newsletter (formularz papierowy 2025)",
        ),
        (
            "Nowak",
            "sms",
            "offers",
            "withdrawn",
            "import",
            "klienci.csv",
            "Zgoda na newsletter (formularz papierowy 2025)",
        ),
    ]
    assert ConsentEvent.objects.count() == 3


def test_an_import_yes_on_the_slow_path_updates_an_existing_contact(owner, contact, tmp_path, dispatch):
    rows = [(2, {"email": "zofia@zolta.example", "first_name": "Zofia", "consent_email_offers": "taip"})]

    report = importing.import_rows("contacts", rows, owner=owner, source="update.xlsx")
    dispatch()

    assert (report.failed, report.updated + report.unchanged) == (0, 1)
    consent = Consent.objects.get(contact=contact)
    assert (consent.channel, consent.purpose, consent.state, consent.source) == (
        "email",
        "offers",
        "granted",
        "update.xlsx",
    )


def test_a_consent_cell_that_is_neither_yes_nor_no_fails_its_row(owner, dispatch):
    rows = [(2, {"first_name": "Ola", "last_name": "Nowak", "consent_email_offers": "maybe"})]

    report = importing.import_rows("contacts", rows, owner=owner)
    dispatch()

    assert report.failed == 1
    assert [(e.line, e.field) for e in report.errors] == [(2, "consent_email_offers")]
    assert not Contact.objects.exists()
    assert not Consent.objects.exists()


def test_a_dry_run_passes_no_consent_on(owner, dispatch):
    rows = [(2, {"first_name": "Ola", "last_name": "Nowak", "email": "ola@x.pl", "consent_email_offers": "yes"})]

    importing.import_rows("contacts", rows, owner=owner, dry_run=True)
    dispatch()

    assert not Consent.objects.exists()


def test_the_consent_columns_are_mapped_by_name(tmp_path: Path):
    mapping = importing.map_headers("contacts", ["Imię", "consent_email_newsletter", "Consent text"])

    assert mapping.fields == {
        "Imię": "first_name",
        "consent_email_newsletter": "consent_email_newsletter",
        "Consent text": "consent_text",
    }
