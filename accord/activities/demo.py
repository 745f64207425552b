"""Two years of interactions on every channel, and tasks due around today, in the language of
the user who wrote or owns them."""

from __future__ import annotations

import datetime

from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from accord.activities.models import CHANNEL_FIELDS, Interaction, Task, TaskPriority, TaskStatus
from accord.core.demo_phrases import BODIES
from accord.core.demos import DemoContext
from accord.people.models import Company, Contact

CHANNELS = {
    "phone": 35,
    "email": 30,
    "meeting": 9,
    "note": 9,
    "visit": 5,
    "chat": 4,
    "sms": 3,
    "letter": 1.5,
    "web_form": 1.5,
    "fax": 0.5,
    "social": 1.5,
}
SUBJECTS = {
    "phone": [
        "Follow-up call",
        "Pricing questions",
        "Intro call",
        "Renewal discussion",
        "Delivery status",
        "Complaint about invoice",
    ],
    "email": [
        "Offer sent",
        "Re: quotation",
        "Product catalogue",
        "Meeting summary",
        "Payment reminder",
        "Thank you for the order",
    ],
    "meeting": ["Quarterly review", "Product demo", "Contract negotiation", "Kick-off meeting"],
    "visit": ["Visit at the customer's office", "Trade fair stand visit", "Site inspection"],
    "note": [
        "Prefers calls in the morning",
        "Budget approved for next quarter",
        "Decision maker is the CFO",
        "Asked for a discount",
    ],
    "chat": ["Website chat: shipping question", "Chat about opening hours"],
    "sms": ["Appointment confirmation", "Delivery notice"],
    "letter": ["Contract sent by post", "Annual greetings"],
    "web_form": ["Contact form: request for quote", "Newsletter sign-up"],
    "fax": ["Signed order form"],
    "social": ["LinkedIn message", "Comment on our post"],
}
OUTCOMES = ["connected", "connected", "connected", "no_answer", "voicemail", "busy", "call_back"]
TASKS = [
    "Call back about the offer",
    "Send the quotation",
    "Prepare contract draft",
    "Check payment status",
    "Schedule a demo",
    "Send product catalogue",
    "Confirm delivery date",
    "Ask for feedback",
    "Update contact details",
    "Invite to the trade fair",
]


def generate(ctx: DemoContext) -> None:
    rng = ctx.rng
    users = ctx.data["users"]
    contacts: list[Contact] = ctx.data["contacts"]
    primary_company = {link.contact.pk: link.company for link in ctx.data["links"]}
    now = timezone.now()
    channels, weights = list(CHANNELS), list(CHANNELS.values())
    rows: list[Interaction] = []
    for contact in contacts:
        for _ in range(rng.choice([0, 1, 2, 3, 4, 4, 5, 6, 8, 10])):
            channel = rng.choices(channels, weights=weights)[0]
            when = now - datetime.timedelta(seconds=rng.randint(600, 730 * 86400))
            rng.choice(list(ctx.fakers))  # drawn as when the text was Faker's, so a seed keeps its demo
            author = contact.owner if rng.random() < 0.85 else rng.choice(list(users.values()))
            fits = CHANNEL_FIELDS[channel]
            rows.append(
                Interaction(
                    channel=channel,
                    direction=rng.choice(["in", "out", "out"]) if "direction" in fits else "",
                    occurred_at=when,
                    created_at=when,
                    duration_seconds=(rng.randint(40, 1800) if channel == "phone" else rng.randint(15, 120) * 60)
                    if "duration_seconds" in fits
                    else None,
                    outcome=rng.choice(OUTCOMES) if "outcome" in fits else "",
                    subject=ctx.say(rng.choice(SUBJECTS[channel]), author),
                    # As above, the length of Faker's sentence is still drawn (randint); the text
                    # is one of the author's sentences.
                    body=ctx.say(ctx.words.choice(BODIES), author) if rng.random() < 0.7 and rng.randint(6, 18) else "",
                    author=author,
                    contact=contact,
                    company=primary_company.get(contact.pk),
                )
            )
    Interaction.objects.bulk_create(rows, batch_size=2000)
    latest = (
        Interaction.objects.filter(contact=OuterRef("pk"))
        .order_by()
        .values("contact")
        .annotate(m=Max("occurred_at"))
        .values("m")
    )
    Contact.objects.update(last_interaction_at=Subquery(latest))
    latest_co = (
        Interaction.objects.filter(company=OuterRef("pk"))
        .order_by()
        .values("company")
        .annotate(m=Max("occurred_at"))
        .values("m")
    )
    Company.objects.update(last_interaction_at=Subquery(latest_co))
    ctx.log(f"  {len(rows)} interactions")

    tasks: list[Task] = []
    for username in ("anna", "piotr", "jonas", "ioana", "olga", "manager", "support"):
        user = users[username]
        mine = [c for c in contacts if c.owner_id == user.pk] or contacts
        plan = [(-5, 3), (-1, 2), (0, 4), (1, 3), (3, 3), (6, 2), (-40, 6)]  # (days from today, how many)
        for offset, count in plan:
            for _ in range(max(1, round(count * min(1.0, ctx.size * 2)))):
                contact = rng.choice(mine)
                due = (now + datetime.timedelta(days=offset)).replace(
                    hour=rng.choice([9, 10, 11, 13, 15, 16]),
                    minute=rng.choice([0, 15, 30, 45]),
                    second=0,
                    microsecond=0,
                )
                done = offset < -10
                remind_at = None
                if offset >= 0 and rng.random() < 0.5:
                    remind_at = due - datetime.timedelta(minutes=rng.choice([15, 30, 60, 120, 24 * 60]))
                tasks.append(
                    Task(
                        title=ctx.say(rng.choice(TASKS), user),
                        due_at=due,
                        remind_at=remind_at,
                        # A reminder whose time passed before the demo existed was sent back then:
                        # without this, they would all arrive in the first minute of `accord run`.
                        reminded_at=remind_at if remind_at is not None and remind_at <= now else None,
                        priority=rng.choice(
                            [TaskPriority.NORMAL, TaskPriority.NORMAL, TaskPriority.HIGH, TaskPriority.LOW]
                        ),
                        status=TaskStatus.DONE if done else TaskStatus.OPEN,
                        completed_at=due if done else None,
                        owner=user,
                        team_id=user.primary_team_id,
                        territory_id=contact.territory_id,
                        contact=contact,
                        company=primary_company.get(contact.pk),
                        created_by=user,
                        created_at=due - datetime.timedelta(days=rng.randint(1, 10)),
                    )
                )
    # Tasks on the rest of the customer base, spread over two years.
    for contact in rng.sample(contacts, k=min(len(contacts), ctx.count(1500))):
        due = now + datetime.timedelta(days=rng.randint(-700, 60))
        done = due < now - datetime.timedelta(days=3)
        tasks.append(
            Task(
                title=ctx.say(rng.choice(TASKS), contact.owner),
                due_at=due,
                status=TaskStatus.DONE if done else TaskStatus.OPEN,
                completed_at=due if done else None,
                owner=contact.owner,
                team_id=contact.team_id,
                territory_id=contact.territory_id,
                contact=contact,
                company=primary_company.get(contact.pk),
                created_by=contact.owner,
                created_at=due - datetime.timedelta(days=rng.randint(1, 20)),
            )
        )
    Task.objects.bulk_create(tasks, batch_size=2000)
    ctx.log(f"  {len(tasks)} tasks")
