"""Marketing demo data: the greeting rules turned on, founding dates of some companies (their
anniversaries), and the consent to greetings by e-mail of most contacts, recorded as a paper form
at a trade fair, so that Marketing -> Greetings shows the next month's greetings."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from accord.core.demo_phrases import say
from accord.core.demos import DemoContext
from accord.core.models import CustomFieldDefinition, CustomFieldType
from accord.marketing.greeting_texts import ensure_default_rules
from accord.marketing.models import Consent, ConsentEvent, GreetingRule
from accord.marketing.selectors.greetings import founded_field
from accord.people.models import Company, Contact
from accord.people.selectors import customer_languages

CONSENT_TEXT = "I agree to receive birthday, name-day and holiday greetings by e-mail."


def generate(ctx: DemoContext) -> None:
    # A generator of its own: the other apps' demos draw what they always drew from ``ctx.rng``.
    rng = random.Random(f"marketing:{ctx.seed}")
    ensure_default_rules()
    GreetingRule.objects.update(enabled=True)

    CustomFieldDefinition.objects.get_or_create(
        entity="people.company",
        key=founded_field(),
        defaults={"label": "Founded", "field_type": CustomFieldType.DATE, "position": 10},
    )
    today = timezone.localdate()
    changed = []
    for company in Company.objects.order_by("id").only("id", "custom"):
        if rng.random() < 0.3:
            founded = datetime.date(rng.randint(1990, today.year - 1), rng.randint(1, 12), rng.randint(1, 28))
            company.custom = {**company.custom, founded_field(): founded.isoformat()}
            changed.append(company)
    Company.objects.bulk_update(changed, ["custom"], batch_size=500)

    now = timezone.now()
    consents = []
    events = []
    reachable = list(Contact.objects.exclude(primary_email="").order_by("id").only("id", "preferred_language"))
    # The words each person signed, in the language they were asked in (their own).
    spoken = customer_languages(reachable)
    for contact_id in [contact.pk for contact in reachable]:
        if rng.random() >= 0.7:
            continue
        text = say(CONSENT_TEXT, spoken.get(contact_id, "en"))
        consent = Consent(
            contact_id=contact_id,
            channel="email",
            purpose="greetings",
            state="granted",
            given_at=now,
            method="paper",
            text=text,
            source="Trade fair",
        )
        consents.append(consent)
        events.append(
            ConsentEvent(
                consent=consent,
                contact_id=contact_id,
                channel="email",
                purpose="greetings",
                action="granted",
                state="granted",
                at=now,
                method="paper",
                text=text,
                source="Trade fair",
            )
        )
    Consent.objects.bulk_create(consents, batch_size=1000, ignore_conflicts=True)
    ConsentEvent.objects.bulk_create(events, batch_size=1000)
    ctx.log(
        f"  marketing: {GreetingRule.objects.count()} greeting rules on, {len(changed)} founding dates, "
        f"{len(consents)} consents to greetings"
    )

    from accord.marketing import demo_segments

    demo_segments.generate(ctx)

    from accord.marketing import demo_campaigns

    demo_campaigns.generate(ctx)

    from accord.marketing.demo_offers import generate_offers

    generate_offers(ctx)

    from accord.marketing import demo_journeys

    demo_journeys.generate(ctx)

    from accord.marketing import demo_nps

    demo_nps.generate(ctx)
