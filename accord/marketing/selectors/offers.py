"""The next best offer for contacts, and the uplift of each offer rule against its hold-out group.

For campaigns::

    offers = next_best_offers(recipients)          # {contact_id: Offer}, held-out contacts left out
    offers[contact.pk].variables()                 # {"offer_name", "offer_url", "offer_reason"}

``recipients`` is a queryset of ``people.Contact`` the caller already scoped (a segment's members
as ``selectors.segments.members`` gives them). The work is one query per active offer rule, plus,
for the reasons, per 5,000 offered contacts two queries and two more per "bought" condition of their rule:
a campaign to 200,000 recipients asks some dozens of queries, not 200,000.

``include_held_out=True`` also returns the held-out contacts' offers (``Offer.held_out``) so the
sender can record them as held out and send them nothing from that rule; after sending, the sender
records what went out (the uplift is measured from there)::

    services.offers.record_exposures(offers=offers.values(), kind=ExposureKind.SENT)

A contact's next best offer is the highest-priority active rule, valid today, that the contact
matches: any of its preferences, any of its classifications, its purchase conditions; never a
product the contact bought within the rule's ``repurchase_days``, never an offer the contact
declined in the last ``DECLINE_DAYS``. Ties go to the product with the greater margin (its price in
its cost currency less its unit cost), then to the most recently created rule. A contact in the
rule's hold-out share (a stable hash of the rule and the contact) gets no offer from it.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.billing.models import InvoiceLine, OrderLine
from accord.billing.models.invoices import InvoiceKind, InvoiceStatus
from accord.core import access
from accord.core.models import as_uuid
from accord.marketing import segmenting
from accord.marketing.models import OfferExposure, OfferRule
from accord.marketing.segmenting.builtin import ISSUED, SOLD_ORDERS, bought_q
from accord.marketing.segmenting.preferences import preference_q
from accord.people.models import Contact
from accord.sales.models import DealLine, Product, ProductPrice

DECLINE_DAYS = 180
# Below this many contacts in either group the uplift report says "not enough data".
MIN_GROUP = 30
Z_95 = 1.96
CHUNK = 5000


@dataclass(frozen=True)
class Offer:
    """A contact's next best offer: what, why, and from which rule."""

    rule: OfferRule
    contact_id: Any
    name: str
    url: str
    reason: str
    product_id: Any
    held_out: bool = False

    def variables(self) -> dict[str, str]:
        """The recipient variables a campaign adds for this offer."""
        return {"offer_name": self.name, "offer_url": self.url, "offer_reason": self.reason}


# --- which rules ---------------------------------------------------------------------------------


def live_rules(today: datetime.date | None = None) -> list[OfferRule]:
    """Active rules valid on ``today``, best first: priority, then the product's margin, then the
    most recently created."""
    today = today or timezone.localdate()
    rules = list(
        OfferRule.objects.filter(active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .filter(Q(product__isnull=True) | Q(product__active=True))
        .select_related("product")
    )
    margins = product_margins([r.product for r in rules if r.product is not None])

    def key(rule: OfferRule) -> tuple[Any, ...]:
        margin = margins.get(rule.product_id)
        return (-rule.priority, margin is None, -(margin or 0), -rule.created_at.timestamp(), str(rule.pk))

    return sorted(rules, key=key)


def product_margins(products: Iterable[Product]) -> dict[Any, decimal.Decimal]:
    """Each product's margin where known: its price in its cost currency less its unit cost."""
    costed = {p.pk: p for p in products if p.unit_cost is not None}
    if not costed:
        return {}
    margins: dict[Any, decimal.Decimal] = {}
    for price in ProductPrice.objects.filter(product_id__in=list(costed)):
        product = costed[price.product_id]
        currency = product.cost_currency or settings.DEFAULT_CURRENCY
        if price.currency == currency and product.unit_cost is not None:
            margins[product.pk] = price.price - product.unit_cost
    return margins


def held_out(rule: OfferRule, contact_id: Any) -> bool:
    """Whether the contact is in the rule's hold-out group: the same answer every time, about
    ``holdout_percent`` of contacts."""
    if not rule.holdout_percent:
        return False
    digest = hashlib.sha256(f"{rule.pk}:{contact_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10000 < rule.holdout_percent * 100


# --- conditions ----------------------------------------------------------------------------------


def rule_q(rule: OfferRule, now: datetime.datetime) -> Q:
    """The contacts ``rule`` offers its offer to now (hold-out aside)."""
    q: Q = segmenting.condition(rule.conditions or {}, now=now)
    if rule.preferences:
        any_preference = Q()
        for name in rule.preferences:
            any_preference |= preference_q(name)
        q &= any_preference
    if rule.classifications:
        any_class = Q()
        for name in rule.classifications:
            any_class |= Q(classification__iexact=name)
        q &= any_class
    if rule.product_id and rule.repurchase_days:
        q &= ~bought_q(rule.product_id, now - datetime.timedelta(days=rule.repurchase_days))
    declined = OfferExposure.objects.filter(
        rule_id=rule.pk, contact_id=OuterRef("pk"), declined_at__gte=now - datetime.timedelta(days=DECLINE_DAYS)
    )
    return q & ~Q(Exists(declined))


# --- the next best offer -------------------------------------------------------------------------


def next_best_offers(
    contacts: QuerySet[Contact], *, include_held_out: bool = False, now: datetime.datetime | None = None
) -> dict[Any, Offer]:
    """Each of ``contacts``' next best offer, by contact id; contacts with none are absent, and so
    are held-out contacts unless ``include_held_out``."""
    return _offers(contacts, include_held_out=include_held_out, now=now or timezone.now(), one=False)


def next_best_offer(contact: Contact, *, include_held_out: bool = False) -> Offer | None:
    """``contact``'s next best offer (None: no rule matches, or the contact is held out)."""
    offers = _offers(
        Contact.objects.filter(pk=contact.pk), include_held_out=include_held_out, now=timezone.now(), one=True
    )
    return offers.get(contact.pk)


def _offers(
    contacts: QuerySet[Contact], *, include_held_out: bool, now: datetime.datetime, one: bool
) -> dict[Any, Offer]:
    rules = live_rules(timezone.localdate(now))
    chosen: dict[Any, OfferRule] = {}
    if contacts.query.is_sliced or contacts.query.distinct:
        # A slice keeps its order: which contacts it holds depends on it.
        base = Contact.objects.filter(pk__in=contacts.values("pk"))
    else:
        # The rule's conditions go into the caller's own query: as "id IN (the caller's query)",
        # PostgreSQL misjudges the rows and loops over every contact for each one matched.
        base = contacts.order_by()
    for rule in rules:
        for pk in base.filter(rule_q(rule, now)).values_list("pk", flat=True):
            chosen.setdefault(pk, rule)
        if one and chosen:
            # One contact: the first rule it matches is its offer; the rest need not be asked.
            break
    by_rule: dict[Any, list[Any]] = defaultdict(list)
    for pk, rule in chosen.items():
        by_rule[rule.pk].append(pk)
    rules_by_pk = {r.pk: r for r in rules}
    offers: dict[Any, Offer] = {}
    for rule_pk, ids in by_rule.items():
        rule = rules_by_pk[rule_pk]
        keep = [pk for pk in ids if include_held_out or not held_out(rule, pk)]
        if not keep:
            continue
        reasons: dict[Any, str] = {}
        for start in range(0, len(keep), CHUNK):
            # In chunks: SQLite takes at most 32,766 parameters, and a campaign may have 200,000.
            reasons.update(_reasons(rule, keep[start : start + CHUNK], now))
        for pk, reason in reasons.items():
            offers[pk] = Offer(
                rule=rule,
                contact_id=pk,
                name=rule.offer_name,
                url=rule.url,
                reason=reason,
                product_id=rule.product_id,
                held_out=held_out(rule, pk),
            )
    return offers


def visible_contact(user: Any, pk: Any) -> Contact:
    """A contact ``user`` may see, or Http404."""
    return access.get_visible(user, Contact.objects.all(), pk=pk)


def offer_for(user: Any, contact_pk: Any, *, include_held_out: bool = False) -> tuple[Contact, Offer | None]:
    """The contact (if ``user`` may see it, else Http404) and its next best offer."""
    contact = visible_contact(user, contact_pk)
    return contact, next_best_offer(contact, include_held_out=include_held_out)


# --- reasons ---------------------------------------------------------------------------------------


def _walk(group: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    for item in group.get("rules", []):
        if "type" in item:
            yield item
        else:
            yield from _walk(item)


def _purchase_counts(product: Any, contact_ids: list[Any], since: datetime.datetime | None) -> dict[Any, int]:
    """How many times each contact was sold ``product`` (orders, and invoices made without one)."""
    counts: dict[Any, int] = defaultdict(int)
    orders = OrderLine.objects.filter(
        product_id=product, order__status__in=SOLD_ORDERS, order__contact_id__in=contact_ids
    )
    invoices = InvoiceLine.objects.filter(
        product_id=product,
        invoice__status__in=ISSUED,
        invoice__kind=InvoiceKind.VAT,
        invoice__order__isnull=True,
        invoice__contact_id__in=contact_ids,
    )
    if since is not None:
        orders = orders.filter(order__created_at__gte=since)
        invoices = invoices.filter(invoice__issue_date__gte=since.date())
    for contact_id, n in orders.order_by().values_list("order__contact_id").annotate(n=Count("id")):
        counts[contact_id] += n
    for contact_id, n in invoices.order_by().values_list("invoice__contact_id").annotate(n=Count("id")):
        counts[contact_id] += n
    return counts


def _reasons(rule: OfferRule, contact_ids: list[Any], now: datetime.datetime) -> dict[Any, str]:
    """Why each contact gets ``rule``'s offer, in words: "Prefers: organic; bought Coffee beans 3
    times; no Grinder yet"."""
    wanted = {p.casefold() for p in rule.preferences or []}
    facts = {
        pk: (prefs, classification)
        for pk, prefs, classification in Contact.objects.filter(pk__in=contact_ids).values_list(
            "pk", "preferences", "classification"
        )
    }
    items = list(_walk(rule.conditions or {}))
    product_ids = {as_uuid(i.get("product")) for i in items if i.get("product")}
    names = dict(Product.objects.filter(pk__in=[p for p in product_ids if p]).values_list("pk", "name"))
    counts: dict[int, dict[Any, int]] = {}
    for index, item in enumerate(items):
        if item["type"] == "bought_product":
            since = now - datetime.timedelta(days=int(item["days"])) if item.get("days") else None
            counts[index] = _purchase_counts(as_uuid(item["product"]), contact_ids, since)
    # The words that are the same for every contact are made once: a campaign asks for 200,000.
    prefers, classified = _("Prefers: %(names)s"), _("classification %(value)s")
    fixed: dict[int, str] = {}
    for index, item in enumerate(items):
        kind = item["type"]
        key = as_uuid(item.get("product")) if item.get("product") else None
        product = names.get(key, "") if key is not None else ""
        if kind == "never_bought":
            fixed[index] = _("no %(product)s yet") % {"product": product}
        elif kind == "spent_over":
            fixed[index] = _("spent over %(amount)s") % {"amount": item["amount"]}
        elif kind == "bought_product":
            fixed[index] = product
        else:
            described = segmenting.rule_type(kind)
            fixed[index] = str(described.label) if described is not None else ""
    bought_words: dict[tuple[int, int], str] = {}
    everyone = _("Offered to every contact")
    reasons: dict[Any, str] = {}
    for pk in contact_ids:
        prefs, classification = facts.get(pk, ([], ""))
        parts: list[str] = []
        liked = [p for p in (prefs or []) if isinstance(p, str) and p.casefold() in wanted]
        if liked:
            parts.append(prefers % {"names": ", ".join(liked)})
        if rule.classifications and classification:
            parts.append(classified % {"value": classification})
        for index, item in enumerate(items):
            if item["type"] == "bought_product":
                n = counts[index].get(pk, 0)
                if n:
                    words = bought_words.get((index, n))
                    if words is None:
                        words = bought_words[index, n] = ngettext(
                            "bought %(product)s once", "bought %(product)s %(n)d times", n
                        ) % {"product": fixed[index], "n": n}
                    parts.append(words)
            elif fixed[index]:
                parts.append(fixed[index])
        text = "; ".join(parts) if parts else everyone
        reasons[pk] = text[:1].upper() + text[1:]
    return reasons


# --- uplift ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    contacts: int
    converted: int

    @property
    def rate(self) -> float | None:
        return self.converted / self.contacts if self.contacts else None


@dataclass(frozen=True)
class Uplift:
    """The offer's conversion among treated and held-out contacts, and whether the difference is
    more than chance (a two-proportion z-test at 95%)."""

    rule: OfferRule
    treated: Group
    held_out: Group
    measured: bool  # False: a free-text offer, no product to convert on
    enough_data: bool
    difference: float | None
    z: float | None

    @property
    def significant(self) -> bool:
        return self.enough_data and self.z is not None and abs(self.z) >= Z_95


def z_test(a: Group, b: Group) -> float | None:
    """The two-proportion z statistic of ``a``'s rate against ``b``'s (None: it cannot be had)."""
    if not a.contacts or not b.contacts:
        return None
    pooled = (a.converted + b.converted) / (a.contacts + b.contacts)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / a.contacts + 1 / b.contacts))
    if spread == 0:
        return None
    return ((a.converted / a.contacts) - (b.converted / b.contacts)) / spread


def uplift(rule: OfferRule) -> Uplift:
    """Conversion of ``rule``'s offer: a won deal with the product, or a paid invoice line for it,
    within ``conversion_days`` of the contact's first exposure (held-out contacts: of the first time
    they would have been offered it)."""
    exposures = list(OfferExposure.objects.filter(rule_id=rule.pk).values_list("contact_id", "held_out", "first_at"))
    converted: dict[bool, int] = {True: 0, False: 0}
    totals: dict[bool, int] = {True: 0, False: 0}
    for _contact, out, _at in exposures:
        totals[out] += 1
    if rule.product_id is not None and exposures:
        exposed = OfferExposure.objects.filter(rule_id=rule.pk).values("contact_id")
        won: dict[Any, list[datetime.datetime]] = defaultdict(list)
        for contact_id, closed in DealLine.objects.filter(
            product_id=rule.product_id,
            deal__status="won",
            deal__closed_at__isnull=False,
            deal__contact_links__contact_id__in=exposed,
        ).values_list("deal__contact_links__contact_id", "deal__closed_at"):
            if closed is not None:
                won[contact_id].append(closed)
        paid: dict[Any, list[datetime.date]] = defaultdict(list)
        for contact_id, issued in InvoiceLine.objects.filter(
            product_id=rule.product_id,
            invoice__status=InvoiceStatus.PAID,
            invoice__issue_date__isnull=False,
            invoice__contact_id__in=exposed,
        ).values_list("invoice__contact_id", "invoice__issue_date"):
            if issued is not None:
                paid[contact_id].append(issued)
        window = datetime.timedelta(days=rule.conversion_days)
        for contact_id, out, first_at in exposures:
            end = first_at + window
            start_day, end_day = timezone.localdate(first_at), timezone.localdate(end)
            if any(first_at <= at <= end for at in won.get(contact_id, ())) or any(
                start_day <= day <= end_day for day in paid.get(contact_id, ())
            ):
                converted[out] += 1
    treated = Group(totals[False], converted[False])
    control = Group(totals[True], converted[True])
    enough = rule.product_id is not None and treated.contacts >= MIN_GROUP and control.contacts >= MIN_GROUP
    difference = treated.rate - control.rate if treated.rate is not None and control.rate is not None else None
    return Uplift(
        rule=rule,
        treated=treated,
        held_out=control,
        measured=rule.product_id is not None,
        enough_data=enough,
        difference=difference,
        z=z_test(treated, control) if enough else None,
    )


# --- lists -----------------------------------------------------------------------------------------


def can_manage_offers(user: Any) -> bool:
    """Admins and marketers set up offer rules and read their uplift."""
    if access.is_admin(user):
        return True
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
    return bool(role is not None and user.is_active and role.code == "marketer")


def require_offer_manager(user: Any) -> None:
    if not can_manage_offers(user):
        raise access.AccessDenied()


def rules_for(user: Any) -> QuerySet[OfferRule]:
    """The offer rules (admins and marketers; others: AccessDenied)."""
    require_offer_manager(user)
    return OfferRule.objects.select_related("product").order_by("-priority", "name", "id")


def rule_detail(user: Any, pk: Any) -> OfferRule:
    from django.http import Http404

    rule = rules_for(user).filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


def offerable_products(current: Product | None = None) -> list[Product]:
    """The catalogue's products a rule may offer (and the one it offers, if no longer sold); the
    catalogue is open to every user."""
    products = list(Product.objects.filter(active=True).order_by("name")[:1000])
    if current is not None and all(p.pk != current.pk for p in products):
        products.append(current)
    return products
