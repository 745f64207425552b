"""Service demo data: a working calendar with Polish holidays, SLA policies (urgent, key customers,
standard), three queues handing tickets out by hand, round robin and least load, canned responses,
and tickets of the last two weeks in every state: new, open, waiting for the customer, resolved,
closed, one merged into another, complaints linked to an invoice, some that missed their SLA.

Tickets are opened, answered and resolved through the tickets service at fixed moments of the
past, so the conversation, the timeline and the SLA figures are those a real desk would show.
Replies are queued in the outbox as the service queues them; the demo marks them sent. The
customers' and agents' words are the demo's phrases in the customer's owner's language."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from accord.core.demos import DemoContext
from accord.identity.models import User
from accord.people.models import Contact

QUESTIONS = [
    ("The printer does not print", "Since the update the printer only blinks red. We restarted it twice."),
    ("Cannot log in to the customer panel", "The password is refused although we reset it yesterday."),
    ("Copy of the invoice, please", "We lost the invoice for October; please send a copy."),
    ("Delivery has not arrived", "The order was to arrive on Monday and we still have nothing."),
    ("Wrong amount on the invoice", "The invoice shows a higher price than the accepted quote."),
    ("How do I add a new user?", "We hired two people; how do we give them access?"),
    ("The device makes a loud noise", "Since this morning the device hums loudly when it starts."),
    ("Change of the delivery address", "Please deliver the next orders to our new warehouse."),
]
REPLIES = [
    "Thank you for writing. Could you send a photo of the display?",
    "We have sent a new link; please try again and tell us if it works.",
    "The copy is attached to this message.",
    "We checked with the courier: the parcel will arrive tomorrow before noon.",
    "You are right; we will issue a correcting invoice today.",
]
ANSWERS = [
    "Thank you, it works now.",
    "Here is the photo you asked for.",
    "We still have the same problem.",
]
# What customers write in the satisfaction survey, with the score they give.
SURVEY_ANSWERS = [
    (5, "Fast and friendly help, thank you."),
    (5, "Clear explanation, everything works."),
    (3, "The problem is solved, but it took three days."),
    (2, "Nobody called me back as promised."),
    (4, ""),
]
NOTES = [
    "Second time this month; check the firmware version.",
    "Asked the warehouse to confirm the date.",
]
CANNED = [
    ("Greeting and thanks", "Hello {{ contact.first_name }}, thank you for writing about ticket {{ ticket.number }}."),
    ("Password reset", "Use the 'Forgot password' link on the sign-in page; the link is valid for one hour."),
    ("Invoice copy", "The copy of the invoice is attached."),
]
QUEUES = [
    ("Technical support", "support@example.com", "round_robin"),
    ("Billing questions", "billing@example.com", "manual"),
    ("Complaints", "complaints@example.com", "least_loaded"),
]


POLICY_NAMES = ["Urgent tickets", "Key customers", "Standard support"]
CHAT_CHANNEL = "Website chat"
CALENDAR_NAME = "Office hours (Poland)"


def phrases() -> set[str]:
    """Every English phrase the service demo writes into records (the demo's phrase bank has
    each in every language)."""
    found = {text for pair in QUESTIONS for text in pair} | set(REPLIES) | set(ANSWERS) | set(NOTES)
    found |= {text for _score, text in SURVEY_ANSWERS if text}
    found |= {text for pair in CANNED for text in pair} | {name for name, _email, _mode in QUEUES}
    return found | set(POLICY_NAMES) | {CALENDAR_NAME, CHAT_CHANNEL}


def _language(contact: Contact) -> str:
    return getattr(contact.owner, "language", "") or "en"


def generate(ctx: DemoContext) -> None:
    from accord.core.demo_phrases import say
    from accord.service.models import BusinessCalendar, CannedResponse, Queue, SlaPolicy, Ticket, TicketStatus
    from accord.service.services import sla, tickets

    rng = random.Random(f"service:{ctx.seed}")
    agents = list(User.objects.filter(username__in=["support", "admin"], is_active=True))
    manager = User.objects.filter(username="manager", is_active=True).first()
    support = next((u for u in agents if u.username == "support"), None)
    if support is None:
        return
    calendar, _created = BusinessCalendar.objects.get_or_create(
        name=say("Office hours (Poland)", support.language or "en"),
        defaults={
            "time_zone": "Europe/Warsaw",
            "country": "PL",
            "hours": [[["08:00", "16:00"]] for _d in range(5)] + [[], []],
            "is_default": True,
        },
    )
    SlaPolicy.objects.get_or_create(
        name=say("Urgent tickets", support.language or "en"),
        defaults={"position": 1, "priority": "urgent", "first_response_minutes": 60, "resolution_minutes": 480},
    )
    SlaPolicy.objects.get_or_create(
        name=say("Key customers", support.language or "en"),
        defaults={
            "position": 2,
            "customer_tag": "VIP",
            "calendar": calendar,
            "first_response_minutes": 120,
            "resolution_minutes": 960,
            "escalate_to": manager,
        },
    )
    SlaPolicy.objects.get_or_create(
        name=say("Standard support", support.language or "en"),
        defaults={"position": 9, "calendar": calendar, "first_response_minutes": 240, "resolution_minutes": 1920},
    )
    queues = []
    for index, (name, email, mode) in enumerate(QUEUES):
        queue, _created = Queue.objects.get_or_create(
            name=say(name, support.language or "en"),
            defaults={"email": email, "assignment": mode, "is_default": index == 0},
        )
        queue.agents.set(agents)
        queues.append(queue)
    for name, body in CANNED:
        CannedResponse.objects.get_or_create(
            name=say(name, support.language or "en"), defaults={"body": say(body, support.language or "en")}
        )

    contacts = list(Contact.objects.exclude(primary_email="").select_related("owner").order_by("id")[: ctx.count(400)])
    if not contacts:
        return
    now = timezone.now()
    made: list[Any] = []
    for index in range(max(24, ctx.count(80))):
        contact = rng.choice(contacts)
        language = _language(contact)
        subject, body = rng.choice(QUESTIONS)
        opened = now - datetime.timedelta(days=rng.randint(0, 13), hours=rng.randint(0, 9), minutes=rng.randint(0, 59))
        queue = queues[2] if "amount" in subject or "noise" in subject else rng.choice(queues[:2])
        ticket = tickets.create_ticket(
            actor=None,
            contact=contact,
            subject=say(subject, language),
            body=say(body, language),
            queue=queue,
            priority=rng.choice(["normal", "normal", "normal", "high", "low", "urgent"]),
            channel=rng.choice(["email", "email", "phone", "portal"]),
            is_complaint=queue is queues[2],
            external_id=f"demo:{ctx.seed}:{index}",
            now=opened,
        )
        made.append(ticket)
        fate = rng.random()
        if fate < 0.2:
            continue  # new, nobody has answered yet
        agent = ticket.assignee or support
        answered = opened + datetime.timedelta(minutes=rng.randint(20, 600))
        if answered >= now:
            continue
        if rng.random() < 0.3:
            tickets.reply(
                actor=agent, ticket=ticket, body=say(rng.choice(NOTES), language), internal=True, now=answered
            )
        status = TicketStatus.WAITING if fate < 0.55 else None
        tickets.reply(actor=agent, ticket=ticket, body=say(rng.choice(REPLIES), language), status=status, now=answered)
        if fate < 0.45:
            continue  # waiting for the customer
        came_back = answered + datetime.timedelta(hours=rng.randint(1, 30))
        if came_back >= now:
            continue
        if status is not None:
            tickets.add_customer_message(
                ticket=ticket, body=say(rng.choice(ANSWERS), language), channel="email", now=came_back
            )
        if fate < 0.65:
            continue  # open again, being worked on
        done = came_back + datetime.timedelta(hours=rng.randint(1, 20))
        if done >= now:
            continue
        final = TicketStatus.CLOSED if fate > 0.85 else TicketStatus.RESOLVED
        tickets.update_ticket(actor=agent, ticket=ticket, data={"status": final}, now=done)

    # One customer wrote twice about the same thing: the second ticket merged into the first.
    by_contact: dict[Any, list[Any]] = {}
    for ticket in made:
        ticket.refresh_from_db()
        if ticket.status in (TicketStatus.NEW, TicketStatus.OPEN):
            by_contact.setdefault(ticket.contact_id, []).append(ticket)
    for pair in by_contact.values():
        if len(pair) >= 2:
            tickets.merge_tickets(actor=support, ticket=pair[1], into=pair[0], now=now)
            break
    # Nothing is mailed: the replies count as sent when they were written.
    from accord.messaging.models import Message

    for message in Message.objects.filter(kind__in=("ticket_reply", "ticket_survey"), state="queued"):
        Message.objects.filter(pk=message.pk).update(state="sent", sent_at=message.created_at)
    surveys_answered = _answer_surveys(rng, now)
    from accord.service import demo_knowledge

    admin = User.objects.filter(username="admin", is_active=True).first() or support
    demo_knowledge.seed(actor=admin)
    _chat(support, queues[0], rng.choice(contacts), now)
    result = sla.check(now=now)
    _dealt_with_at_the_time(now)
    ctx.log(
        f"  service: {Ticket.objects.count()} tickets in {len(queues)} queues, "
        f"{result.breached} SLA breaches and {result.warned} warnings recorded, "
        f"{surveys_answered} satisfaction surveys answered"
    )


def _chat(agent: User, queue: Any, contact: Contact, now: datetime.datetime) -> None:
    """The website's chat widget and one chat of yesterday, answered and resolved, in the customer's
    owner's language: its transcript is on the customer's timeline."""
    from accord.core.demo_phrases import say
    from accord.service.models import ChatEnd
    from accord.service.services import chat

    language = _language(contact)
    channel = chat.create_channel(
        actor=None, name=say(CHAT_CHANNEL, agent.language or "en"), queue=queue, title=say(CHAT_CHANNEL, language)
    )
    started = now - datetime.timedelta(days=1, hours=2)
    subject, body = QUESTIONS[3]
    session = chat.start_chat(
        channel=channel,
        name=contact.full_name,
        email=contact.primary_email,
        question=f"{say(subject, language)}. {say(body, language)}",
        consent=True,
        now=started,
    )
    chat.accept_chat(actor=agent, session=session, now=started + datetime.timedelta(minutes=1))
    chat.send_agent_message(
        actor=agent, session=session, body=say(REPLIES[3], language), now=started + datetime.timedelta(minutes=3)
    )
    chat.send_visitor_message(
        session=session, body=say(ANSWERS[0], language), now=started + datetime.timedelta(minutes=4)
    )
    chat.end_chat(actor=agent, session=session, outcome=ChatEnd.RESOLVED, now=started + datetime.timedelta(minutes=5))


def _answer_surveys(rng: random.Random, now: datetime.datetime) -> int:
    """Most customers of the resolved tickets answered their survey within a day, with a score and
    often a comment in their language, through the public page's service."""
    import re

    from accord.core.demo_phrases import say
    from accord.messaging.models import Message
    from accord.service.models import SatisfactionSurvey
    from accord.service.services import feedback

    link = re.compile(r"/service/survey/([A-Za-z0-9_-]+)/")
    answered = 0
    for survey in SatisfactionSurvey.objects.filter(answered_at__isnull=True).select_related("contact__owner"):
        if rng.random() < 0.3:
            continue  # not everyone answers
        if survey.outbox_message_id is None:
            continue
        body = Message.objects.filter(pk=survey.outbox_message_id).values_list("body", flat=True).first() or ""
        found = link.search(body)
        when = survey.sent_at + datetime.timedelta(hours=rng.randint(1, 24))
        if found is None or when >= now:
            continue
        score, comment = rng.choice(SURVEY_ANSWERS)
        feedback.answer_survey(
            token=found.group(1),
            score=score,
            comment=say(comment, _language(survey.contact)) if comment else "",
            now=when,
        )
        answered += 1
    return answered


def _dealt_with_at_the_time(now: datetime.datetime) -> None:
    """The SLA warnings and breaches of the demo's past two weeks were read and dealt with at the
    time: their notices are not delivered again on the first sign-in (a desk that has been
    working, not a flood of old news)."""
    from accord.core.models import Event

    Event.objects.filter(
        name__in=("service.ticket.sla_warning", "service.ticket.sla_breached"), dispatched_at__isnull=True
    ).update(dispatched_at=now)
