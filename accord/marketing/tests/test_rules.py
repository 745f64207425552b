"""Each rule type against the same question answered in Python over the mixed customer base, and
AND/OR groups nested, as an admin sees every contact."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from accord.activities.models import Interaction
from accord.billing.models import InvoiceLine, OrderLine
from accord.marketing import segmenting
from accord.marketing.selectors import segments as selectors
from accord.people.models import Address, Contact, ContactCompany, ContactTag
from accord.sales.models import DealContact

pytestmark = pytest.mark.django_db


def _since(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _matched(user: Any, rules: dict[str, Any]) -> set[Any]:
    return set(selectors.matching(user=user, rules=segmenting.clean(rules)).values_list("pk", flat=True))


def _expected(test: Callable[[Contact], bool]) -> set[Any]:
    return {c.pk for c in Contact.objects.all() if test(c)}


def _one(rule: dict[str, Any]) -> dict[str, Any]:
    return {"match": "all", "rules": [rule]}


def _companies(c: Contact) -> list[Any]:
    return [link.company for link in ContactCompany.objects.filter(contact=c).select_related("company")]


def _bought(c: Contact, product: Any, days: int | None) -> bool:
    since = _since(days) if days is not None else None
    for line in OrderLine.objects.select_related("order").filter(product=product):
        order = line.order
        sold = order.contact_id == c.pk and order.status in ("confirmed", "fulfilled")
        if sold and (since is None or order.created_at >= since):
            return True
    for inv_line in InvoiceLine.objects.select_related("invoice").filter(product=product):
        invoice = inv_line.invoice
        if (
            invoice.contact_id == c.pk
            and invoice.status != "draft"
            and invoice.kind == "vat"
            and invoice.order_id is None
            and (since is None or invoice.issue_date >= since.date())
        ):
            return True
    return False


def _spent(c: Contact, days: int) -> decimal.Decimal:
    from accord.billing.models import Invoice

    total = decimal.Decimal(0)
    for invoice in Invoice.objects.filter(contact=c):
        if invoice.status == "draft" or invoice.kind == "proforma" or invoice.issue_date < _since(days).date():
            continue
        total += invoice.gross_total_base if invoice.gross_total_base is not None else invoice.gross_total
    return total


def _cases(w: Any) -> list[tuple[str, dict[str, Any], Callable[[Contact], bool], set[str]]]:
    """(what, rule, the same in Python, who that is here): the last keeps the dataset honest, so a
    rule that matches nobody or everybody cannot pass by accident."""
    p1, p2 = w.products["p1"], w.products["p2"]
    default, projects = w.pipelines["default"], w.pipelines["projects"]
    vip = w.tags["VIP"]

    def deals(c: Contact) -> list[Any]:
        return [dc.deal for dc in DealContact.objects.filter(contact=c).select_related("deal")]

    return [
        (
            "name",
            {"type": "name", "op": "contains", "value": "nowa"},
            lambda c: "nowa" in c.first_name.lower() or "nowa" in c.last_name.lower(),
            {"anna", "olga"},
        ),
        (
            "name is",
            {"type": "name", "op": "is", "value": "jan"},
            lambda c: "jan" in (c.first_name.lower(), c.last_name.lower()),
            {"jan"},
        ),
        (
            "domain",
            {"type": "email_domain", "domain": "@Acme.pl"},
            lambda c: c.primary_email.lower().endswith("@acme.pl"),
            {"anna", "ewa", "piotr"},
        ),
        ("language", {"type": "language", "value": "ru"}, lambda c: c.preferred_language == "ru", {"ewa", "olga"}),
        ("source", {"type": "source", "value": "web_form"}, lambda c: c.source == "web_form", {"anna", "piotr"}),
        (
            "classification",
            {"type": "classification", "value": "a"},
            lambda c: c.classification.lower() == "a",
            {"anna"},
        ),
        (
            "preference",
            {"type": "preference", "value": "ORGANIC"},
            lambda c: "organic" in [p.casefold() for p in c.preferences],
            {"anna"},
        ),
        (
            "channel",
            {"type": "preferred_channel", "value": "phone"},
            lambda c: c.preferred_channel == "phone",
            {"jan", "olga"},
        ),
        (
            "birthday",
            {"type": "birthday_month", "month": "3"},
            lambda c: c.birthday is not None and c.birthday.month == 3,
            {"anna", "ewa"},
        ),
        (
            "city",
            {"type": "city", "city": "WARSZAWA"},
            lambda c: any(a.city.lower() == "warszawa" for a in Address.objects.filter(contact=c)),
            {"anna", "piotr"},
        ),
        (
            "country",
            {"type": "country", "country": "lt"},
            lambda c: any(a.country == "LT" for a in Address.objects.filter(contact=c)),
            {"olga"},
        ),
        (
            "created recently",
            {"type": "created", "op": "in_last", "days": 30},
            lambda c: c.created_at >= _since(30),
            {"anna", "jan", "piotr"},
        ),
        (
            "created long ago",
            {"type": "created", "op": "before", "days": 30},
            lambda c: c.created_at < _since(30),
            {"ewa", "olga"},
        ),
        (
            "owner",
            {"type": "owner", "user": str(w.outsider.pk)},
            lambda c: c.owner_id == w.outsider.pk,
            {"piotr", "olga"},
        ),
        (
            "team",
            {"type": "team", "team": str(w.owner.primary_team_id)},
            lambda c: c.team_id == w.owner.primary_team_id,
            {"anna", "jan", "ewa"},
        ),
        (
            "industry",
            {"type": "company_industry", "value": "STEEL"},
            lambda c: any(co.industry.lower() == "steel" for co in _companies(c)),
            {"anna", "piotr"},
        ),
        (
            "size",
            {"type": "company_size", "value": "250-999"},
            lambda c: any(co.size == "250-999" for co in _companies(c)),
            {"jan"},
        ),
        (
            "company country",
            {"type": "company_country", "value": "de"},
            lambda c: any(co.country == "DE" for co in _companies(c)),
            {"jan"},
        ),
        (
            "custom choice",
            {"type": "custom_field", "field": "tier", "op": "is", "value": "gold"},
            lambda c: c.custom.get("tier") == "gold",
            {"anna"},
        ),
        (
            "custom set",
            {"type": "custom_field", "field": "tier", "op": "set"},
            lambda c: "tier" in c.custom,
            {"anna", "jan"},
        ),
        (
            "custom empty",
            {"type": "custom_field", "field": "tier", "op": "not_set"},
            lambda c: "tier" not in c.custom,
            {"ewa", "piotr", "olga"},
        ),
        (
            "custom number",
            {"type": "custom_field", "field": "score", "op": "at_least", "value": "7"},
            lambda c: c.custom.get("score", -1) >= 7,
            {"anna", "piotr"},
        ),
        (
            "custom date",
            {"type": "custom_field", "field": "since", "op": "at_most", "value": "2021-01-01"},
            lambda c: "since" in c.custom and c.custom["since"] <= "2021-01-01",
            {"anna"},
        ),
        (
            "tag",
            {"type": "tag", "op": "has", "tag": str(vip.pk)},
            lambda c: ContactTag.objects.filter(contact=c, tag=vip).exists(),
            {"anna", "piotr"},
        ),
        (
            "no tag",
            {"type": "tag", "op": "has_not", "tag": str(vip.pk)},
            lambda c: not ContactTag.objects.filter(contact=c, tag=vip).exists(),
            {"jan", "ewa", "olga"},
        ),
        (
            "quiet 90 days",
            {"type": "no_interaction", "days": 90},
            lambda c: c.last_interaction_at is None or c.last_interaction_at < _since(90),
            {"jan", "ewa"},
        ),
        (
            "phone in 14 days",
            {"type": "interaction", "channel": "phone", "days": 14},
            lambda c: Interaction.objects.filter(contact=c, channel="phone", occurred_at__gte=_since(14)).exists(),
            {"anna", "piotr"},
        ),
        ("open deal", {"type": "open_deal"}, lambda c: any(d.status == "open" for d in deals(c)), {"anna"}),
        (
            "open deal elsewhere",
            {"type": "open_deal", "pipeline": str(projects.pk)},
            lambda c: any(d.status == "open" and d.pipeline_id == projects.pk for d in deals(c)),
            set(),
        ),
        (
            "won in 30 days",
            {"type": "won_deal", "days": 30},
            lambda c: any(d.status == "won" and d.closed_at >= _since(30) for d in deals(c)),
            {"jan"},
        ),
        (
            "in pipeline",
            {"type": "deal_in_pipeline", "pipeline": str(projects.pk), "status": "any"},
            lambda c: any(d.pipeline_id == projects.pk for d in deals(c)),
            {"olga"},
        ),
        (
            "won in pipeline",
            {"type": "deal_in_pipeline", "pipeline": str(default.pk), "status": "won"},
            lambda c: any(d.pipeline_id == default.pk and d.status == "won" for d in deals(c)),
            {"jan", "ewa"},
        ),
        (
            "bought p1 30 days",
            {"type": "bought_product", "product": str(p1.pk), "days": 30},
            lambda c: _bought(c, p1, 30),
            {"anna"},
        ),
        (
            "bought p1 90 days",
            {"type": "bought_product", "product": str(p1.pk), "days": 90},
            lambda c: _bought(c, p1, 90),
            {"anna", "piotr"},
        ),
        (
            "bought p2 30 days",
            {"type": "bought_product", "product": str(p2.pk), "days": 30},
            lambda c: _bought(c, p2, 30),
            {"anna", "piotr"},
        ),
        (
            "bought p2 60 days",
            {"type": "bought_product", "product": str(p2.pk), "days": 60},
            lambda c: _bought(c, p2, 60),
            {"anna", "jan", "piotr"},
        ),
        (
            "never bought p1",
            {"type": "never_bought", "product": str(p1.pk)},
            lambda c: not _bought(c, p1, None),
            {"jan", "ewa", "olga"},
        ),
        (
            "spent over 1000",
            {"type": "spent_over", "amount": "1000", "days": 30},
            lambda c: _spent(c, 30) > 1000,
            {"anna", "jan"},
        ),
        (
            "spent over 400",
            {"type": "spent_over", "amount": "400,00", "days": 30},
            lambda c: _spent(c, 30) > 400,
            {"anna", "jan", "piotr"},
        ),
        (
            "consent",
            {"type": "consent", "op": "has", "channel": "email", "purpose": "newsletter"},
            lambda c: _reachable(c, "email", "newsletter"),
            {"anna"},
        ),
        (
            "no consent",
            {"type": "consent", "op": "has_not", "channel": "email", "purpose": "newsletter"},
            lambda c: not _reachable(c, "email", "newsletter"),
            {"jan", "ewa", "piotr", "olga"},
        ),
    ]


def _reachable(c: Contact, channel: str, purpose: str) -> bool:
    from accord.marketing.models import Consent, Suppression

    granted = Consent.objects.filter(contact=c, channel=channel, purpose=purpose, state="granted").exists()
    address = c.primary_email.lower()
    suppressed = Suppression.objects.filter(channel=channel, address=address, purpose__in=["", purpose]).exists()
    return granted and bool(address) and not suppressed


def test_every_rule_type_has_a_case(world: Any) -> None:
    """Marketing's own rule types; another app's (analytics' classification rules) are tested there."""
    tested = {rule["type"] for _what, rule, _test, _who in _cases(world)}
    own = {t.key for t in segmenting.rule_types() if t.build.__module__.startswith("accord.marketing.")}
    assert own - tested == set()
    assert len(own) > 20


@pytest.mark.parametrize("index", range(40))
def test_rule_matches_the_python_answer(world: Any, index: int) -> None:
    what, rule, test, who = _cases(world)[index]
    expected = _expected(test)
    assert expected == world.ids(*who), f"{what}: the dataset is not what the case says"
    assert _matched(world.admin, _one(rule)) == expected, what


def test_cases_are_all_run(world: Any) -> None:
    assert len(_cases(world)) == 41


def test_all_and_any_groups_nest(world: Any) -> None:
    w = world
    rules = {
        "match": "all",
        "rules": [
            {"type": "email_domain", "domain": "acme.pl"},
            {
                "match": "any",
                "rules": [
                    {"type": "bought_product", "product": str(w.products["p1"].pk), "days": 30},
                    {
                        "match": "all",
                        "rules": [{"type": "language", "value": "pl"}, {"type": "owner", "user": str(w.outsider.pk)}],
                    },
                ],
            },
        ],
    }
    assert _matched(w.admin, rules) == w.ids("anna", "piotr")
    rules["match"] = "any"
    # acme.pl (anna, ewa, piotr) or the group (anna, piotr)
    assert _matched(w.admin, rules) == w.ids("anna", "ewa", "piotr")


def test_empty_rules_match_every_visible_contact(world: Any) -> None:
    assert _matched(world.admin, {"match": "all", "rules": []}) == world.ids("anna", "jan", "ewa", "piotr", "olga")
    assert _matched(world.owner, {"match": "any", "rules": []}) == world.ids("anna", "jan", "ewa")
