"""The offer screens: the panel on the contact's page with its reason and actions, Marketing →
Offers (list, form, the uplift report) for admins and marketers only, and no inline script or style."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from accord.activities.models import Interaction
from accord.marketing.models import OfferExposure, OfferRule
from accord.marketing.services import offers as services
from accord.sales.models import Deal

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html


def _grinder_rule(shop: Any, **extra: Any) -> OfferRule:
    beans = shop.products["beans"]
    return services.create_rule(
        actor=None,
        data={
            "name": "Grinder for bean buyers",
            "product": str(shop.products["grinder"].pk),
            "preferences": ["coffee"],
            "conditions": {
                "match": "all",
                "rules": [{"type": "bought_product", "product": str(beans.pk), "days": 365}],
            },
            **extra,
        },
    )


def test_the_panel_shows_the_offer_with_its_reason_and_actions(shop: Any, login: Any) -> None:
    rule = _grinder_rule(shop)
    page = login(shop.owner).get(reverse("people:contact-detail", args=[shop.contacts["ola"].pk]))
    assert page.status_code == 200
    html = page.content.decode()
    _no_inline_code(html)
    assert 'id="offer-panel"' in html
    assert "Prefers: Coffee; bought Coffee beans 3 times" in html
    for name in ("offer-made", "offer-deal", "offer-decline"):
        assert reverse(f"marketing:{name}", args=[shop.contacts["ola"].pk]) in html
    # Showing it starts the measurement.
    exposure = OfferExposure.objects.get(rule=rule, contact=shop.contacts["ola"])
    assert (exposure.last_kind, exposure.held_out) == ("shown", False)


def _panel(html: str) -> str:
    return html.split('id="offer-panel"')[1].split("</section>")[0]


def test_a_held_out_contact_sees_no_offer_and_is_counted_as_held_out(shop: Any, login: Any) -> None:
    from accord.marketing.selectors.offers import held_out

    rule = _grinder_rule(shop, holdout_percent=50)
    for contact in (shop.contacts["ola"], shop.contacts["bart"]):
        out = held_out(rule, contact.pk)
        panel = _panel(login(shop.owner).get(reverse("people:contact-detail", args=[contact.pk])).content.decode())
        assert ("No offer for this contact now." in panel) is out
        assert ("Coffee beans" in panel) is not out
        exposure = OfferExposure.objects.get(rule=rule, contact=contact)
        assert (exposure.held_out, exposure.last_kind) == (out, "held_out" if out else "shown")


def test_log_offer_made_and_not_interested_from_the_panel(shop: Any, login: Any) -> None:
    rule = _grinder_rule(shop)
    ola = shop.contacts["ola"]
    client = login(shop.owner)
    made = client.post(reverse("marketing:offer-made", args=[ola.pk]), {"rule": str(rule.pk)}, headers=HX)
    assert made.status_code == 200
    assert Interaction.objects.filter(contact=ola, subject="Offer made: Grinder").count() == 1
    declined = client.post(reverse("marketing:offer-decline", args=[ola.pk]), {"rule": str(rule.pk)}, headers=HX)
    assert declined.status_code == 200
    assert "No offer for this contact now." in declined.content.decode()
    again = client.post(reverse("marketing:offer-decline", args=[ola.pk]), {"rule": str(rule.pk)}, headers=HX)
    assert again.status_code == 422
    assert "no longer the contact" in again.content.decode()


def test_create_a_deal_from_the_panel(shop: Any, login: Any) -> None:
    rule = _grinder_rule(shop)
    ola = shop.contacts["ola"]
    response = login(shop.owner).post(reverse("marketing:offer-deal", args=[ola.pk]), {"rule": str(rule.pk)})
    deal = Deal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sales:deal-detail", args=[deal.pk])
    assert deal.name == f"Grinder for {ola}"


def test_a_rep_cannot_act_on_a_contact_they_cannot_see(shop: Any, login: Any) -> None:
    rule = services.create_rule(
        actor=None, data={"name": "Organic", "title": "Box", "url": "https://x.example/b", "preferences": ["organic"]}
    )
    ewa = shop.contacts["ewa"]
    response = login(shop.owner).post(reverse("marketing:offer-decline", args=[ewa.pk]), {"rule": str(rule.pk)})
    assert response.status_code == 404
    assert not OfferExposure.objects.exists()


def test_offer_pages_render_for_a_marketer_and_not_for_a_rep(shop: Any, login: Any) -> None:
    rule = _grinder_rule(shop, holdout_percent=10)
    client = login(shop.marketer)
    for url in (
        reverse("marketing:offer-list"),
        reverse("marketing:offer-create"),
        reverse("marketing:offer-edit", args=[rule.pk]),
        reverse("marketing:offer-detail", args=[rule.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _no_inline_code(response.content.decode())
    listed = client.get(reverse("marketing:offer-list")).content.decode()
    assert "Grinder for bean buyers" in listed
    assert reverse("marketing:offer-list") in listed  # the sidebar link
    detail = client.get(reverse("marketing:offer-detail", args=[rule.pk])).content.decode()
    assert "Not enough data" in detail
    rep = login(shop.owner)
    assert rep.get(reverse("marketing:offer-list")).status_code == 403
    assert reverse("marketing:offer-list") not in rep.get(reverse("activities:my-day")).content.decode()


def test_the_form_creates_a_rule_and_names_the_bad_field(shop: Any, login: Any) -> None:
    client = login(shop.marketer)
    data = {
        "name": "Tea for tea lovers",
        "product": str(shop.products["tea"].pk),
        "preferences": "Tea, green",
        "classifications": "",
        "never_bought": str(shop.products["tea"].pk),
        "priority": "4",
        "holdout_percent": "80",
        "repurchase_days": "60",
        "conversion_days": "30",
        "active": "on",
    }
    refused = client.post(reverse("marketing:offer-create"), data)
    assert refused.status_code == 422
    assert "Enter a number from 0 to 50." in refused.content.decode()
    assert not OfferRule.objects.exists()
    saved = client.post(reverse("marketing:offer-create"), {**data, "holdout_percent": "10"})
    rule = OfferRule.objects.get()
    assert saved.status_code == 302
    assert (rule.preferences, rule.priority, rule.holdout_percent, rule.product) == (
        ["Tea", "green"],
        4,
        10,
        shop.products["tea"],
    )
    assert rule.conditions == {
        "match": "all",
        "rules": [{"type": "never_bought", "product": str(shop.products["tea"].pk)}],
    }
    # The edit form shows what was saved and saves it back unchanged.
    edit = client.get(reverse("marketing:offer-edit", args=[rule.pk])).content.decode()
    assert 'value="Tea, green"' in edit
    stale = client.post(
        reverse("marketing:offer-edit", args=[rule.pk]), {**data, "holdout_percent": "5", "version": "7"}
    )
    assert stale.status_code == 409
    assert OfferRule.objects.get().holdout_percent == 10
