"""A mixed customer base for the segment tests (the ``world`` fixture): contacts of two teams with companies, addresses,
tags, custom fields, interactions, deals, orders and invoices, some in and some out of every
rule's reach (times relative to now)."""

from __future__ import annotations

import datetime
import decimal
import itertools
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from accord.activities.models import Interaction
from accord.billing.models import Invoice, InvoiceLine, InvoiceSeries, Order, OrderLine
from accord.core.services import create_custom_field
from accord.people.models import Contact
from accord.sales.models import Deal, DealContact, Pipeline, Product, Stage

D = decimal.Decimal
_numbers = itertools.count(1)


@dataclass
class World:
    owner: Any
    outsider: Any
    admin: Any
    contacts: dict[str, Contact] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    pipelines: dict[str, Pipeline] = field(default_factory=dict)
    tags: dict[str, Any] = field(default_factory=dict)

    def ids(self, *names: str) -> set[Any]:
        return {self.contacts[n].pk for n in names}


def _ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _order(contact: Contact, product: Product, status: str, days: float, gross: str = "100") -> Order:
    order = Order.objects.create(
        number=f"ZAM/{next(_numbers)}",
        status=status,
        contact=contact,
        currency="PLN",
        customer_name=str(contact),
        gross_total=D(gross),
    )
    Order.objects.filter(pk=order.pk).update(created_at=_ago(days))
    OrderLine.objects.create(
        order=order,
        product=product,
        description=product.name,
        quantity=1,
        unit_price=D(gross),
        vat_rate="23",
        net=D(gross),
        vat=0,
        gross=D(gross),
    )
    return order


def _invoice(
    contact: Contact,
    product: Product,
    days: float,
    gross: str,
    *,
    order: Order | None = None,
    status: str = "issued",
    kind: str = "vat",
    currency: str = "PLN",
    base: str | None = None,
) -> Invoice:
    series = InvoiceSeries.objects.filter(kind="invoice").first()
    assert series is not None
    invoice = Invoice.objects.create(
        kind=kind,
        status=status,
        series=series,
        number=f"FV/{next(_numbers)}" if status != "draft" else "",
        order=order,
        contact=contact,
        currency=currency,
        issue_date=_ago(days).date(),
        buyer_name=str(contact),
        gross_total=D(gross),
        gross_total_base=D(base) if base is not None else None,
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        product=product,
        description=product.name,
        quantity=1,
        unit_price=D(gross),
        vat_rate="23",
        net=D(gross),
        vat=0,
        gross=D(gross),
    )
    return invoice


def build_world(owner: Any, outsider: Any, admin_user: Any, make_contact: Any, make_company: Any) -> World:
    w = World(owner=owner, outsider=outsider, admin=admin_user)
    create_custom_field(
        actor=None, entity="people.contact", label="Tier", key="tier", field_type="choice", choices=["gold", "silver"]
    )
    create_custom_field(actor=None, entity="people.contact", label="Score", key="score", field_type="number")
    create_custom_field(actor=None, entity="people.contact", label="Since", key="since", field_type="date")
    acme = make_company(owner, name="Acme", industry="Steel", size="10-49", country="PL")
    beta = make_company(owner, name="Beta", industry="IT", size="250-999", country="DE")
    gamma = make_company(outsider, name="Gamma", industry="steel", size="1-9", country="LT")
    c = w.contacts
    c["anna"] = make_contact(
        owner,
        first_name="Anna",
        last_name="Nowak",
        emails=[{"email": "anna@acme.pl"}],
        preferred_language="pl",
        source="web_form",
        classification="A",
        preferences=["Organic", "Kawa"],
        preferred_channel="email",
        birthday="1990-03-14",
        addresses=[{"city": "Warszawa", "country": "PL"}],
        companies=[{"company": acme, "is_primary": True}],
        tags=["VIP"],
        custom={"tier": "gold", "score": 7, "since": "2020-05-01"},
    )
    c["jan"] = make_contact(
        owner,
        first_name="Jan",
        last_name="Kowalski",
        emails=[{"email": "jan@gmail.com"}],
        preferred_language="en",
        source="import",
        preferred_channel="phone",
        birthday="1985-07-01",
        addresses=[{"city": "Kraków", "country": "PL"}],
        companies=[{"company": beta}],
        tags=["Newsletter"],
        preferences=["Organic food"],
        custom={"tier": "silver", "score": 3},
    )
    c["ewa"] = make_contact(
        owner,
        first_name="Ewa",
        last_name="Zielińska",
        emails=[{"email": "ewa@ACME.pl"}],
        preferred_language="ru",
        source="referral",
        birthday="1979-03-30",
        classification="B",
    )
    c["piotr"] = make_contact(
        outsider,
        first_name="Piotr",
        last_name="Wójcik",
        emails=[{"email": "piotr@acme.pl"}],
        preferred_language="pl",
        source="web_form",
        addresses=[{"city": "warszawa", "country": "PL"}],
        companies=[{"company": gamma}],
        tags=["VIP", "Newsletter"],
        custom={"score": 12, "since": "2024-01-10"},
    )
    c["olga"] = make_contact(
        outsider,
        first_name="Olga",
        last_name="Annanowa",
        emails=[{"email": "olga@mail.ru"}],
        preferred_language="ru",
        source="phone",
        preferred_channel="phone",
        addresses=[{"city": "Vilnius", "country": "LT"}],
    )
    Contact.objects.filter(pk=c["ewa"].pk).update(created_at=_ago(200))
    Contact.objects.filter(pk=c["olga"].pk).update(created_at=_ago(40))
    from accord.core.models import Tag

    w.tags = {t.name: t for t in Tag.objects.all()}

    # Interactions, and the last-interaction time the services keep in step with them.
    for name, channel, days in (
        ("anna", "phone", 10),
        ("jan", "email", 100),
        ("piotr", "phone", 3),
        ("olga", "email", 20),
    ):
        Interaction.objects.create(channel=channel, occurred_at=_ago(days), author=owner, contact=c[name], subject="x")
        Contact.objects.filter(pk=c[name].pk).update(last_interaction_at=_ago(days))

    # Deals: Anna an open one (default pipeline), Jan won 10 days ago, Olga lost in "Projects".
    default = Pipeline.objects.order_by("-is_default", "position").first()
    assert default is not None
    projects = Pipeline.objects.create(name="Projects")
    w.pipelines = {"default": default, "projects": projects}
    open_stage = Stage.objects.filter(pipeline=default, kind="open").first()
    won_stage = Stage.objects.filter(pipeline=default, kind="won").first()
    lost_stage = Stage.objects.create(pipeline=projects, name="Lost", kind="lost")
    for contact, pipeline, stage, status, closed in (
        (c["anna"], default, open_stage, "open", None),
        (c["jan"], default, won_stage, "won", _ago(10)),
        (c["olga"], projects, lost_stage, "lost", _ago(5)),
        (c["ewa"], default, won_stage, "won", _ago(200)),
    ):
        deal = Deal.objects.create(
            name=f"Deal {contact}",
            pipeline=pipeline,
            stage=stage,
            status=status,
            currency="PLN",
            closed_at=closed,
            owner=contact.owner,
            team_id=contact.team_id,
        )
        DealContact.objects.create(deal=deal, contact=contact)

    # Purchases.
    p1 = Product.objects.create(sku="P1", name="Steel rod")
    p2 = Product.objects.create(sku="P2", name="Training")
    w.products = {"p1": p1, "p2": p2}
    _order(c["anna"], p1, "confirmed", 5, "500")
    _invoice(c["anna"], p2, 20, "2000")  # no order: a sale of its own
    _order(c["jan"], p1, "draft", 2, "900")  # a draft sells nothing
    jan_order = _order(c["jan"], p2, "confirmed", 40, "4300")
    _invoice(c["jan"], p2, 10, "1000", order=jan_order, currency="EUR", base="4300")  # the order's invoice
    _order(c["ewa"], p1, "cancelled", 3, "100")
    _order(c["piotr"], p1, "fulfilled", 60, "300")
    _invoice(c["piotr"], p2, 5, "800")
    _invoice(c["piotr"], p2, 5, "-300", kind="credit_note")
    _invoice(c["olga"], p2, 3, "5000", status="draft")
    _invoice(c["olga"], p1, 3, "5000", kind="proforma")

    # Consent: Anna and Jan said yes to the newsletter by e-mail, but Jan's address bounced; Piotr
    # said yes to offers by SMS (and has no phone).
    from accord.marketing.services import consent

    paper = consent.Proof(method="paper", text="Newsletter form v1")
    consent.give(actor=None, contact=c["anna"], channel="email", purpose="newsletter", proof=paper)
    consent.give(actor=None, contact=c["jan"], channel="email", purpose="newsletter", proof=paper)
    consent.give(actor=None, contact=c["piotr"], channel="sms", purpose="offers", proof=paper)
    consent.suppress(channel="email", address="jan@gmail.com", reason="bounced")
    return w
