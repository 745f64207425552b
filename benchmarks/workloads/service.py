"""The service desk at scale.

SV1: 1M tickets (at scale 1) spread over the dataset's contacts (and their companies), ten queues
and thirty support agents (three per queue); nine in ten resolved or closed, one in ten still open
(new, open or waiting, seven in ten of those assigned, some late), three to eight messages each.
Measured: the agent's queue view, the ticket list as the service selector builds it
(``ticket_page``), for the open tickets of one queue, the agent's own (``assignee=me``), the
unassigned and the late ones, each under a sort drawn from the list's own sorts (seeded); and the
ticket page's reads (``ticket_detail``, ``conversation``, ``sla_state``) for tickets drawn at random.

SV2: ``sla.check()`` over 100,000 open tickets (at scale 1) whose next check has come, half of them
inside the warning before their first response, half past it.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.http import QueryDict
from django.utils import timezone

from accord.core import bulk, dbstats
from accord.core.ids import uuid7
from accord.core.models import Event, Sequence
from accord.identity.models import Role, User
from accord.people.models import Contact, ContactCompany
from accord.service.models import BusinessCalendar, Queue, SlaPolicy, Ticket, TicketMessage
from accord.service.selectors import tickets as selectors
from accord.service.services import sla
from benchmarks.dataset import CHUNK, Dataset
from benchmarks.measure import samples, timed
from benchmarks.workloads.reads import sort_choices

FULL_TICKETS = 1_000_000
FULL_DUE = 100_000
MIN_TICKETS = 200
QUEUES, AGENTS_PER_QUEUE = 10, 3
RUNS = 80
POLICY = "Bench SLA"
SUBJECTS = [
    "Printer does not print",
    "Invoice question",
    "Cannot log in",
    "Delivery late",
    "Wrong item delivered",
    "Refund request",
    "Password reset",
    "Payment not booked",
    "Contract change",
    "Complaint about service",
]
BODIES = [
    "Hello, it stopped working this morning. Can you help?",
    "Please check the attached details and call me back.",
    "Thank you, that solved it.",
    "We are still waiting for an answer.",
    "Could you send the corrected document?",
]
TICKET_COLUMNS = [
    "id",
    "number",
    "subject",
    "status",
    "priority",
    "channel",
    "queue",
    "assignee",
    "contact",
    "company",
    "is_complaint",
    "sla_policy",
    "first_response_due",
    "resolution_due",
    "first_responded_at",
    "paused_at",
    "first_response_breached",
    "resolution_breached",
    "sla_next_check",
    "resolved_at",
    "closed_at",
    "last_customer_message_at",
    "last_agent_message_at",
    "created_at",
    "updated_at",
]
MESSAGE_COLUMNS = ["id", "ticket", "kind", "channel", "author", "contact", "body", "created_at", "updated_at"]


def ticket_count(scale: float) -> int:
    return max(MIN_TICKETS, round(FULL_TICKETS * scale))


def due_count(scale: float) -> int:
    return max(MIN_TICKETS // 10, round(FULL_DUE * scale))


def _agents() -> list[User]:
    role = Role.objects.get(code=Role.SUPPORT_AGENT)
    agents = []
    for n in range(QUEUES * AGENTS_PER_QUEUE):
        user, _ = User.objects.get_or_create(
            username=f"bench-agent-{n + 1:02d}", defaults={"role": role, "first_name": f"Agent {n + 1}"}
        )
        agents.append(user)
    return agents


def _setup() -> tuple[list[Queue], list[User], SlaPolicy]:
    agents = _agents()
    queues = []
    for q in range(QUEUES):
        queue, _ = Queue.objects.get_or_create(name=f"Bench queue {q + 1:02d}")
        queue.agents.set(agents[q * AGENTS_PER_QUEUE : (q + 1) * AGENTS_PER_QUEUE])
        queues.append(queue)
    calendar, _ = BusinessCalendar.objects.get_or_create(name="Bench office", defaults={"country": "PL"})
    policy, _ = SlaPolicy.objects.get_or_create(
        name=POLICY,
        defaults={
            "calendar": calendar,
            "first_response_minutes": 240,
            "resolution_minutes": 3 * 8 * 60,
            "warn_before_minutes": 60,
        },
    )
    return queues, agents, policy


def ensure_tickets(data: Dataset, seed: int = 1515) -> tuple[list[Queue], list[User], SlaPolicy]:
    """The tickets and their messages, generated once per scale (deterministically, in bulk)."""
    with transaction.atomic():
        queues, agents, policy = _setup()
    total = ticket_count(data.scale)
    if Ticket.objects.filter(queue__in=queues).count() == total:
        return queues, agents, policy
    with transaction.atomic():
        # Another scale's tickets: straight DELETEs (the ORM's cascade would load them all).
        stale_messages = TicketMessage.objects.filter(ticket__queue__in=queues)
        stale_messages._raw_delete(stale_messages.db)
        stale = Ticket.objects.filter(queue__in=queues)
        stale._raw_delete(stale.db)
    rng = random.Random(seed)
    contacts = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    employer = dict(ContactCompany.objects.filter(is_primary=True).values_list("contact_id", "company_id"))
    now = timezone.now()
    first_number = (Ticket.objects.aggregate(m=Max("number"))["m"] or 0) + 1
    for start in range(0, total, CHUNK):
        tickets, messages = [], []
        for i in range(start, min(total, start + CHUNK)):
            row, conversation = _ticket(rng, i, first_number + i, contacts, employer, queues, agents, policy, now)
            tickets.append(row)
            messages.extend(conversation)
        with transaction.atomic():
            bulk.insert_values(Ticket, TICKET_COLUMNS, tickets)
            bulk.insert_values(TicketMessage, MESSAGE_COLUMNS, messages)
    with transaction.atomic():
        last = first_number + total - 1
        sequence, _ = Sequence.objects.select_for_update().get_or_create(name="service.ticket")
        if sequence.value < last:
            sequence.value = last
            sequence.save(update_fields=["value"])
    _analyze()
    return queues, agents, policy


def _ticket(
    rng: random.Random,
    i: int,
    number: int,
    contacts: list[Any],
    employer: dict[Any, Any],
    queues: list[Queue],
    agents: list[User],
    policy: SlaPolicy,
    now: datetime.datetime,
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    contact = contacts[rng.randrange(len(contacts))]
    q = rng.randrange(QUEUES)
    team = agents[q * AGENTS_PER_QUEUE : (q + 1) * AGENTS_PER_QUEUE]
    is_open = rng.random() < 0.1
    channel = rng.choice(("email", "email", "email", "phone", "portal", "chat"))
    if is_open:
        created = now - datetime.timedelta(minutes=rng.randint(5, 14 * 24 * 60))
        status = rng.choice(("new", "new", "new", "open", "open", "open", "open", "open", "waiting", "waiting"))
        assignee = rng.choice(team).pk if rng.random() < 0.7 else None
    else:
        created = now - datetime.timedelta(minutes=rng.randint(14 * 24 * 60, 730 * 24 * 60))
        status = "closed" if rng.random() < 0.8 else "resolved"
        assignee = rng.choice(team).pk
    first_due = created + datetime.timedelta(hours=4)
    resolution_due = created + datetime.timedelta(days=3)
    answered = None if status == "new" else created + datetime.timedelta(minutes=rng.randint(5, 600))
    first_late = (answered or now) > first_due
    ended = None if is_open else created + datetime.timedelta(minutes=rng.randint(60, 10 * 24 * 60))
    resolution_late = (ended or now) > resolution_due
    paused = created + datetime.timedelta(hours=1) if status == "waiting" else None
    next_check = None
    if is_open and paused is None:
        if not first_late and answered is None:
            next_check = first_due - datetime.timedelta(hours=1)
        elif not resolution_late:
            next_check = resolution_due - datetime.timedelta(hours=1)
    pk = uuid7()
    count = rng.randint(3, 8)
    conversation = []
    step = (ended or now) - created
    last_customer = last_agent = None
    for m in range(count):
        when = created + step * (m / count)
        kind = "customer" if m == 0 or rng.random() < 0.4 else ("note" if rng.random() < 0.2 else "reply")
        if kind == "customer":
            last_customer = when
        elif kind == "reply":
            last_agent = when
        conversation.append(
            (
                uuid7(),
                pk,
                kind,
                channel if kind == "customer" else ("web" if kind == "note" else "email"),
                None if kind == "customer" else assignee,
                contact if kind == "customer" else None,
                rng.choice(BODIES),
                when,
                when,
            )
        )
    row = (
        pk,
        number,
        f"{rng.choice(SUBJECTS)} {i}",
        status,
        rng.choice(("low", "normal", "normal", "normal", "high", "urgent")),
        channel,
        queues[q].pk,
        assignee,
        contact,
        employer.get(contact),
        rng.random() < 0.05,
        policy.pk,
        first_due,
        resolution_due,
        answered,
        paused,
        first_late,
        resolution_late,
        next_check,
        ended,
        ended if status == "closed" else None,
        last_customer,
        last_agent,
        created,
        ended or last_customer or created,
    )
    return row, conversation


def _analyze() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # VACUUM (the visibility map too, as autovacuum would) cannot run inside a transaction,
            # which a test's is; ANALYZE can.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            cursor.execute(f"{command} service_ticket")
            cursor.execute(f"{command} service_ticketmessage")
    dbstats.refresh()


def draw_views(
    rng: random.Random, queues: list[Any], agents: list[Any], count: int
) -> list[tuple[Any, str, dict[str, str]]]:
    """``count`` queue views: (agent, kind, list parameters), the sort drawn from the list's own."""
    sorts = sort_choices(selectors.TICKET_LIST)
    kinds = ["queue", "mine", "unassigned", "late"]
    views = []
    for n in range(count):
        kind = kinds[n % len(kinds)]
        q = rng.randrange(len(queues))
        agent = agents[q * AGENTS_PER_QUEUE + rng.randrange(AGENTS_PER_QUEUE)]
        params = {"open": "true", "sort": rng.choice(sorts)}
        if kind == "queue":
            params["queue"] = str(queues[q].pk)
        elif kind == "mine":
            params["assignee"] = "me"
        elif kind == "unassigned":
            params["assignee"] = "none"
        else:
            params["breached"] = "true"
        views.append((agent, kind, params))
    return views


def _list_view(view: tuple[Any, str, dict[str, str]]) -> int:
    agent, _kind, params = view
    query = QueryDict(mutable=True)
    query.update(params)
    page = selectors.ticket_page(agent, selectors.ticket_query(query, strict=True))
    return len(page.items)


def _ticket_page(user: Any) -> Callable[[Any], int]:
    def read(pk: Any) -> int:
        ticket = selectors.ticket_detail(user, pk)
        messages = selectors.conversation(ticket)
        selectors.sla_state(ticket)
        return len(messages)

    return read


def sv1_tickets(data: Dataset, seed: int = 2026) -> dict[str, Any]:
    started = time.monotonic()
    queues, agents, _policy = ensure_tickets(data)
    generated_s = round(time.monotonic() - started, 1)
    agents = list(User.objects.filter(pk__in=[a.pk for a in agents]).select_related("role").order_by("username"))
    rng = random.Random(seed)
    views = draw_views(rng, queues, agents, samples(data.scale, RUNS))
    total = ticket_count(data.scale)
    picks = sorted({rng.randrange(total) for _ in range(samples(data.scale, RUNS))})
    numbers = Ticket.objects.filter(queue__in=queues).aggregate(m=Max("number"))["m"] - total + 1
    ids = list(Ticket.objects.filter(number__in=[numbers + p for p in picks]).values_list("pk", flat=True))
    rng.shuffle(ids)
    results: dict[str, Any] = {
        "tickets": total,
        "open_tickets": Ticket.objects.filter(queue__in=queues, status__in=("new", "open", "waiting")).count(),
        "messages": TicketMessage.objects.filter(ticket__queue__in=queues).count() if data.scale < 0.5 else None,
        "generate_seconds": generated_s,
        "queue_view": timed(_list_view, views).as_dict(),
        "ticket_page": timed(_ticket_page(agents[0]), ids).as_dict(),
    }
    for kind in ("queue", "mine", "unassigned", "late"):
        results[f"queue_view_{kind}"] = timed(_list_view, [v for v in views if v[1] == kind], warmup=0).as_dict()
    return results


def prepare_due(policy: SlaPolicy, queues: list[Queue], count: int, now: datetime.datetime) -> int:
    """``count`` open tickets whose next check has come: the first half inside the warning before
    their first response (ten minutes away), the second half past it; the earlier runs' events of
    the check removed."""
    ids = list(
        Ticket.objects.filter(queue__in=queues, status__in=("new", "open", "waiting"))
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    half = len(ids) // 2
    with transaction.atomic():
        Event.objects.filter(name__in=("service.ticket.sla_warning", "service.ticket.sla_breached")).delete()
        common = {
            "status": "open",
            "paused_at": None,
            "sla_policy": policy,
            "first_responded_at": None,
            "warned_at": None,
            "first_response_breached": False,
            "resolution_breached": False,
            "sla_next_check": now - datetime.timedelta(minutes=1),
            "resolution_due": now + datetime.timedelta(days=2),
        }
        for part, due in (
            (ids[:half], now + datetime.timedelta(minutes=10)),
            (ids[half:], now - datetime.timedelta(minutes=5)),
        ):
            for start in range(0, len(part), 10_000):
                Ticket.objects.filter(pk__in=part[start : start + 10_000]).update(first_response_due=due, **common)
    _analyze()
    return len(ids)


def sv2_sla_check(data: Dataset) -> dict[str, Any]:
    queues, _agents, policy = ensure_tickets(data)
    now = timezone.now()
    due = prepare_due(policy, queues, due_count(data.scale), now)
    started, cpu = time.perf_counter(), time.process_time()
    result = sla.check(now=now)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu
    again = sla.check(now=now)
    return {
        "due": due,
        "warned": result.warned,
        "breached": result.breached,
        "check_seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "per_second": round(due / seconds) if seconds else None,
        "again_warned_or_breached": again.warned + again.breached,
    }
