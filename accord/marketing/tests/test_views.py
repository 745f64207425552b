"""The consent panel on the contact page, its HTMX form, and the suppression list screen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.marketing.models import Consent, Suppression
from accord.marketing.services import Proof, give

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def change_url(contact):
    return reverse("marketing:consent-change", args=[contact.pk])


def test_the_contact_page_shows_the_consent_panel_with_state_and_proof(login, owner, contact):
    give(
        actor=owner,
        contact=contact,
        channel="email",
        purpose="newsletter",
        proof=Proof(method="phone", text="Read out: newsletter yes", source="call #12"),
    )

    page = login(owner).get(reverse("people:contact-detail", args=[contact.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="consent-panel"' in html
    assert "Read out: newsletter yes" in html
    assert "call #12" in html
    assert f'action="{change_url(contact)}"' in html  # the owner may change it


def test_giving_by_phone_through_the_panel_needs_the_text(login, owner, contact):
    client = login(owner)
    data = {"action": "give", "channel": "sms", "purpose": "offers", "method": "phone", "text": "", "source": ""}

    refused = client.post(change_url(contact), data, headers=HX)
    assert refused.status_code == 422
    assert "Enter the exact text the person agreed to." in refused.content.decode()
    assert not Consent.objects.exists()

    done = client.post(change_url(contact), {**data, "text": "SMS offers: yes"}, headers=HX)

    assert done.status_code == 200
    assert 'id="consent-panel"' in done.content.decode()
    consent = Consent.objects.get()
    assert (consent.state, consent.method, consent.text, consent.recorded_by) == (
        "granted",
        "phone",
        "SMS offers: yes",
        owner,
    )


def test_withdrawing_takes_one_click(login, owner, contact):
    consent = give(
        actor=owner, contact=contact, channel="email", purpose="offers", proof=Proof(method="paper", text="Yes")
    )

    response = login(owner).post(
        change_url(contact),
        {"action": "withdraw", "channel": "email", "purpose": "offers", "method": "user", "version": consent.version},
        headers=HX,
    )

    assert response.status_code == 200
    assert Consent.objects.get().state == "withdrawn"


def test_a_stale_form_is_409(login, owner, contact):
    give(actor=owner, contact=contact, channel="email", purpose="offers", proof=Proof(method="paper", text="Yes"))
    give(actor=owner, contact=contact, channel="email", purpose="offers", proof=Proof(method="paper", text="Again"))

    response = login(owner).post(
        change_url(contact),
        {"action": "withdraw", "channel": "email", "purpose": "offers", "method": "user", "version": 1},
        headers=HX,
    )

    assert response.status_code == 409
    assert Consent.objects.get().state == "granted"


def test_out_of_sight_is_404_and_read_only_is_403(login, outsider, viewer, contact):
    data = {"action": "give", "channel": "email", "purpose": "offers", "method": "paper", "text": "x"}

    assert login(outsider).post(change_url(contact), data).status_code == 404
    assert login(outsider).get(reverse("marketing:consent-history", args=[contact.pk])).status_code == 404
    assert login(viewer).post(change_url(contact), data).status_code == 403
    assert not Consent.objects.exists()


def test_read_only_users_see_the_panel_without_its_forms(login, viewer, contact):
    html = login(viewer).get(reverse("people:contact-detail", args=[contact.pk])).content.decode()

    assert 'id="consent-panel"' in html
    assert f'action="{change_url(contact)}"' not in html


def test_marketers_keep_the_suppression_list(login, marketer):
    client = login(marketer)
    url = reverse("marketing:suppression-list")

    added = client.post(url, {"channel": "email", "address": "Spam@Trap.example", "purpose": "", "source": "phone"})
    assert added.status_code == 302
    bad = client.post(url, {"channel": "email", "address": "nope", "purpose": ""})
    assert bad.status_code == 422

    page = client.get(url, {"q": "trap"})
    assert "spam@trap.example" in page.content.decode()
    assert "spam@trap.example" not in client.get(url, {"q": "other"}).content.decode()
    assert "Suppression list" in client.get(reverse("home"), follow=True).content.decode()  # in the menu

    row = Suppression.objects.get()
    removed = client.post(reverse("marketing:suppression-remove", args=[row.pk]), {"version": row.version})
    assert removed.status_code == 302
    assert not Suppression.objects.exists()


def test_other_users_cannot_reach_the_suppression_list(login, owner):
    client = login(owner)

    assert client.get(reverse("marketing:suppression-list")).status_code == 403
    assert (
        client.post(reverse("marketing:suppression-list"), {"channel": "email", "address": "a@b.c"}).status_code == 403
    )
    assert "Suppression list" not in client.get(reverse("people:contact-list")).content.decode()
    assert not Suppression.objects.exists()


def test_the_consent_panel_reads_a_fixed_number_of_queries(rf, owner, contact, django_assert_num_queries):
    from accord.marketing.views.consent import consent_context

    for purpose in ("newsletter", "offers", "greetings"):
        give(actor=owner, contact=contact, channel="email", purpose=purpose, proof=Proof(method="paper", text="Yes"))
    request = rf.get("/")
    request.user = owner

    with django_assert_num_queries(2):  # the consents, the history (users joined in)
        context = consent_context(request, contact)
        rendered = [(c.state, c.consent.recorded_by if c.consent else None) for c in context["grid"]]
        _ = [(e.action, e.recorded_by) for e in context["history"]]

    assert [s for s, _u in rendered].count("granted") == 3


def test_asking_to_confirm_works_for_e_mail_only(login, owner, contact, smtp):
    client = login(owner)
    data = {"action": "request", "purpose": "newsletter", "method": "phone", "text": "Newsletter by e-mail?"}

    refused = client.post(change_url(contact), {**data, "channel": "sms"}, headers=HX)
    asked = client.post(change_url(contact), {**data, "channel": "email"}, headers=HX)

    assert refused.status_code == 422
    assert "Only e-mail consent is confirmed by e-mail." in refused.content.decode()
    assert asked.status_code == 200
    assert list(Consent.objects.values_list("channel", "state")) == [("email", "pending")]
