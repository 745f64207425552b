"""The seller's details on quotes: kept in the Sales settings (the environment's ACCORD_SELLER_*
as the fallback and first values), copied onto new quotes, and missed out loud on a draft."""

from __future__ import annotations

from django.test import override_settings
from django.urls import reverse

from accord.core.models import AuditEntry
from accord.sales.models import SellerDetails
from accord.sales.services import quotes as quote_services
from accord.sales.tests.test_quotes import make_deal

ENV_SELLER = {
    "name": "Env Sp. z o.o.",
    "address": "ul. Prosta 1\n00-001 Warszawa",
    "tax_id": "PL1111111111",
    "email": "",
    "phone": "",
    "bank_account": "PL00 1111",
}
NO_SELLER = dict.fromkeys(ENV_SELLER, "")
SAVED = {
    "name": "Accord Sp. z o.o.",
    "address": "ul. Długa 5\n00-238 Warszawa",
    "tax_id": "PL5252248481",
    "email": "sprzedaz@accord.example",
    "phone": "+48 22 123 45 67",
    "bank_account": "PL61 1090 1014 0000 0712 1981 2874",
}


@override_settings(ACCORD_SELLER=ENV_SELLER)
def test_the_settings_screen_starts_from_the_environment_and_keeps_what_is_saved(login, admin_user, owner):
    client = login(admin_user)

    shown = client.get(reverse("sales:settings-seller")).content.decode()
    saved = client.post(reverse("sales:settings-seller"), SAVED)
    quote = quote_services.create_from_deal(actor=owner, deal=make_deal(owner))

    assert 'value="Env Sp. z o.o."' in shown
    assert saved.status_code == 302
    stored = SellerDetails.objects.get()
    assert {key: getattr(stored, key) for key in SAVED} == SAVED
    assert quote.seller == SAVED  # new quotes take the saved details, not the environment's
    assert AuditEntry.objects.filter(entity="sales.sellerdetails", action="create", actor=admin_user).exists()


def test_the_company_name_is_required_and_nothing_is_stored_without_it(login, admin_user):
    response = login(admin_user).post(reverse("sales:settings-seller"), {**SAVED, "name": " "})

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not SellerDetails.objects.exists()


def test_only_administrators_keep_the_sellers_details(login, owner):
    client = login(owner)

    assert client.get(reverse("sales:settings-seller")).status_code == 403
    assert client.post(reverse("sales:settings-seller"), SAVED).status_code == 403
    assert not SellerDetails.objects.exists()


@override_settings(ACCORD_SELLER=NO_SELLER)
def test_a_draft_without_the_sellers_details_says_so_with_the_way_to_the_settings(login, admin_user, owner):
    quote = quote_services.create_from_deal(actor=owner, deal=make_deal(owner))
    url = reverse("sales:quote-detail", args=[quote.pk])

    for_rep = login(owner).get(url).content.decode()
    for_admin = login(admin_user).get(url).content.decode()
    login(admin_user).post(reverse("sales:settings-seller"), SAVED)
    after = login(admin_user).get(url).content.decode()

    assert "data-missing-seller" in for_rep
    assert "Ask an administrator" in for_rep
    assert reverse("sales:settings-seller") not in for_rep
    assert f'href="{reverse("sales:settings-seller")}"' in for_admin
    # The draft was made before the details existed; its PDF takes them from the settings now.
    assert "data-missing-seller" not in after
    assert quote_services.missing_seller_details(quote) == []
