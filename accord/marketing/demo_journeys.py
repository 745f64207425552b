"""Demo data of journeys: the marketer's welcome for new customers (an e-mail, three days' wait, a
branch on the click, a task for the owner, a tag), a thank-you after a won deal and birthday wishes
by SMS, started and run at fixed moments of the past days, so that Marketing -> Journeys shows
who was enrolled, who is waiting, and how many opened and clicked.

Nothing is mailed: the demo marks the journeys' messages as sent itself. The texts are written in
English here; ``ctx.say`` gives them in the marketer's language."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from accord.core.demos import DemoContext

WELCOME = {
    "name": "Welcome new customers",
    "segment": "New customers",
    "subject": "Welcome, {{ first_name }}",
    "body": "Thank you for choosing us. Here is how to get the most out of your first weeks.",
    "button": "Read the guide",
    "task": "Call {{ full_name }}: they read the welcome guide",
    "tag": "Welcomed",
}
THANKS = {
    "name": "Thank you after a won deal",
    "subject": "Thank you for your order, {{ first_name }}",
    "body": "It was a pleasure to work with you. We will be in touch about the delivery.",
    "task": "Ask {{ full_name }} for a review",
}
BIRTHDAY = {
    "name": "Birthday wishes",
    "text": "Happy birthday, {{ first_name }}! All the best from all of us.",
    "tag": "Birthday greeted",
}
GUIDE_URL = "https://www.example.com/welcome"


def phrases() -> set[str]:
    """Every phrase the journeys' demo writes."""
    return {text for words in (WELCOME, THANKS, BIRTHDAY) for text in words.values()}


def _mark_sent(at: datetime.datetime) -> None:
    from accord.messaging.models import Message

    Message.objects.filter(kind="journey", state="queued").update(state="sent", sent_at=at, next_attempt_at=None)


def generate(ctx: DemoContext) -> None:
    from accord.marketing.models import ConsentPurpose, Journey, StepRun
    from accord.marketing.services import Proof, give, journeys
    from accord.marketing.services.segments import add_members, create_segment
    from accord.sales.models import Deal, DealStatus

    rng = random.Random(f"marketing-journeys:{ctx.seed}")
    users: dict[str, Any] = ctx.data.get("users", {})
    marketer = users.get("marketer") or users.get("admin")
    contacts = [c for c in ctx.data.get("contacts", []) if c.primary_email]
    if marketer is None or not contacts:
        return

    def say(text: str) -> str:
        return ctx.say(text, marketer)

    now = timezone.now().replace(second=0, microsecond=0)
    started = now - datetime.timedelta(days=10)
    consent = Proof(method="form", text="I want offers and news.", source="Demo: customer portal sign-up")

    # --- welcome: customers put on the list ten days ago and one day ago ---
    chosen = rng.sample(contacts, min(len(contacts), ctx.count(120)))
    for contact in chosen:
        if rng.random() < 0.85:
            give(actor=marketer, contact=contact, channel="email", purpose=ConsentPurpose.OFFERS, proof=consent)
    early, late = chosen[: len(chosen) * 3 // 4], chosen[len(chosen) * 3 // 4 :]
    segment = create_segment(actor=marketer, data={"name": say(WELCOME["segment"]), "kind": "static"})
    welcome = journeys.create_journey(
        actor=marketer,
        data={"name": say(WELCOME["name"]), "trigger": "segment_joined", "segment": segment, "purpose": "offers"},
    )
    email = journeys.add_step(
        actor=marketer,
        journey=welcome,
        kind="email",
        config={
            "subject": say(WELCOME["subject"]),
            "body": say(WELCOME["body"]),
            "button_text": say(WELCOME["button"]),
            "button_url": GUIDE_URL,
        },
    )
    journeys.add_step(actor=marketer, journey=welcome, kind="wait", config={"days": 3})
    branch = journeys.add_step(
        actor=marketer, journey=welcome, kind="branch", config={"condition": "clicked", "step": email.pk}
    )
    journeys.add_step(
        actor=marketer, journey=welcome, kind="task", config={"title": say(WELCOME["task"]), "due_days": 2}
    )
    tag = journeys.add_step(actor=marketer, journey=welcome, kind="tag", config={"tag": say(WELCOME["tag"])})
    journeys.update_step(
        actor=marketer,
        step=branch,
        config={"condition": "clicked", "step": email.pk, "otherwise": tag.pk},
    )
    journeys.activate(actor=marketer, journey=welcome)
    Journey.objects.filter(pk=welcome.pk).update(activated_at=started)
    add_members(actor=marketer, segment=segment, contacts=early)
    journeys.sweep_segments(now=started)
    journeys.advance(now=started)
    _mark_sent(started)
    # Opens and clicks in the days after the e-mail, before the branch asks about them.
    # The first reader clicks whatever the draw: a small demo shows both answers of the branch.
    for i, run in enumerate(StepRun.objects.filter(step=email, outcome="sent").order_by("id")):
        roll = rng.random()
        if i == 0 or roll < 0.2:
            journeys.record_click(journeys.click_token(run.pk, 0))
        elif roll < 0.55:
            journeys.record_open(journeys.open_token(run.pk))
    for run in StepRun.objects.filter(step=email, opened_at__isnull=False).order_by("id"):
        opened = started + datetime.timedelta(minutes=rng.randint(5, 48 * 60))
        clicked = opened + datetime.timedelta(minutes=rng.randint(1, 30)) if run.clicked_at else None
        StepRun.objects.filter(pk=run.pk).update(opened_at=opened, clicked_at=clicked)
    journeys.advance(now=started + datetime.timedelta(days=3, minutes=1))
    yesterday = now - datetime.timedelta(days=1)
    add_members(actor=marketer, segment=segment, contacts=late)
    journeys.sweep_segments(now=yesterday)
    journeys.advance(now=yesterday)  # their e-mail went out; they wait for the branch
    _mark_sent(yesterday)

    # --- thank you: the contacts of the latest won deals ---
    thanks = journeys.create_journey(
        actor=marketer, data={"name": say(THANKS["name"]), "trigger": "deal_won", "purpose": "offers"}
    )
    journeys.add_step(
        actor=marketer,
        journey=thanks,
        kind="email",
        config={"subject": say(THANKS["subject"]), "body": say(THANKS["body"])},
    )
    journeys.add_step(actor=marketer, journey=thanks, kind="wait", config={"days": 14})
    journeys.add_step(actor=marketer, journey=thanks, kind="task", config={"title": say(THANKS["task"]), "due_days": 3})
    journeys.activate(actor=marketer, journey=thanks)
    won = 0
    for deal in (
        Deal.objects.filter(status=DealStatus.WON)
        .order_by("-closed_at", "id")
        .prefetch_related("contacts")[: ctx.count(30)]
    ):
        ids = [c.pk for c in deal.contacts.all()]
        if ids:
            won += journeys.enroll(trigger="deal_won", contact_ids=ids, key=f"deal:{deal.pk}")
    journeys.advance(now=timezone.now())
    _mark_sent(now)

    # --- birthday wishes by SMS: the birthdays of the last two weeks ---
    birthday = journeys.create_journey(
        actor=marketer, data={"name": say(BIRTHDAY["name"]), "trigger": "birthday", "purpose": "greetings"}
    )
    journeys.add_step(actor=marketer, journey=birthday, kind="sms", config={"text": say(BIRTHDAY["text"])})
    journeys.add_step(actor=marketer, journey=birthday, kind="tag", config={"tag": say(BIRTHDAY["tag"])})
    journeys.activate(actor=marketer, journey=birthday)
    phones = [c for c in ctx.data.get("contacts", []) if c.primary_phone and c.birthday]
    for contact in phones:
        if rng.random() < 0.6:
            give(actor=marketer, contact=contact, channel="sms", purpose=ConsentPurpose.GREETINGS, proof=consent)
    born = 0
    for days in range(14, -1, -1):
        noon = (now - datetime.timedelta(days=days)).replace(hour=12, minute=0)
        born += journeys.sweep_birthdays(now=noon)
        journeys.advance(now=noon)
        _mark_sent(noon)
    ctx.log(f"  journeys: 3 running, {len(chosen)} welcomed, {won} thanked after a won deal, {born} birthday wishes")
