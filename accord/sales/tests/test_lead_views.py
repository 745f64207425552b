"""The lead screens and the public web-to-lead form."""

from django.test import Client

from accord.people.models import Contact
from accord.sales.models import Deal, Lead, WebForm
from accord.sales.services import leads


def test_creating_and_listing_leads(login, owner, outsider):
    client = login(owner)

    response = client.post(
        "/sales/leads/new/", {"first_name": "Ola", "email": "ola@firma.pl", "phone": "601234567", "source": "phone"}
    )
    leads.create_lead(actor=outsider, data={"first_name": "Hidden", "email": "h@x.pl"})
    listing = client.get("/sales/leads/").content.decode()

    lead = Lead.objects.get(first_name="Ola")
    assert response.status_code == 302
    assert response["Location"] == f"/sales/leads/{lead.pk}/"
    assert lead.phone == "+48601234567"
    assert "Ola" in listing
    assert "Hidden" not in listing


def test_form_errors_stay_on_the_form(login, owner):
    response = login(owner).post("/sales/leads/new/", {"email": "nope", "source": "phone"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "nope is not an e-mail address." in page
    assert not Lead.objects.exists()


def test_outsider_cannot_see_a_lead(login, owner, outsider):
    lead = leads.create_lead(actor=owner, data={"email": "a@b.pl"})

    assert login(outsider).get(f"/sales/leads/{lead.pk}/").status_code == 404


def test_converting_from_the_screen_reuses_the_matching_contact(login, owner, make_contact):
    ola = make_contact(owner, first_name="Ola", last_name="Lis", emails=[{"email": "ola@firma.pl"}])
    lead = leads.create_lead(
        actor=owner, data={"first_name": "Ola", "last_name": "Lis", "email": "ola@firma.pl", "company_name": "Firma"}
    )
    client = login(owner)

    page = client.get(f"/sales/leads/{lead.pk}/convert/").content.decode()
    response = client.post(
        f"/sales/leads/{lead.pk}/convert/",
        {"contact": str(ola.pk), "company": "", "create_deal": "on", "deal_name": "Firma pilot", "amount": "5000"},
    )

    assert "same e-mail" in page
    assert response.status_code == 302
    deal = Deal.objects.get()
    assert (deal.name, deal.amount, list(deal.contacts.all())) == ("Firma pilot", 5000, [ola])
    assert Contact.objects.count() == 1
    lead.refresh_from_db()
    assert lead.status == "converted"


def test_public_form_creates_a_lead_without_login(owner):
    form = WebForm.objects.create(name="Contact us", owner=owner, consent_text="I agree <b>to</b> be contacted.")
    visitor = Client(enforce_csrf_checks=True)

    page = visitor.get(f"/sales/f/{form.key}/")
    missing_consent = visitor.post(f"/sales/f/{form.key}/", {"email": "eva@firma.pl"})
    sent = visitor.post(f"/sales/f/{form.key}/", {"first_name": "Eva", "email": "eva@firma.pl", "consent": "1"})

    assert page.status_code == 200
    assert "I agree &lt;b&gt;to&lt;/b&gt; be contacted." in page.content.decode()
    assert "X-Frame-Options" not in page
    assert missing_consent.status_code == 422
    assert sent.status_code == 200
    assert "Thank you" in sent.content.decode()
    lead = Lead.objects.get()
    assert (lead.first_name, lead.owner, lead.consent_text) == ("Eva", owner, "I agree <b>to</b> be contacted.")


def test_public_form_spam_looks_accepted_but_is_dropped(owner):
    form = WebForm.objects.create(name="Contact us", owner=owner)

    response = Client().post(f"/sales/f/{form.key}/", {"email": "bot@x.pl", "website": "http://spam.example"})

    assert response.status_code == 200
    assert not Lead.objects.exists()


def test_public_form_of_a_closed_or_unknown_form_is_404(owner):
    form = WebForm.objects.create(name="Old", owner=owner, active=False)

    assert Client().get(f"/sales/f/{form.key}/").status_code == 404
    assert Client().get("/sales/f/nope/").status_code == 404


def test_the_lead_page_explains_its_score_with_labels_not_codes(login, owner):
    from accord.sales.models import ScoringRule
    from accord.sales.services import leads as lead_services

    ScoringRule.objects.create(field="source", value="website", points=20)
    ScoringRule.objects.create(field="email_domain", value="business", points=10)
    ScoringRule.objects.create(field="source", value="referral", points=30)  # not met
    lead = lead_services.create_lead(
        actor=owner, data={"first_name": "Ola", "email": "ola@stalbud.pl", "source": "website"}
    )

    page = login(owner).get(f"/sales/leads/{lead.pk}/").content.decode()
    reasons = page[page.index('<ul class="score-reasons') : page.index("</ul>", page.index('<ul class="score-reasons'))]

    assert lead.score == 30
    assert "Source: Website" in reasons
    assert "E-mail domain: a company&#x27;s own domain" in reasons
    assert "+20" in reasons
    assert "+10" in reasons
    assert "website" not in reasons
    assert "business" not in reasons
    assert "Referral" not in reasons


def test_the_new_status_and_the_new_button_are_translated_apart(login, owner):
    from django.utils import translation

    from accord.activities.models import TaskStatus
    from accord.sales.models import DealStatus, LeadStatus, QuoteStatus, StageKind
    from accord.sales.services import leads as lead_services

    lead = lead_services.create_lead(actor=owner, data={"first_name": "Ola", "last_name": "Nowak"})
    owner.language = "pl"
    owner.save(update_fields=["language"])

    with translation.override("en"):  # the request activates Polish in this thread; this puts English back
        page = login(owner).get(f"/sales/leads/{lead.pk}/").content.decode()
    with translation.override("pl"):
        labels = {
            "lead": str(LeadStatus.NEW.label),
            "deal": str(DealStatus.OPEN.label),
            "stage": str(StageKind.OPEN.label),
            "task": str(TaskStatus.OPEN.label),
            "quote": str(QuoteStatus.DRAFT.label),
        }

    assert labels == {"lead": "Nowy", "deal": "Otwarta", "stage": "Otwarty", "task": "Otwarte", "quote": "Robocza"}
    assert '<span class="badge ">Nowy</span>' in page
    assert '<span class="btn-label">Utwórz</span></summary>' in page
