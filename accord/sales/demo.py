"""Sales demo data: a product catalogue with a reseller price list, lead scoring rules, a web form,
automation rules, a second pipeline, leads in every state and deals with their lines and history.
Deal names, next steps and follow-ups are in the owner's language, and so are leads' messages."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q
from django.utils import timezone

from accord.activities.models import Interaction
from accord.core import search
from accord.core.demos import DemoContext
from accord.core.models import ExchangeRate
from accord.people.models import Company, Contact, Tag
from accord.sales.defaults import ensure_defaults
from accord.sales.models import (
    AmountSource,
    AutomationRule,
    AutomationRun,
    Deal,
    DealContact,
    DealLine,
    DealStageChange,
    Lead,
    LostReason,
    Pipeline,
    PriceList,
    PriceListItem,
    Product,
    ProductPrice,
    Quote,
    ScoringRule,
    SellerDetails,
    Stage,
    WebForm,
)
from accord.sales.services.leads import lead_search_text, score

D = decimal.Decimal

# sku, name, unit, PLN price, unit cost (PLN), VAT rate, category
PRODUCTS = [
    ("CRM-STD", "Accord subscription, Standard (per user, year)", "user", "1200.00", "240.00", "23", "Software"),
    ("CRM-PRO", "Accord subscription, Professional (per user, year)", "user", "2400.00", "420.00", "23", "Software"),
    ("CRM-ENT", "Accord subscription, Enterprise (per user, year)", "user", "4200.00", "700.00", "23", "Software"),
    ("IMPL-S", "Implementation package S", "pcs", "8000.00", "5200.00", "23", "Services"),
    ("IMPL-M", "Implementation package M", "pcs", "24000.00", "15500.00", "23", "Services"),
    ("IMPL-L", "Implementation package L", "pcs", "60000.00", "41000.00", "23", "Services"),
    ("CONS-H", "Consulting", "h", "250.00", "140.00", "23", "Consulting"),
    ("TRAIN-D", "On-site training day", "day", "3500.00", "1800.00", "23", "Training"),
    ("TRAIN-E", "E-learning course (per seat)", "seat", "300.00", "40.00", "23", "Training"),
    ("SUP-GOLD", "Gold support plan (year)", "pcs", "9000.00", "3000.00", "23", "Support plans"),
    ("SUP-SILV", "Silver support plan (year)", "pcs", "4500.00", "1500.00", "23", "Support plans"),
    ("HW-TAB", "Field sales tablet", "pcs", "2100.00", "1650.00", "23", "Hardware"),
    ("HW-HEAD", "Call-center headset", "pcs", "420.00", "260.00", "23", "Hardware"),
    ("HW-PHONE", "Desk IP phone", "pcs", "690.00", "480.00", "23", "Hardware"),
    ("CLOUD-STO", "Extra cloud storage, 100 GB (year)", "pcs", "480.00", "90.00", "23", "Cloud"),
    ("BOOK-GUIDE", "Printed user guide", "pcs", "89.00", "30.00", "5", "Training"),
    ("INT-ECOM", "E-commerce connector (year)", "pcs", "3600.00", "600.00", "23", "Software"),
    ("INT-ACC", "Accounting connector (year)", "pcs", "3000.00", "500.00", "23", "Software"),
    ("MIGR", "Data migration", "pcs", "5000.00", "2800.00", "23", "Services"),
    ("WS-SALES", "Sales process workshop", "day", "4800.00", "2200.00", "8", "Consulting"),
]
EUR_PER_PLN = D("0.2326")  # 1 PLN in EUR, for the EUR price column
RATES = {"EUR": D("4.30"), "USD": D("3.95"), "GBP": D("5.05")}  # PLN per unit, for reports in PLN

DEAL_NAMES = [
    "CRM roll-out",
    "Call-center seats",
    "Support renewal",
    "Field sales tablets",
    "Implementation",
    "Training programme",
    "E-commerce integration",
    "Upgrade to Professional",
    "New branch office",
    "Data migration",
]
NEXT_STEPS = [
    "Send the proposal",
    "Demo for the board",
    "Call the CFO about budget",
    "Agree the implementation plan",
    "Wait for the signed order",
    "Technical workshop",
]
LEAD_MESSAGES = [
    "We need a CRM for 25 sales reps, please send an offer.",
    "Interested in the call-center module and headsets.",
    "Do you have a connector for our accounting system?",
    "Please call me about a demo next week.",
    "Looking for training for our new team.",
    "",
]
CURRENCY_BY_COUNTRY = {"PL": "PLN", "LT": "EUR", "RO": "EUR", "RU": "EUR", "GB": "GBP"}


# The selling company the demo keeps in its Sales settings and prints on its quotes (the
# environment's ACCORD_SELLER_* take precedence when they name one).
DEMO_SELLER = {
    "name": "Accord Demo Sp. z o.o.",
    "address": "ul. Marszałkowska 104/122\n00-017 Warszawa",
    "tax_id": "PL5252248481",
    "email": "sprzedaz@accord-demo.example",
    "phone": "+48 22 123 45 67",
    "bank_account": "PL61 1090 1014 0000 0712 1981 2874",
}


def generate(ctx: DemoContext) -> None:
    rng = ctx.rng
    users: dict[str, Any] = ctx.data["users"]
    contacts: list[Contact] = ctx.data["contacts"]
    primary_company = {link.contact.pk: link.company for link in ctx.data["links"]}
    now = timezone.now()
    today = timezone.localdate()
    ensure_defaults()

    for currency, rate in RATES.items():
        for days_ago in (0, 30, 60, 90, 180, 365):
            ExchangeRate.objects.get_or_create(
                currency=currency, day=today - datetime.timedelta(days=days_ago), defaults={"rate": rate}
            )

    # --- catalogue and a reseller price list ----------------------------------------------------
    products: list[Product] = []
    prices: list[ProductPrice] = []
    for sku, name, unit, price, cost, vat, category in PRODUCTS:
        product = Product(
            sku=sku,
            name=name,
            unit=unit,
            unit_cost=D(cost),
            cost_currency="PLN",
            vat_rate=D(vat),
            category=category,
            active=sku != "HW-PHONE",
        )
        products.append(product)
        prices.append(ProductPrice(product=product, currency="PLN", price=D(price)))
        prices.append(ProductPrice(product=product, currency="EUR", price=(D(price) * EUR_PER_PLN).quantize(D("1"))))
    Product.objects.bulk_create(products)
    ProductPrice.objects.bulk_create(prices)
    price_of = {(p.product.sku, p.currency): p.price for p in prices}
    reseller = Tag.objects.filter(name="Reseller").first()
    if reseller is not None:
        price_list = PriceList.objects.create(name="Resellers (PLN)", currency="PLN", tag=reseller, priority=10)
        PriceListItem.objects.bulk_create(
            PriceListItem(
                price_list=price_list,
                product=p,
                price=(price_of[(p.sku, "PLN")] * D("0.8")).quantize(D("0.01")),
            )
            for p in products
            if p.category in ("Software", "Hardware")
        )
    ctx.log(f"  {len(products)} products")

    # --- lead scoring, a web form, automation --------------------------------------------------
    for field, value, points in [
        ("source", "referral", 30),
        ("source", "partner", 20),
        ("source", "website", 10),
        ("has_phone", "", 10),
        ("has_company", "", 15),
        ("job_title", "director", 20),
        ("job_title", "prezes", 20),
        ("email_domain", "gmail.com", -10),
        ("message", "offer", 15),
    ]:
        ScoringRule.objects.create(field=field, value=value, points=points)
    rules = list(ScoringRule.objects.filter(active=True))
    anna = users["anna"]
    web_form = WebForm.objects.create(
        name="Website: request a demo",
        consent_text="I agree to be contacted about Accord products. I can withdraw this consent at any time.",
        success_message="Thank you! We will get back to you within one working day.",
        owner=anna,
        team_id=anna.primary_team_id,
    )

    default = Pipeline.objects.get(is_default=True)
    stages = {s.name: s for s in Stage.objects.filter(pipeline=default)}
    AutomationRule.objects.create(
        name="Proposal: send it within two days",
        trigger="stage_entered",
        pipeline=default,
        stage=stages["Proposal"],
        action="create_task",
        task_title="Send the proposal",
        due_in_days=2,
    )
    idle_rule = AutomationRule.objects.create(
        name="Remind the owner of deals idle for 14 days",
        trigger="idle",
        idle_days=14,
        action="notify_owner",
        task_title="No interaction for two weeks: time to follow up",
    )
    renewals = Pipeline.objects.create(name="Renewals", position=1)
    for position, (name, probability, kind) in enumerate(
        [("Renewal due", 60, "open"), ("Offer sent", 80, "open"), ("Renewed", 100, "won"), ("Churned", 0, "lost")]
    ):
        Stage.objects.create(pipeline=renewals, name=name, position=position, probability=probability, kind=kind)

    # --- leads --------------------------------------------------------------------------------
    sources = ["website", "website", "campaign", "social", "phone", "email", "chat", "visit", "referral", "partner"]
    statuses = ["new", "new", "new", "contacted", "contacted", "qualified", "unqualified"]
    reps = [users[n] for n in ("anna", "piotr", "jonas", "ioana", "olga")]
    leads: list[Lead] = []
    for _ in range(ctx.count(400)):
        locale = ctx.locale()
        faker = ctx.fakers[locale]
        owner = rng.choice(reps)
        source = rng.choice(sources)
        first, last = faker.first_name(), faker.last_name()
        created = now - datetime.timedelta(minutes=rng.randint(30, 120 * 24 * 60))
        lead = Lead(
            first_name=first,
            last_name=last,
            company_name=faker.company() if rng.random() < 0.75 else "",
            job_title=rng.choice(["", "Sales director", "CEO", "Office manager", "IT manager", "Prezes zarządu"]),
            email=f"{first.lower()}.{last.lower()}.{rng.randint(1, 999)}@example.com".replace(" ", ""),
            phone=f"+48{rng.randint(500000000, 899999999)}" if rng.random() < 0.6 else "",
            source=source,
            status=rng.choice(statuses),
            message=ctx.say(rng.choice(LEAD_MESSAGES), owner),
            web_form=web_form if source == "website" else None,
            owner=owner,
            team_id=owner.primary_team_id,
            territory_id=min(owner.territory_ids, default=None),
            created_at=created,
            updated_at=created,
        )
        if lead.web_form is not None:
            lead.consent_text = web_form.consent_text
            lead.consent_given_at = created
        lead.score = score(lead, rules)
        lead.search_text = lead_search_text(lead)
        leads.append(lead)
    Lead.objects.bulk_create(leads, batch_size=1000)
    Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(updated_at=F("created_at"))  # not "just now"
    ctx.log(f"  {len(leads)} leads")

    # --- deals with lines, contacts and stage history ------------------------------------------
    reasons = list(LostReason.objects.all())
    open_stages = [s for s in stages.values() if s.kind == "open"]
    open_stages.sort(key=lambda s: s.position)
    won, lost = stages["Won"], stages["Lost"]
    active_products = [p for p in products if p.active]
    deals: list[Deal] = []
    lines: list[DealLine] = []
    links: list[DealContact] = []
    changes: list[DealStageChange] = []
    with_company = [c for c in contacts if c.pk in primary_company]
    for _ in range(ctx.count(900)):
        contact = rng.choice(with_company or contacts)
        company = primary_company.get(contact.pk)
        country = company.country if company is not None else "PL"
        currency = CURRENCY_BY_COUNTRY.get(country, "EUR")
        price_currency = "PLN" if currency == "PLN" else "EUR"
        created = now - datetime.timedelta(days=rng.randint(1, 540), minutes=rng.randint(0, 1440))
        outcome = rng.choices(["open", "won", "lost"], weights=[45, 30, 25])[0]
        if created > now - datetime.timedelta(days=20):
            outcome = "open"
        # How far along the open stages the deal went.
        reached = rng.randint(0, len(open_stages) - 1)
        path = open_stages[: reached + 1]
        final = {"open": path[-1], "won": won, "lost": lost}[outcome]
        deal = Deal(
            name=f"{company.name if company else contact.last_name}: {ctx.say(rng.choice(DEAL_NAMES), contact.owner)}",
            pipeline=default,
            stage=final,
            status=outcome,
            currency=currency,
            probability=final.probability,
            company=company,
            next_step=ctx.say(rng.choice(NEXT_STEPS), contact.owner) if outcome == "open" else "",
            owner=contact.owner,
            team_id=contact.team_id,
            territory_id=contact.territory_id,
            created_at=created,
            position=float(len(deals)),
            lost_reason=rng.choice(reasons) if outcome == "lost" and reasons else None,
        )
        amount = D("0")
        for position, product in enumerate(rng.sample(active_products, k=rng.randint(1, 4))):
            line = DealLine(
                deal=deal,
                product=product,
                description=product.name,
                quantity=D(rng.choice([1, 1, 2, 5, 10, 20, 50])),
                unit=product.unit,
                unit_price=price_of[(product.sku, price_currency)],
                discount_percent=D(rng.choice([0, 0, 0, 5, 10, 15])),
                vat_rate=product.vat_rate,
                position=position,
            )
            lines.append(line)
            amount += line.net
        deal.amount = amount
        deal.amount_source = AmountSource.LINES
        # History: entered the first stage at creation, then one move per later stage.
        moments = sorted(
            created + datetime.timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 23))
            for _ in range(len(path) - 1 + (outcome != "open"))
        )
        moments = [m if m < now else now - datetime.timedelta(hours=1) for m in moments]
        previous = None
        for stage, at in zip(path + ([final] if outcome != "open" else []), [created, *moments], strict=True):
            changes.append(
                DealStageChange(
                    deal=deal,
                    from_stage=previous,
                    to_stage=stage,
                    changed_by=deal.owner,
                    changed_at=at,
                    amount=amount,
                    currency=currency,
                    probability=stage.probability,
                )
            )
            previous = stage
        last_move = changes[-1].changed_at
        deal.updated_at = last_move
        deal.last_activity_at = last_move
        if outcome == "open":
            deal.expected_close = today + datetime.timedelta(days=rng.randint(-10, 150))
        else:
            deal.closed_at = last_move
            deal.expected_close = last_move.date()
        deal.search_text = search.document(
            deal.name, company.name if company else "", f"{contact.first_name} {contact.last_name}"
        )
        deals.append(deal)
        role = ctx.say(rng.choice(["Decision maker", "Buyer", "User", ""]), deal.owner)
        links.append(DealContact(deal=deal, contact=contact, role=role))
    Deal.objects.bulk_create(deals, batch_size=1000)
    DealLine.objects.bulk_create(lines, batch_size=2000)
    DealContact.objects.bulk_create(links, batch_size=2000)
    DealStageChange.objects.bulk_create(changes, batch_size=2000)
    Deal.objects.filter(pk__in=[deal.pk for deal in deals]).update(updated_at=F("last_activity_at"))
    _follow_up_open_deals(ctx, [d for d in deals if d.status == "open"], links, idle_rule, now)
    ctx.data["deals"] = deals
    ctx.log(f"  {len(deals)} deals, {len(lines)} deal lines")

    # --- quotes for deals in Proposal and Negotiation; those in Negotiation were sent -----------
    from accord.sales.services import admin_settings
    from accord.sales.services import quotes as quote_services

    if not SellerDetails.objects.exists():
        configured = quote_services.seller_details()
        admin_settings.save_seller_details(actor=None, data=configured if configured["name"] else DEMO_SELLER)
    quoted = [d for d in deals if d.status == "open" and d.stage.name in ("Proposal", "Negotiation")]
    sent_to = {link.deal.pk: link.contact for link in links}
    made = 0
    for deal in quoted[: ctx.count(80)]:
        quote = quote_services.create_from_deal(actor=deal.owner, deal=deal)
        made += 1
        recipient = sent_to.get(deal.pk)
        if deal.stage.name == "Negotiation" and recipient is not None and recipient.primary_email:
            Quote.objects.filter(pk=quote.pk).update(
                status="sent", sent_at=deal.updated_at, sent_to=recipient.primary_email
            )
    ctx.log(f"  {made} quotes")


FOLLOW_UPS = {
    "phone": ["Follow-up call about the offer", "Call about the budget", "Pricing questions"],
    "email": ["Re: our proposal", "Revised offer sent", "Answers to your questions"],
    "meeting": ["Meeting with the buyer", "Product demo"],
}


def _follow_up_open_deals(
    ctx: DemoContext, deals: list[Deal], links: list[DealContact], idle_rule: AutomationRule, now: datetime.datetime
) -> None:
    """Most open deals were worked on in the last two weeks (a call or an e-mail logged on the
    deal); a few went quiet lately, and the idle-deal rule reminds their owners on the first run;
    the rest have been quiet for longer, and the rule reminded their owners when they went quiet.

    Without this every open deal would be idle on the first run of the worker, and the rule would
    send each sales rep about a hundred notifications in its first minute."""
    rng = ctx.rng
    contact_of = {link.deal.pk: link.contact for link in links}
    deal_type = ContentType.objects.get_for_model(Deal)
    idle_days = idle_rule.idle_days or 14
    interactions: list[Interaction] = []
    runs: list[tuple[Deal, datetime.datetime]] = []
    for deal in deals:
        roll = rng.random()
        if roll < 0.75:
            quiet = datetime.timedelta(days=rng.uniform(0.2, idle_days - 1))
        elif roll < 0.78:
            quiet = datetime.timedelta(days=rng.uniform(idle_days + 0.1, idle_days + 3))
        else:
            quiet = datetime.timedelta(days=rng.uniform(idle_days + 4, 120))
        last = now - quiet
        moved = deal.last_activity_at or deal.created_at  # its last stage move
        if last > moved:
            channel = rng.choice(list(FOLLOW_UPS))
            contact = contact_of.get(deal.pk)
            interactions.append(
                Interaction(
                    channel=channel,
                    direction="out",
                    occurred_at=last,
                    created_at=last,
                    subject=ctx.say(rng.choice(FOLLOW_UPS[channel]), deal.owner),
                    author=deal.owner,
                    contact=contact,
                    company=deal.company,
                    related_type=deal_type,
                    related_id=deal.pk,
                )
            )
            deal.last_activity_at = last
        else:
            last = moved
        if last <= now - datetime.timedelta(days=idle_days + 3):
            runs.append((deal, last))
    Interaction.objects.bulk_create(interactions, batch_size=2000)
    Deal.objects.bulk_update(deals, ["last_activity_at"], batch_size=1000)
    for interaction in interactions:
        for model, party in ((Contact, interaction.contact), (Company, interaction.company)):
            if party is not None:
                model.objects.filter(pk=party.pk).filter(
                    Q(last_interaction_at__lt=interaction.occurred_at) | Q(last_interaction_at__isnull=True)
                ).update(last_interaction_at=interaction.occurred_at)
    # What the rule did when each of the long-quiet deals went idle: it fired once for that quiet
    # period, so it does not fire again until someone logs an interaction and the deal goes quiet anew.
    for deal, last in runs:
        run = AutomationRun.objects.create(
            rule=idle_rule, deal=deal, occasion=f"idle:{timezone.localtime(last).date().isoformat()}"
        )
        AutomationRun.objects.filter(pk=run.pk).update(at=last + datetime.timedelta(days=idle_days))
    ctx.log(f"  {len(interactions)} follow-ups on open deals")
