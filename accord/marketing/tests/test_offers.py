"""The next best offer: matching by preference, purchases and classification, priority and its
tie-breaks, no offer of what was just bought, "not interested", bulk equal to one by one, a stable
hold-out share, and the uplift report on a built dataset."""

from __future__ import annotations

import datetime
import decimal
import math
from typing import Any

import pytest
from django.utils import timezone

from accord.activities.models import Interaction
from accord.billing.models import Invoice, InvoiceLine, InvoiceSeries
from accord.marketing.models import ExposureKind, OfferExposure, OfferRule
from accord.marketing.selectors import offers as selectors
from accord.marketing.services import offers as services
from accord.people.models import Contact
from accord.sales.models import Deal, DealContact, DealLine, Pipeline, Stage

pytestmark = pytest.mark.django_db

D = decimal.Decimal


def rule(**data: Any) -> OfferRule:
    data.setdefault("name", "Rule")
    if "product" in data and data["product"] is not None:
        data["product"] = str(data["product"].pk)
    return services.create_rule(actor=None, data=data)


def offered(shop: Any) -> dict[str, str | None]:
    """Each shop contact's next best offer's rule name (one by one)."""
    found = {}
    for name, contact in shop.contacts.items():
        offer = selectors.next_best_offer(contact)
        found[name] = offer.rule.name if offer else None
    return found


def test_matches_by_preference_without_case(shop: Any) -> None:
    rule(name="Organic box", title="Organic box", url="https://shop.example/organic", preferences=["organic"])
    assert offered(shop) == {"ola": "Organic box", "bart": None, "celina": None, "dawid": None, "ewa": "Organic box"}
    offer = selectors.next_best_offer(shop.contacts["ola"])
    assert offer is not None
    assert (offer.name, offer.url, offer.reason) == ("Organic box", "https://shop.example/organic", "Prefers: Organic")
    assert offer.variables() == {
        "offer_name": "Organic box",
        "offer_url": "https://shop.example/organic",
        "offer_reason": "Prefers: Organic",
    }


def test_a_preference_is_a_whole_name_not_a_part(shop: Any, owner: Any, make_contact: Any) -> None:
    make_contact(owner, first_name="Ida", last_name="Part", preferences=["Organic food", "Ćma żółta"])
    rule(name="Organic", title="Organic", url="https://shop.example/o", preferences=["Organic"])
    rule(name="Moth", title="Moth", url="https://shop.example/m", preferences=["ćma żółta"], priority=-1)
    ida = Contact.objects.get(first_name="Ida")
    offer = selectors.next_best_offer(ida)
    # "Organic food" is not "Organic"; the Polish name matches as written.
    assert offer is not None
    assert offer.rule.name == "Moth"


def test_matches_by_purchase_history_with_the_reason_in_words(shop: Any) -> None:
    beans, grinder = shop.products["beans"], shop.products["grinder"]
    rule(
        name="Grinder for bean buyers",
        product=grinder,
        preferences=["coffee"],
        conditions={
            "match": "all",
            "rules": [
                {"type": "bought_product", "product": str(beans.pk), "days": 365},
                {"type": "never_bought", "product": str(grinder.pk)},
            ],
        },
    )
    assert offered(shop) == {
        "ola": "Grinder for bean buyers",
        "bart": "Grinder for bean buyers",
        "celina": None,  # prefers tea, bought nothing
        "dawid": None,  # has a grinder
        "ewa": None,
    }
    ola = selectors.next_best_offer(shop.contacts["ola"])
    bart = selectors.next_best_offer(shop.contacts["bart"])
    assert ola is not None
    assert bart is not None
    assert ola.reason == "Prefers: Coffee; bought Coffee beans 3 times; no Grinder yet"
    assert bart.reason == "Prefers: coffee; bought Coffee beans once; no Grinder yet"
    assert (ola.name, ola.product_id) == ("Grinder", grinder.pk)


def test_spent_over_and_classification(shop: Any) -> None:
    rule(name="Class A", title="VIP evening", url="https://shop.example/vip", classifications=["A"])
    assert offered(shop) == {"ola": None, "bart": "Class A", "celina": None, "dawid": "Class A", "ewa": "Class A"}
    offer = selectors.next_best_offer(shop.contacts["dawid"])
    assert offer is not None
    assert offer.reason == "Classification a"


def test_priority_wins_then_margin_then_the_newest(shop: Any) -> None:
    everyone: dict[str, Any] = {"preferences": ["coffee"]}
    rule(name="Kettle", product=shop.products["kettle"], repurchase_days=0, **everyone)  # margin 20
    rule(name="Beans", product=shop.products["beans"], repurchase_days=0, **everyone)  # margin 30
    assert selectors.next_best_offer(shop.contacts["bart"]).rule.name == "Beans"  # type: ignore[union-attr]
    rule(name="Tea", product=shop.products["tea"], repurchase_days=0, priority=5, **everyone)  # margin unknown
    assert selectors.next_best_offer(shop.contacts["bart"]).rule.name == "Tea"  # type: ignore[union-attr]
    first = rule(name="Older", title="Older", url="https://x.example/1", priority=9, **everyone)
    OfferRule.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    rule(name="Newer", title="Newer", url="https://x.example/2", priority=9, **everyone)
    assert selectors.next_best_offer(shop.contacts["bart"]).rule.name == "Newer"  # type: ignore[union-attr]


def test_a_known_margin_beats_an_unknown_one(shop: Any) -> None:
    rule(name="Tea", product=shop.products["tea"], preferences=["coffee"])
    rule(name="Grinder", product=shop.products["grinder"], preferences=["coffee"])
    assert [r.name for r in selectors.live_rules()] == ["Grinder", "Tea"]


def test_validity_and_pause(shop: Any) -> None:
    today = timezone.localdate()
    rule(name="Later", title="Later", url="https://x.example/l", valid_from=str(today + datetime.timedelta(days=1)))
    rule(name="Over", title="Over", url="https://x.example/o", valid_until=str(today - datetime.timedelta(days=1)))
    rule(name="Paused", title="Paused", url="https://x.example/p", active=False)
    assert selectors.next_best_offer(shop.contacts["ola"]) is None
    rule(name="Today", title="Today", url="https://x.example/t", valid_from=str(today), valid_until=str(today))
    assert selectors.next_best_offer(shop.contacts["ola"]).rule.name == "Today"  # type: ignore[union-attr]


def test_never_an_offer_of_a_product_just_bought(shop: Any) -> None:
    grinder_rule = rule(name="Grinder", product=shop.products["grinder"], classifications=["A"], repurchase_days=30)
    # Dawid bought a grinder five days ago.
    assert offered(shop)["dawid"] is None
    assert offered(shop)["bart"] == "Grinder"
    services.update_rule(actor=None, rule=grinder_rule, data={"repurchase_days": 3})
    assert offered(shop)["dawid"] == "Grinder"


def test_not_interested_suppresses_the_offer_for_180_days(shop: Any) -> None:
    rule(name="Top", title="Top", url="https://x.example/top", preferences=["organic"], priority=10)
    rule(name="Second", title="Second", url="https://x.example/2", preferences=["coffee"])
    ola = shop.contacts["ola"]
    top = selectors.next_best_offer(ola)
    assert top is not None
    assert top.rule.name == "Top"
    services.decline_offer(actor=shop.owner, contact=ola, rule_id=top.rule.pk)
    assert selectors.next_best_offer(ola).rule.name == "Second"  # type: ignore[union-attr]
    exposure = OfferExposure.objects.get(rule=top.rule, contact=ola)
    assert exposure.declined_by == shop.owner
    assert exposure.last_kind == ExposureKind.DECLINED
    OfferExposure.objects.filter(pk=exposure.pk).update(declined_at=timezone.now() - datetime.timedelta(days=181))
    assert selectors.next_best_offer(ola).rule.name == "Top"  # type: ignore[union-attr]


def test_actions_take_only_the_current_offer(shop: Any) -> None:
    top = rule(name="Top", title="Top", url="https://x.example/top", preferences=["organic"])
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.decline_offer(actor=shop.owner, contact=shop.contacts["bart"], rule_id=top.pk)
    assert "rule" in caught.value.message_dict
    assert not OfferExposure.objects.exists()


def test_log_offer_made_puts_it_on_the_timeline(shop: Any) -> None:
    top = rule(name="Top", title="Organic box", url="https://x.example/box", preferences=["organic"])
    services.log_offer_made(actor=shop.owner, contact=shop.contacts["ola"], rule_id=top.pk)
    note = Interaction.objects.get(contact=shop.contacts["ola"])
    assert (note.channel, note.subject, note.related_id) == ("note", "Offer made: Organic box", top.pk)
    assert note.body == "Prefers: Organic\nhttps://x.example/box"
    exposure = OfferExposure.objects.get(rule=top, contact=shop.contacts["ola"])
    assert exposure.made_at is not None
    assert exposure.last_kind == ExposureKind.MADE


def test_create_a_deal_for_the_offered_product(shop: Any) -> None:
    top = rule(name="Grinder", product=shop.products["grinder"], preferences=["organic"])
    deal = services.create_offer_deal(actor=shop.owner, contact=shop.contacts["ola"], rule_id=top.pk)
    assert deal.owner == shop.owner
    assert list(DealContact.objects.filter(deal=deal).values_list("contact_id", flat=True)) == [shop.contacts["ola"].pk]
    line = DealLine.objects.get(deal=deal)
    assert (line.product_id, line.unit_price) == (shop.products["grinder"].pk, D("400.00"))


def test_bulk_equals_one_by_one(shop: Any, owner: Any, make_contact: Any) -> None:
    beans, grinder = shop.products["beans"], shop.products["grinder"]
    for i in range(12):
        make_contact(
            owner,
            first_name=f"Mix{i}",
            last_name="Klient",
            preferences=[["Organic"], ["coffee", "Tea"], [], ["TEA"]][i % 4],
            classification=["A", "B", ""][i % 3],
        )
    rule(name="Tea lovers", product=shop.products["tea"], preferences=["tea"], priority=1)
    rule(
        name="Grinder",
        product=grinder,
        conditions={"match": "all", "rules": [{"type": "bought_product", "product": str(beans.pk), "days": 365}]},
        priority=3,
    )
    rule(name="Class B", title="B club", url="https://x.example/b", classifications=["b"], holdout_percent=30)
    rule(name="Organic", title="Organic", url="https://x.example/o", preferences=["organic"], priority=1)
    contacts = Contact.objects.all()
    bulk = selectors.next_best_offers(contacts)
    one_by_one = {c.pk: selectors.next_best_offer(c) for c in contacts}
    assert {pk: (o.rule.pk, o.reason) for pk, o in bulk.items()} == {
        pk: (o.rule.pk, o.reason) for pk, o in one_by_one.items() if o is not None
    }
    assert len(bulk) >= 8
    with_held = selectors.next_best_offers(contacts, include_held_out=True)
    assert set(bulk) == {pk for pk, o in with_held.items() if not o.held_out}


def test_bulk_asks_a_query_count_independent_of_the_contacts(
    shop: Any, django_assert_max_num_queries: Any, owner: Any, make_contact: Any
) -> None:
    beans = shop.products["beans"]
    rule(
        name="Grinder",
        product=shop.products["grinder"],
        conditions={"match": "all", "rules": [{"type": "bought_product", "product": str(beans.pk), "days": 365}]},
    )
    rule(name="Organic", title="Organic", url="https://x.example/o", preferences=["organic"])
    for i in range(20):
        make_contact(owner, first_name=f"More{i}", last_name="X", preferences=["Organic"])
    with django_assert_max_num_queries(12):
        offers = selectors.next_best_offers(Contact.objects.all())
    assert len(offers) == 23


def _bare_contacts(owner: Any, count: int) -> list[Contact]:
    rows = [
        Contact(first_name="C", last_name=f"{i:04d}", sort_name=f"{i:04d}", owner=owner, team_id=owner.primary_team_id)
        for i in range(count)
    ]
    return Contact.objects.bulk_create(rows)


def test_hold_out_is_stable_and_about_the_share(owner: Any) -> None:
    _bare_contacts(owner, 1000)
    held = rule(name="All", title="All", url="https://x.example/all", holdout_percent=10)
    everyone = Contact.objects.all()
    first = selectors.next_best_offers(everyone, include_held_out=True)
    out = {pk for pk, o in first.items() if o.held_out}
    assert len(first) == 1000
    assert 70 <= len(out) <= 130
    again = selectors.next_best_offers(everyone, include_held_out=True)
    assert {pk for pk, o in again.items() if o.held_out} == out
    shown = selectors.next_best_offers(everyone)
    assert set(shown) == set(first) - out
    some = next(iter(out))
    assert selectors.next_best_offer(Contact.objects.get(pk=some)) is None
    assert selectors.held_out(held, some) is True


def test_record_exposures_in_bulk_keeps_the_first_time(owner: Any) -> None:
    _bare_contacts(owner, 50)
    rule(name="All", title="All", url="https://x.example/all", holdout_percent=20)
    offers = selectors.next_best_offers(Contact.objects.all(), include_held_out=True)
    assert services.record_exposures(offers=offers.values(), kind=ExposureKind.SENT) == 50
    firsts = dict(OfferExposure.objects.values_list("contact_id", "first_at"))
    services.record_exposures(offers=offers.values(), kind=ExposureKind.SENT)
    assert dict(OfferExposure.objects.values_list("contact_id", "first_at")) == firsts
    kinds = dict(OfferExposure.objects.values_list("contact_id", "last_kind"))
    for pk, offer in offers.items():
        assert kinds[pk] == (ExposureKind.HELD_OUT if offer.held_out else ExposureKind.SENT)
        assert OfferExposure.objects.get(contact_id=pk).held_out is offer.held_out


_invoice_numbers = iter(range(1, 10**6))


def _paid(contact: Contact, product: Any, day: datetime.date) -> None:
    series = InvoiceSeries.objects.filter(kind="invoice").first()
    invoice = Invoice.objects.create(
        kind="vat",
        status="paid",
        series=series,
        number=f"FV/P/{next(_invoice_numbers)}",
        contact=contact,
        currency="PLN",
        issue_date=day,
        buyer_name=str(contact),
        gross_total=D("60"),
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        product=product,
        description="x",
        quantity=1,
        unit_price=60,
        vat_rate="23",
        net=60,
        vat=0,
        gross=60,
    )


def _won(contact: Contact, product: Any, at: datetime.datetime) -> None:
    pipeline = Pipeline.objects.order_by("-is_default", "position").first()
    stage = Stage.objects.filter(pipeline=pipeline, kind="won").first()
    deal = Deal.objects.create(
        name="Won", pipeline=pipeline, stage=stage, status="won", currency="PLN", closed_at=at, owner=contact.owner
    )
    DealContact.objects.create(deal=deal, contact=contact)
    DealLine.objects.create(deal=deal, product=product, description="x", unit_price=60)


def test_uplift_on_a_built_dataset(shop: Any, owner: Any) -> None:
    beans = shop.products["beans"]
    offer_rule = rule(name="Beans", product=beans, holdout_percent=50, conversion_days=30)
    people = _bare_contacts(owner, 100)
    start = timezone.now() - datetime.timedelta(days=40)
    treated, control = people[:60], people[60:]
    OfferExposure.objects.bulk_create(
        OfferExposure(
            rule=offer_rule,
            contact=c,
            held_out=c in control,
            first_at=start,
            last_at=start,
            last_kind=ExposureKind.HELD_OUT if c in control else ExposureKind.SENT,
        )
        for c in people
    )
    # Treated: 15 paid invoices and 3 won deals within 30 days; 2 paid after the window.
    for c in treated[:15]:
        _paid(c, beans, (start + datetime.timedelta(days=10)).date())
    for c in treated[15:18]:
        _won(c, beans, start + datetime.timedelta(days=29))
    for c in treated[18:20]:
        _paid(c, beans, (start + datetime.timedelta(days=35)).date())
    # Held out: 4 paid within the window, one a different product.
    for c in control[:4]:
        _paid(c, beans, (start + datetime.timedelta(days=3)).date())
    _paid(control[4], shop.products["tea"], (start + datetime.timedelta(days=3)).date())
    report = selectors.uplift(offer_rule)
    assert (report.treated.contacts, report.treated.converted) == (60, 18)
    assert (report.held_out.contacts, report.held_out.converted) == (40, 4)
    assert report.treated.rate == pytest.approx(0.3)
    assert report.held_out.rate == pytest.approx(0.1)
    assert report.difference == pytest.approx(0.2)
    pooled = 22 / 100
    expected_z = 0.2 / math.sqrt(pooled * (1 - pooled) * (1 / 60 + 1 / 40))
    assert report.z == pytest.approx(expected_z)
    assert report.enough_data
    assert report.significant


def test_uplift_says_not_enough_data_below_the_minimum(shop: Any, owner: Any) -> None:
    offer_rule = rule(name="Beans", product=shop.products["beans"], holdout_percent=10)
    people = _bare_contacts(owner, 40)
    now = timezone.now()
    OfferExposure.objects.bulk_create(
        OfferExposure(rule=offer_rule, contact=c, held_out=i < 5, first_at=now, last_at=now, last_kind="sent")
        for i, c in enumerate(people)
    )
    report = selectors.uplift(offer_rule)
    assert (report.treated.contacts, report.held_out.contacts) == (35, 5)
    assert not report.enough_data
    assert report.z is None
    assert not report.significant


def test_a_rep_only_gets_offers_for_contacts_they_may_see(shop: Any) -> None:
    rule(name="Organic", title="Organic", url="https://x.example/o", preferences=["organic"])
    contact, offer = selectors.offer_for(shop.owner, shop.contacts["ola"].pk)
    assert offer is not None
    assert offer.contact_id == contact.pk
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.offer_for(shop.owner, shop.contacts["ewa"].pk)


def test_preference_is_a_segment_rule_too(shop: Any) -> None:
    from accord.marketing import segmenting
    from accord.marketing.selectors import segments

    rules = segmenting.clean({"match": "all", "rules": [{"type": "preference", "value": "ORGANIC"}]})
    found = set(segments.matching(user=shop.admin, rules=rules).values_list("first_name", flat=True))
    assert found == {"Ola", "Ewa"}
    rule(
        name="Not for tea drinkers",
        title="Espresso class",
        url="https://x.example/e",
        classifications=["a"],
        conditions={"match": "all", "rules": [{"type": "preference", "op": "has_not", "value": "tea"}]},
    )
    assert offered(shop) == {
        "ola": None,
        "bart": "Not for tea drinkers",
        "celina": None,
        "dawid": "Not for tea drinkers",
        "ewa": "Not for tea drinkers",
    }
    offer = selectors.next_best_offer(shop.contacts["bart"])
    assert offer is not None
    assert offer.reason == "Classification A; Preference"


def test_bulk_over_a_reps_scope_holds_only_their_contacts(shop: Any) -> None:
    from accord.core import access

    rule(name="Organic", title="Organic", url="https://x.example/o", preferences=["organic"])
    mine = selectors.next_best_offers(access.scope(shop.owner, Contact.objects.all()))
    theirs = selectors.next_best_offers(access.scope(shop.outsider, Contact.objects.all()))
    assert set(mine) == {shop.contacts["ola"].pk}
    assert set(theirs) == {shop.contacts["ewa"].pk}


def test_bulk_takes_sliced_and_distinct_querysets(shop: Any) -> None:
    rule(name="Coffee", title="Coffee", url="https://x.example/c", preferences=["coffee"])
    first_two = Contact.objects.order_by("first_name")[:2]  # Bartek, Celina
    assert set(selectors.next_best_offers(first_two)) == {shop.contacts["bart"].pk}
    distinct = Contact.objects.filter(first_name__in=["Ola", "Dawid"]).distinct()
    assert set(selectors.next_best_offers(distinct)) == {shop.contacts["ola"].pk}
