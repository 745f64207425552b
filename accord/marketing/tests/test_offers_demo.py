"""The demo's offer rules match demo customers: some contacts get a next best offer."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from accord.marketing.models import OfferExposure, OfferRule
from accord.marketing.selectors import offers as selectors
from accord.people.models import Contact

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_offer_rules_match_demo_contacts() -> None:
    out = io.StringIO()
    call_command("demo", "--size", "0.02", "--seed", "7", stdout=out)
    assert "offer rules" in out.getvalue()
    assert OfferRule.objects.count() == 4
    offers = selectors.next_best_offers(Contact.objects.all())
    assert len(offers) >= 10
    assert {o.rule.name for o in offers.values()} >= {"E-learning for the training-minded", "More cloud storage"}
    assert all(o.reason for o in offers.values())
    assert OfferExposure.objects.filter(held_out=False).count() >= len(offers)
