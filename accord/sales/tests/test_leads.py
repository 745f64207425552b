"""Leads: capture, scoring, public forms, and conversion into customers and a deal."""

import pytest
from django.core.exceptions import ValidationError

from accord.activities import services as activities
from accord.activities.models import Interaction
from accord.core.models import AuditEntry, Event
from accord.people.models import Company, Contact
from accord.sales.models import Deal, Lead, ScoringRule, WebForm, WebFormSubmission
from accord.sales.services import leads


def test_a_lead_needs_something_to_reach_them_by(owner):
    with pytest.raises(ValidationError) as caught:
        leads.create_lead(actor=owner, data={"message": "hello"})

    assert set(caught.value.message_dict) == {"last_name"}


def test_lead_is_scored_by_the_rules(owner):
    ScoringRule.objects.create(field="source", value="referral", points=30)
    ScoringRule.objects.create(field="email_domain", value="business", points=20)
    ScoringRule.objects.create(field="has_phone", points=10)
    ScoringRule.objects.create(field="email_domain", value="free", points=-10)

    business = leads.create_lead(actor=owner, data={"email": "cto@stal.pl", "source": "referral", "phone": "601234567"})
    free = leads.create_lead(actor=owner, data={"email": "jan@gmail.com", "source": "website"})

    assert business.score == 60
    assert business.phone == "+48601234567"
    assert free.score == -10


def test_converting_creates_contact_company_and_deal_and_moves_history(owner):
    lead = leads.create_lead(
        actor=owner,
        data={
            "first_name": "Ola",
            "last_name": "Lis",
            "company_name": "Stalbud Sp. z o.o.",
            "email": "ola@stalbud.pl",
            "job_title": "CFO",
        },
    )
    result = leads.convert_lead(actor=owner, lead=lead, deal_name="Stalbud pilot", amount=15000)

    assert (result.matched_contact, result.matched_company) == (False, False)
    assert result.contact.full_name == "Ola Lis"
    assert result.contact.primary_email == "ola@stalbud.pl"
    assert result.contact.company_links.get().job_title == "CFO"
    assert result.company.name == "Stalbud Sp. z o.o."
    assert (result.deal.name, result.deal.amount, result.deal.company) == ("Stalbud pilot", 15000, result.company)
    assert list(result.deal.contacts.all()) == [result.contact]
    lead.refresh_from_db()
    assert (lead.status, lead.contact, lead.company, lead.deal) == (
        "converted",
        result.contact,
        result.company,
        result.deal,
    )


def test_conversion_reuses_existing_customers(owner, make_contact, make_company):
    stalbud = make_company(owner, name="STALBUD sp z o o")
    ola = make_contact(owner, first_name="Aleksandra", last_name="Lis", emails=[{"email": "ola@stalbud.pl"}])
    lead = leads.create_lead(
        actor=owner,
        data={"first_name": "Ola", "last_name": "Lis", "company_name": "Stalbud Sp. z o.o.", "email": "ola@stalbud.pl"},
    )

    result = leads.convert_lead(actor=owner, lead=lead, create_deal=False)

    assert (result.contact, result.company, result.deal) == (ola, stalbud, None)
    assert (Contact.objects.count(), Company.objects.count(), Deal.objects.count()) == (1, 1, 0)


def test_history_logged_on_the_lead_follows_it(owner):
    lead = leads.create_lead(actor=owner, data={"first_name": "Ola", "last_name": "Lis", "company_name": "Stalbud"})
    placeholder = Company.objects.create(name="tmp", sort_name="tmp", owner=owner)
    call = activities.log_interaction(actor=owner, data={"channel": "phone", "company": placeholder}, related=lead)

    result = leads.convert_lead(actor=owner, lead=lead)

    call = Interaction.objects.get(pk=call.pk)
    assert (call.contact, call.company, call.related_id) == (result.contact, result.company, result.deal.pk)


def test_a_lead_is_converted_once(owner):
    lead = leads.create_lead(actor=owner, data={"email": "a@b.pl"})
    leads.convert_lead(actor=owner, lead=lead, create_deal=False)

    with pytest.raises(ValidationError):
        leads.convert_lead(actor=owner, lead=lead)


@pytest.fixture
def form(owner):
    return WebForm.objects.create(
        name="Contact us", owner=owner, consent_text="I agree to be contacted.", hourly_limit=3
    )


def test_web_form_creates_a_lead_with_the_consent_shown(form, owner):
    lead = leads.submit_web_form(
        form=form, data={"first_name": "Eva", "email": "eva@firma.pl", "consent": "on"}, address="192.0.2.1"
    )

    assert (lead.owner, lead.source, lead.web_form) == (owner, "website", form)
    assert lead.consent_text == "I agree to be contacted."
    assert lead.consent_given_at is not None


def test_web_form_without_consent_is_refused(form):
    with pytest.raises(ValidationError) as caught:
        leads.submit_web_form(form=form, data={"email": "eva@firma.pl"}, address="192.0.2.1")

    assert "consent" in caught.value.message_dict
    assert not Lead.objects.exists()


def test_spam_trap_and_flood_are_refused(form):
    with pytest.raises(leads.Rejected) as spam:
        leads.submit_web_form(
            form=form, data={"email": "bot@x.pl", "website": "http://spam", "consent": "on"}, address="192.0.2.9"
        )
    for i in range(2):
        leads.submit_web_form(form=form, data={"email": f"p{i}@x.pl", "consent": "on"}, address="192.0.2.7")

    leads.submit_web_form(form=form, data={"email": "third@x.pl", "consent": "on"}, address="192.0.2.7")

    with pytest.raises(leads.Rejected) as flood:
        leads.submit_web_form(form=form, data={"email": "fourth@x.pl", "consent": "on"}, address="192.0.2.7")

    assert spam.value.reason == "spam"
    assert (flood.value.reason, flood.value.status) == ("rate", 429)
    assert Lead.objects.count() == 3
    assert WebFormSubmission.objects.filter(accepted=False).count() == 2


def test_converting_records_the_converting_user_and_keeps_the_leads_source(owner, teammate):
    # The teammate may change the owner's lead but not give records to others: converting keeps
    # the lead's owner on what it makes, and names the teammate as who made it.
    lead = leads.create_lead(
        actor=owner,
        data={"first_name": "Ola", "last_name": "Lis", "company_name": "Stalbud", "source": "referral"},
    )

    result = leads.convert_lead(actor=teammate, lead=lead, deal_name="Stalbud pilot")

    made = [result.contact.pk, result.company.pk, result.deal.pk, lead.pk]
    events = Event.objects.filter(object_id__in=made).exclude(name="sales.lead.created").order_by("name")
    assert [(e.name, e.actor) for e in events] == [
        ("people.company.created", teammate),
        ("people.contact.created", teammate),
        ("sales.deal.created", teammate),
        ("sales.deal.stage_changed", teammate),
        ("sales.lead.converted", teammate),
        ("sales.lead.updated", teammate),
    ]
    audit = AuditEntry.objects.filter(object_id__in=made).exclude(action="create", object_id=lead.pk)
    assert set(audit.values_list("actor", flat=True)) == {teammate.pk}
    assert result.deal.stage_changes.get().changed_by == teammate
    assert (result.deal.owner, result.contact.owner, result.company.owner) == (owner, owner, owner)
    assert result.deal.source == "referral"
    assert result.deal.get_source_display() == "Referral"
    assert result.contact.source == "referral"


def test_a_web_form_leads_contact_comes_from_the_web_form(owner, form):
    lead = leads.create_lead(actor=owner, data={"first_name": "Ola", "last_name": "Lis", "source": "website"})
    Lead.objects.filter(pk=lead.pk).update(web_form=form)
    lead.refresh_from_db()

    result = leads.convert_lead(actor=owner, lead=lead)

    assert (result.contact.source, result.deal.source) == ("web_form", "website")


def test_web_form_takes_only_the_fields_it_shows(owner, client):
    form = WebForm.objects.create(name="Short", owner=owner, fields=["email", "message"])

    response = client.post(
        f"/sales/f/{form.key}/",
        {
            "email": "eva@firma.pl",
            "message": "Call me",
            "job_title": "CEO",
            "company_name": "Injected Ltd",
            "first_name": "Mallory",
            "owner": "1",
            "status": "won",
        },
    )

    assert response.status_code == 200
    lead = Lead.objects.get()
    assert (lead.email, lead.message) == ("eva@firma.pl", "Call me")
    assert (lead.job_title, lead.company_name, lead.first_name) == ("", "", "")
    assert lead.owner == owner
    assert lead.status == "new"
