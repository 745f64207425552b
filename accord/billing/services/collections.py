"""The collections run and the decisions people make about it.

``run`` first asks the database which customers may have something due today (``_to_plan``: an
overdue invoice old enough for its next level, whose last step is far enough back; a dispute; a
hold), so a run taken again the same day reads nothing more. It walks those customers in chunks
(so 50,000 customers never sit in memory at once), reading what each chunk needs in a few
set-based queries, asks the ladder (``accord.billing.ladder``) what each customer's next step
is, and takes it: a reminder e-mail or SMS or a printed letter through the outbox, a call task
for the customer's owner, or the hand-off to collection. Each step is written with one
``CollectionStepInvoice`` per invoice and level under a unique constraint, in the same transaction
as the message or task it makes, so a retried or concurrent run takes no step twice and a crashed
one loses none. A step that needs approval waits for the owner (``approve_step``/``reject_step``).

Promises to pay, disputes and pauses hold the ladder back; another app pauses it for a customer by
emitting ``collections.pause_requested`` (see ``accord.billing.handlers``).
"""

from __future__ import annotations

import datetime
import decimal
import itertools
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, DateField, Exists, ExpressionWrapper, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.billing import ladder as planner
from accord.billing import late_payment
from accord.billing.models import (
    CallResult,
    CollectionActionKind,
    CollectionLadder,
    CollectionLevel,
    CollectionPause,
    CollectionProfile,
    CollectionStep,
    CollectionStepInvoice,
    CollectionStepState,
    Invoice,
    InvoiceDispute,
    InvoiceKind,
    LatePaymentRate,
    PaymentAllocation,
    PromiseToPay,
)
from accord.billing.models.invoices import UNPAID
from accord.billing.services.common import block_of, customer_block
from accord.billing.services.payments import clean_amount
from accord.core import access, bulk, changes, languages, money
from accord.core.access import AccessDenied, Action
from accord.core.events import EventPayload, emit
from accord.core.ids import uuid7
from accord.core.manykeys import among
from accord.core.money import format_money, money_formatter
from accord.messaging.services.templates import Renderer
from accord.people.models import Company, Contact

if TYPE_CHECKING:
    from accord.identity.models import User

log = logging.getLogger(__name__)
ZERO = decimal.Decimal("0.00")
CHUNK = 1000  # customers planned and written per transaction
DEMAND_DAYS = 7  # the days a demand letter gives to pay

CustomerKey = tuple[Any, Any]  # (company_id, contact_id): one of them set


class CollectionStepTaken(EventPayload):
    """The collections run took a step (the event's object) for a customer."""

    name = "billing.collection.step"
    action: str
    position: int
    state: str
    invoice_ids: list[str]


class CollectionStepsTaken(EventPayload):
    """The collections run took these steps together (a chunk of customers)."""

    name = "billing.collection.steps"
    count: int
    ids: list[uuid.UUID]


class CollectionHandedOff(EventPayload):
    """A customer was handed over to collection."""

    name = "billing.collection.handed_off"
    company_id: str | None = None
    contact_id: str | None = None
    agency: str = ""


# --- reading what the ladder needs ------------------------------------------------------------


def _ladders() -> tuple[dict[str, planner.Ladder], dict[Any, Any]]:
    """Every ladder as the planner takes it, keyed by ladder id ("" for the default), and the
    levels by (ladder key, position)."""
    ladders: dict[str, planner.Ladder] = {}
    levels: dict[Any, Any] = {}
    for ladder in CollectionLadder.objects.prefetch_related("levels"):
        rungs = sorted(ladder.levels.all(), key=lambda level: level.position)
        plan_levels = tuple(
            planner.Level(
                position=level.position,
                days_after_due=level.days_after_due,
                action=planner.Action(level.action),
                template=level.template_kind,
                needs_approval=level.needs_approval,
            )
            for level in rungs
        )
        built = planner.Ladder(levels=plan_levels, min_days_between_steps=ladder.min_days_between_steps)
        keys = [str(ladder.pk)] + ([""] if ladder.is_default else [])
        for key in keys:
            ladders[key] = built
            for level in rungs:
                levels[(key, level.position)] = level
    return ladders, levels


def rates() -> list[late_payment.InterestRate]:
    return [
        late_payment.InterestRate(rate.valid_from, rate.annual_percent)
        for rate in LatePaymentRate.objects.order_by("valid_from")
    ]


def _overdue(today: datetime.date, customers: Sequence[CustomerKey] | None = None) -> QuerySet[Invoice]:
    """The open invoices past their due date (of ``customers`` only, when given)."""
    queryset = Invoice.objects.filter(kind=InvoiceKind.VAT, status__in=UNPAID, due_date__lt=today)
    return queryset if customers is None else queryset.filter(_of(customers))


def _of(customers: Sequence[CustomerKey]) -> Q:
    """The rows of ``customers``: a company's, or a contact's bought without a company."""
    company_ids = [company for company, _contact in customers if company]
    contact_ids = [contact for company, contact in customers if not company]
    return among("company_id", company_ids) | (Q(company__isnull=True) & among("contact_id", contact_ids))


def _key_of(company_id: Any, contact_id: Any) -> CustomerKey:
    return (company_id, None) if company_id else (None, contact_id)


def _key(row: Mapping[str, Any]) -> CustomerKey:
    return _key_of(row["company_id"], row["contact_id"])


def _customer_count(today: datetime.date, customers: Sequence[CustomerKey] | None) -> int:
    """How many customers have an overdue invoice, as the run reports it (one query)."""
    counted = _overdue(today, customers).aggregate(
        companies=Count("company", distinct=True),
        contacts=Count("contact", distinct=True, filter=Q(company__isnull=True)),
        nobody=Count("pk", filter=Q(company__isnull=True, contact__isnull=True)),
    )
    return int(counted["companies"]) + int(counted["contacts"]) + min(1, int(counted["nobody"]))


def _held(today: datetime.date, ladders: Mapping[str, planner.Ladder]) -> set[CustomerKey]:
    """The customers held back as a whole today: handed over to collection, a promise to pay
    whose day has not passed, an open pause, a ladder without levels (one query)."""
    empty = [key for key, ladder in ladders.items() if key and not ladder.levels]
    profiles = CollectionProfile.objects.filter(Q(in_collection_since__isnull=False) | Q(ladder_id__in=empty))
    promises = PromiseToPay.objects.filter(promised_on__gte=today)
    pauses = CollectionPause.objects.filter(lifted_at__isnull=True).filter(Q(until__isnull=True) | Q(until__gte=today))
    rows = (
        profiles.order_by()
        .values_list("company_id", "contact_id")
        .union(
            promises.order_by().values_list("company_id", "contact_id"),
            pauses.order_by().values_list("company_id", "contact_id"),
        )
    )
    return {_key_of(company_id, contact_id) for company_id, contact_id in rows}


def _to_plan(
    today: datetime.date, ladders: Mapping[str, planner.Ladder], customers: Sequence[CustomerKey] | None
) -> list[CustomerKey]:
    """The customers the planner may have something to say about today, in the run's order (by
    company, then contact), decided by one query (after one for the customers held back as a
    whole): those with an overdue invoice that may climb a level today, with an open dispute, or
    held back. Everyone else has nothing due (every invoice's next level is further off, or its
    last step too recent), so a run taken again the same day plans no one.

    It only ever errs towards planning too many: with several ladders an invoice is taken to
    climb the most eager of them, and the day of the last step is the day it was planned for
    (an approval given later only moves it later). The planner decides the rest."""
    overdue = _overdue(today, customers)
    default = ladders.get("")
    if default is None or not default.levels:
        # Without a default ladder every customer that has none of its own is reported held.
        wanted: Any = overdue.values_list("company_id", "contact_id").distinct()
    else:
        levels = [level for ladder in ladders.values() for level in ladder.levels]
        gap = min(ladder.min_days_between_steps for ladder in ladders.values())
        owing = overdue.alias(owed=F("gross_total") + F("corrections_total") - F("paid_amount")).filter(owed__gt=0)

        def due_by(above: int) -> datetime.date:
            """The latest due date an invoice may have to reach a level above ``above`` today."""
            days = min((level.days_after_due for level in levels if level.position > above), default=None)
            return today - datetime.timedelta(days=days) if days is not None else datetime.date.min

        lines = CollectionStepInvoice.objects.filter(invoice_id=OuterRef("pk"))
        # Never climbed: the first level of the most eager ladder is due.
        first = owing.filter(due_date__lte=due_by(0)).exclude(Exists(lines))
        # Climbed: the invoice's top step (no line above it) was long enough ago, and the next
        # level above it is due by the invoice's age.
        positions = sorted({level.position for level in levels})
        climbs = Q(pk__in=[])
        for below, upper in zip([None, *positions], positions, strict=False):
            # A top step below ``upper`` (and from ``below`` on): its next level is ``upper`` or above.
            here = Q(position__lt=upper, due__lte=due_by(upper - 1))
            if below is not None:
                here &= Q(position__gte=below)
            climbs |= here
        higher = CollectionStepInvoice.objects.filter(
            invoice_id=OuterRef("invoice_id"), position__gt=OuterRef("position")
        )
        top = (
            lines.filter(step__day__lte=today - datetime.timedelta(days=gap))
            .exclude(Exists(higher))
            .annotate(due=ExpressionWrapper(OuterRef("due_date"), output_field=DateField()))
            .filter(climbs)
        )
        awaiting = lines.filter(step__state=CollectionStepState.AWAITING_APPROVAL)
        climbing = owing.filter(Exists(top)).exclude(Exists(awaiting))
        disputed = overdue.filter(
            Exists(InvoiceDispute.objects.filter(invoice_id=OuterRef("pk"), resolved_at__isnull=True))
        )
        parts = [climbing, disputed]
        held = _held(today, ladders)
        if held:
            parts.append(overdue.filter(_of(list(held))))
        wanted = (
            first.order_by()
            .values_list("company_id", "contact_id")
            .union(*(part.order_by().values_list("company_id", "contact_id") for part in parts))
        )
    rows = wanted.order_by("company_id", "contact_id")
    return list(dict.fromkeys(_key_of(company_id, contact_id) for company_id, contact_id in rows))


def _overdue_rows(today: datetime.date, customers: Sequence[CustomerKey]) -> list[dict[str, Any]]:
    """The customers' overdue invoices, each saying whether it is disputed."""
    disputed = InvoiceDispute.objects.filter(invoice_id=OuterRef("pk"), resolved_at__isnull=True)
    return cast(
        list[dict[str, Any]],
        list(
            _overdue(today, customers)
            .annotate(disputed=Exists(disputed))
            .order_by("company_id", "contact_id", "due_date", "id")
            .values(
                "disputed",
                "id",
                "number",
                "company_id",
                "contact_id",
                "due_date",
                "currency",
                "gross_total",
                "gross_total_base",
                "corrections_total",
                "paid_amount",
            )
        ),
    )


def _chunks(
    today: datetime.date, customers: Sequence[CustomerKey]
) -> Iterator[list[tuple[CustomerKey, list[dict[str, Any]]]]]:
    """``customers`` a chunk at a time, each with its overdue invoices (one query a chunk)."""
    for start in range(0, len(customers), CHUNK):
        rows = _overdue_rows(today, customers[start : start + CHUNK])
        chunk = [(key, list(grouped)) for key, grouped in itertools.groupby(rows, key=_key)]
        if chunk:
            yield chunk


class _Profile(NamedTuple):
    ladder_id: Any
    key_account: bool
    in_collection_since: datetime.date | None


@dataclass
class _Context:
    """What planning one chunk of customers needs besides its invoices, read in four queries."""

    profiles: dict[CustomerKey, _Profile]
    promises: dict[CustomerKey, datetime.date]
    pauses: dict[CustomerKey, datetime.date]
    disputed: set[Any]
    taken: dict[Any, list[planner.TakenStep]]
    awaiting: set[Any]


def _by_customer(rows: Any) -> dict[CustomerKey, Any]:
    found: dict[CustomerKey, Any] = {}
    for company_id, contact_id, value in rows:
        key = _key_of(company_id, contact_id)
        found[key] = max(found.get(key) or value, value)
    return found


def _read_context(today: datetime.date, chunk: list[tuple[CustomerKey, list[dict[str, Any]]]]) -> _Context:
    keys = [key for key, _rows in chunk]
    company_ids = [key[0] for key in keys if key[0]]
    contact_ids = [key[1] for key in keys if key[1]]
    party = among("company_id", company_ids) | among("contact_id", contact_ids)
    profiles = {
        _key_of(company_id, contact_id): _Profile(ladder_id, key_account, since)
        for company_id, contact_id, ladder_id, key_account, since in CollectionProfile.objects.filter(
            party
        ).values_list("company_id", "contact_id", "ladder_id", "key_account", "in_collection_since")
    }
    promises = _by_customer(
        PromiseToPay.objects.filter(party, promised_on__gte=today).values_list(
            "company_id", "contact_id", "promised_on"
        )
    )
    open_pauses = CollectionPause.objects.filter(party, lifted_at__isnull=True).filter(
        Q(until__isnull=True) | Q(until__gte=today)
    )
    pauses: dict[CustomerKey, datetime.date] = {}
    for company_id, contact_id, until in open_pauses.values_list("company_id", "contact_id", "until"):
        key = _key_of(company_id, contact_id)
        pauses[key] = max(pauses.get(key, today), until or datetime.date.max)
    disputed = {row["id"] for _key, rows in chunk for row in rows if row["disputed"]}
    taken: dict[Any, list[planner.TakenStep]] = defaultdict(list)
    awaiting: set[Any] = set()
    # The steps of the chunk's invoices, by the invoices' keys (the (invoice, level) index).
    lines = CollectionStepInvoice.objects.filter(
        among("invoice_id", [row["id"] for _key, rows in chunk for row in rows])
    )
    for invoice_id, position, day, state, decided_at in lines.values_list(
        "invoice_id", "position", "step__day", "step__state", "step__decided_at"
    ):
        if state == CollectionStepState.AWAITING_APPROVAL:
            awaiting.add(invoice_id)
        elif state == CollectionStepState.DONE and decided_at is not None:
            # Approved later than planned: the customer heard from us on the day it was approved.
            day = max(day, timezone.localdate(decided_at))
        taken[invoice_id].append(planner.TakenStep(position, day))
    return _Context(profiles, promises, pauses, disputed, dict(taken), awaiting)


def _payments(invoice_ids: Sequence[Any]) -> dict[Any, list[late_payment.Settlement]]:
    """What was paid towards each invoice, and when (one query)."""
    payments: dict[Any, list[late_payment.Settlement]] = defaultdict(list)
    for invoice_id, amount, received_on in PaymentAllocation.objects.filter(
        among("invoice_id", invoice_ids)
    ).values_list("invoice_id", "amount", "payment__received_on"):
        payments[invoice_id].append(late_payment.Settlement(received_on, amount))
    return dict(payments)


def _names(keys: Sequence[CustomerKey]) -> dict[CustomerKey, str]:
    company_ids = [key[0] for key in keys if key[0]]
    contact_ids = [key[1] for key in keys if key[1]]
    names: dict[CustomerKey, str] = {
        (pk, None): name for pk, name in Company.objects.filter(among("pk", company_ids)).values_list("pk", "name")
    }
    if contact_ids:
        for person in Contact.objects.filter(among("pk", contact_ids)).only("first_name", "last_name"):
            names[(None, person.pk)] = str(person)
    return names


# --- the run ----------------------------------------------------------------------------------


@dataclass
class StepReport:
    """One step of a run, as ``accord collections run`` prints it."""

    customer: str
    action: str
    position: int
    invoices: list[str]
    owed: decimal.Decimal
    currency: str
    needs_approval: bool
    taken: bool = False


@dataclass
class RunReport:
    today: datetime.date
    dry_run: bool
    customers: int = 0
    steps: list[StepReport] = field(default_factory=list)
    held: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: list[str] = field(default_factory=list)
    taken: int = 0


def run(
    *,
    today: datetime.date | None = None,
    dry_run: bool = False,
    customers: Sequence[CustomerKey] | None = None,
    keep_steps: bool = True,
    on_step: Callable[[StepReport], None] | None = None,
) -> RunReport:
    """Take today's collection steps (or, with ``dry_run``, only say which). Safe to run again
    and from several workers at once: a step already taken is not taken again. ``on_step`` hears
    of each step once its chunk is decided (with ``keep_steps=False`` the report keeps none, so
    50,000 steps need not sit in memory to be printed).

    One query finds the customers with something due (``_to_plan``); they are planned a chunk
    at a time, and a chunk's steps are written together (their messages, steps, lines and audit
    entries each in one statement, in one transaction); if another run took one of them
    meanwhile, the chunk is taken again one step at a time, each skipping what is already taken."""
    today = today or timezone.localdate()
    report = RunReport(today=today, dry_run=dry_run)
    ladders, levels = _ladders()
    report.customers = _customer_count(today, customers)
    cache: _RunCache | None = None
    for chunk in _chunks(today, _to_plan(today, ladders, customers)):
        context = _read_context(today, chunk)
        planned: list[_Planned] = []
        for key, rows in chunk:
            profile = context.profiles.get(key)
            ladder_key = str(profile.ladder_id) if profile is not None and profile.ladder_id else ""
            customer = planner.Customer(
                id=key,
                group=ladder_key,
                key_account=bool(profile and profile.key_account),
                in_collection=bool(profile and profile.in_collection_since),
                promise_until=context.promises.get(key),
                paused_until=context.pauses.get(key),
            )
            invoices = [
                planner.OpenInvoice(
                    id=row["id"],
                    number=row["number"],
                    due_date=row["due_date"],
                    outstanding=_outstanding(row),
                    disputed=row["id"] in context.disputed,
                )
                for row in rows
                if row["id"] not in context.awaiting
            ]
            plan = planner.plan_customer(
                today=today, customer=customer, ladders=ladders, invoices=invoices, taken=context.taken
            )
            for held in plan.held:
                report.held[held.hold.value] += 1
            by_id = {row["id"]: row for row in rows}
            for step in plan.steps:
                level = levels[(ladder_key if ladder_key in ladders else "", step.level.position)]
                step_rows = [by_id[invoice_id] for invoice_id in step.invoice_ids]
                entry = StepReport(
                    customer="",
                    action=level.action,
                    position=level.position,
                    invoices=[row["number"] for row in step_rows],
                    owed=sum((_outstanding(row) for row in step_rows), ZERO),
                    currency=step_rows[0]["currency"],
                    needs_approval=step.needs_approval,
                )
                if keep_steps:
                    report.steps.append(entry)
                planned.append(_Planned(key, level, step_rows, step.needs_approval, entry))
        if not planned:
            continue
        parties = None if dry_run else _Parties.read([item.key for item in planned])
        names = parties.names() if parties is not None else _names([item.key for item in planned])
        for item in planned:
            item.entry.customer = names.get(item.key) or str(item.key[0] or item.key[1])
        if dry_run:
            for item in planned:
                if on_step is not None:
                    on_step(item.entry)
            continue
        cache = cache or _RunCache(rates=rates())
        payments = _payments([row["id"] for item in planned for row in item.rows])
        try:
            with transaction.atomic():
                failed = _take_steps(today, planned, payments, cache, parties=parties)
        except IntegrityError:
            # Another run took some of these steps: take them one at a time, skipping those.
            failed = {}
            for item in planned:
                try:
                    item.entry.taken = _take_step(today, item, payments, cache)
                except Exception as exc:  # one customer's failure does not stop the others
                    log.exception("collection step failed for %s", item.key)
                    failed[item.key] = str(exc)
        else:
            for item in planned:
                item.entry.taken = item.key not in failed
        report.taken += sum(1 for item in planned if item.entry.taken)
        report.errors.extend(f"{key[0] or key[1]}: {problem}" for key, problem in failed.items())
        for item in planned:
            if on_step is not None:
                on_step(item.entry)
    return report


@dataclass
class _Planned:
    key: CustomerKey
    level: Any
    rows: list[dict[str, Any]]
    needs_approval: bool
    entry: StepReport


@dataclass
class _RunCache:
    """What a run reads or makes once: the interest rates, the euro rate of each day asked, the
    seller, the message templates, the amounts' formats per language, the template renderer."""

    rates: list[late_payment.InterestRate]
    euro: dict[datetime.date, decimal.Decimal | None] = field(default_factory=dict)
    seller: dict[str, str] | None = None
    templates: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    formats: dict[tuple[str, str], Callable[[Any], str]] = field(default_factory=dict)
    renderer: Renderer = field(default_factory=Renderer)

    def euro_rate(self, day: datetime.date) -> decimal.Decimal | None:
        if day not in self.euro:
            self.euro[day] = _euro_rate(day)
        return self.euro[day]

    def seller_details(self) -> dict[str, str]:
        if self.seller is None:
            from accord.sales.services.quotes import seller_details

            self.seller = dict(seller_details())
        return self.seller

    def template(self, kind: str, channel: str, language: str) -> Any:
        from accord.messaging.services.templates import TemplateMissing, find

        key = (kind, channel, language)
        if key not in self.templates:
            try:
                self.templates[key] = find(kind, channel, language)
            except TemplateMissing:
                self.templates[key] = None
        return self.templates[key]

    def money(self, currency: str, language: str) -> Callable[[Any], str]:
        """``format_money(amount, currency)`` in ``language``, the active one."""
        key = (language, currency)
        if key not in self.formats:
            self.formats[key] = money_formatter(currency)
        return self.formats[key]


def _outstanding(row: Mapping[str, Any]) -> decimal.Decimal:
    return row["gross_total"] + row["corrections_total"] - row["paid_amount"]


def _euro_rate(day: datetime.date) -> decimal.Decimal | None:
    """PLN per euro from the last table published on or before ``day`` (the compensation's bands
    are in złoty: none outside Poland)."""
    if money.base_currency() != "PLN":
        return None
    return money.rates(["EUR"], on=day).get("EUR")


def _charges(
    row: Mapping[str, Any],
    today: datetime.date,
    payments: Mapping[Any, list[late_payment.Settlement]],
    cache: _RunCache,
) -> tuple[decimal.Decimal, decimal.Decimal]:
    """Statutory interest to ``today`` and the recovery compensation, in the invoice's currency
    (compensation only for invoices in the base currency, where the law's bands apply)."""
    amount = row["gross_total"] + row["corrections_total"]
    try:
        interest = late_payment.interest(
            amount=amount,
            due_date=row["due_date"],
            until=today,
            rates=cache.rates,
            payments=payments.get(row["id"], ()),
        ).total
    except late_payment.LatePaymentError:
        interest = ZERO
    compensation = ZERO
    if row["currency"] == settings.DEFAULT_CURRENCY:
        euro = cache.euro_rate(late_payment.compensation_rate_day(row["due_date"]))
        if euro is not None:
            compensation = late_payment.compensation(amount, euro)[1]
    return interest, compensation


def charges_of(invoices: Sequence[Invoice], today: datetime.date) -> dict[Any, tuple[decimal.Decimal, decimal.Decimal]]:
    """Statutory interest to ``today`` and the recovery compensation of each invoice, as the run
    computes them for its steps (payments read in one query)."""
    payments = _payments([invoice.pk for invoice in invoices])
    cache = _RunCache(rates=rates())
    found = {}
    for invoice in invoices:
        row = {
            "id": invoice.pk,
            "due_date": invoice.due_date or today,
            "currency": invoice.currency,
            "gross_total": invoice.gross_total,
            "corrections_total": invoice.corrections_total,
        }
        found[invoice.pk] = _charges(row, today, payments, cache)
    return found


@dataclass(frozen=True)
class _Reach:
    """Where a customer can be written to."""

    email: str
    phone: str
    postal: str  # the name and the address lines, as the envelope's window shows them
    language: str


Person = tuple[str, str]  # the e-mail address and phone number of the person written to


def _reach(company: Company | None, contact: Contact | None) -> _Reach:
    """Where to write to one customer (the contact, or the company's first person)."""
    from accord.people.selectors import customer_language

    person = contact
    if person is None and company is not None:
        links = list(company.contact_links.all())
        person = links[0].contact if links else None
    return _written_to(
        company,
        (person.primary_email, person.primary_phone) if person is not None else None,
        customer_block(company, contact),
        customer_language(contact=contact, company=company),
    )


def _written_to(company: Company | None, person: Person | None, block: Mapping[str, str], language: str) -> _Reach:
    """The person's e-mail and phone, else the company's; the customer block's address."""
    email = (person[0] if person else "") or (company.primary_email if company else "")
    phone = (person[1] if person else "") or (company.primary_phone if company else "")
    postal = "\n".join([block["name"], block["address"]]) if block["address"] else ""
    return _Reach(email, phone, postal, language)


class _Address(NamedTuple):
    street: str
    postal_code: str
    city: str
    country: str


@dataclass
class _Parties:
    """The customers of a chunk's steps with what writing to them needs, in four queries
    whatever their number: the companies and contacts (the columns a message reads), their first
    addresses (by position), each company's first person (by when they were entered: whom a
    reminder is addressed to), and the language of contacts without their own."""

    companies: dict[Any, Company]
    contacts: dict[Any, Contact]
    addresses: dict[CustomerKey, _Address]
    people: dict[Any, Person]
    languages: dict[Any, str]

    @classmethod
    def read(cls, keys: Sequence[CustomerKey]) -> _Parties:
        from accord.people.models import Address, ContactCompany
        from accord.people.selectors import customer_languages

        company_ids = [key[0] for key in keys if key[0]]
        contact_ids = [key[1] for key in keys if key[1]]
        companies = {
            c.pk: c
            for c in Company.objects.filter(among("pk", company_ids)).only(
                "name", "nip", "vat_id", "primary_email", "primary_phone", "preferred_language", "owner"
            )
        }
        contacts = (
            {
                c.pk: c
                for c in Contact.objects.filter(among("pk", contact_ids)).only(
                    "first_name", "last_name", "primary_email", "primary_phone", "preferred_language", "owner"
                )
            }
            if contact_ids
            else {}
        )
        addresses: dict[CustomerKey, _Address] = {}
        for company_id, contact_id, *address in (
            Address.objects.filter(among("company_id", company_ids) | among("contact_id", contact_ids))
            .order_by("position", "id")
            .values_list("company_id", "contact_id", "street", "postal_code", "city", "country")
        ):
            if company_id:
                addresses.setdefault((company_id, None), _Address(*address))
            if contact_id:
                addresses.setdefault((None, contact_id), _Address(*address))
        people: dict[Any, Person] = {}
        links = ContactCompany.objects.filter(among("company_id", company_ids)).order_by(
            "company_id", "contact__created_at"
        )
        for company_id, email, phone in links.values_list(
            "company_id", "contact__primary_email", "contact__primary_phone"
        ):
            people.setdefault(company_id, (email, phone))
        return cls(companies, contacts, addresses, people, customer_languages(contacts.values()))

    def customer(self, key: CustomerKey) -> tuple[Company | None, Contact | None]:
        return (self.companies.get(key[0]) if key[0] else None, self.contacts.get(key[1]) if key[1] else None)

    def reach(self, key: CustomerKey) -> _Reach:
        company, contact = self.customer(key)
        address = self.addresses.get(key)
        if company is not None:
            block = block_of(company.name, company.nip or company.vat_id, address)
            return _written_to(
                company,
                self.people.get(company.pk),
                block,
                languages.first_supported(company.preferred_language),
            )
        name = str(contact) if contact is not None else ""
        language = self.languages.get(contact.pk, "") if contact is not None else ""
        person = (contact.primary_email, contact.primary_phone) if contact is not None else None
        return _written_to(None, person, block_of(name, "", address), language or languages.first_supported(""))

    def names(self) -> dict[CustomerKey, str]:
        found: dict[CustomerKey, str] = {(pk, None): company.name for pk, company in self.companies.items()}
        found.update({(None, pk): str(contact) for pk, contact in self.contacts.items()})
        return found


CHANNEL_ORDER = {"email": ["email", "sms", "letter"], "sms": ["sms", "email", "letter"], "letter": ["letter"]}


def message_context(
    step: CollectionStep,
    company: Company | None,
    contact: Contact | None,
    lines: Sequence[Any],
    seller: Mapping[str, str],
    money: Callable[[Any], str] | None = None,
) -> dict[str, Any]:
    """The template variables of a collections message (``lines``: the step's invoices, each
    with its ``invoice``), written in the active language (``money``: how it writes an amount in
    the step's currency, ``format_money`` by default)."""
    currency = step.currency
    shown = money or (lambda amount: format_money(amount, currency))
    ordered = sorted(lines, key=lambda line: (line.invoice.due_date or step.day, line.invoice.number))
    invoices = [
        {
            "number": line.invoice.number,
            "due_date": line.invoice.due_date,
            "days_overdue": (step.day - line.invoice.due_date).days if line.invoice.due_date else 0,
            "outstanding": shown(line.outstanding),
            "interest": shown(line.interest) if line.interest else "",
            "compensation": shown(line.compensation) if line.compensation else "",
        }
        for line in ordered
    ]
    return {
        "customer": str(company or contact or ""),
        "seller": seller.get("name") or settings.ACCORD_NAME,
        "account": seller.get("bank_account", ""),
        "numbers": ", ".join(line.invoice.number for line in ordered),
        "total": shown(step.owed),
        "interest": shown(step.interest) if step.interest else "",
        "compensation": shown(step.compensation) if step.compensation else "",
        "to_pay": shown(step.owed + step.interest + step.compensation),
        "days": DEMAND_DAYS,
        "invoices": invoices,
    }


def _outgoing(
    step: CollectionStep,
    company: Company | None,
    contact: Contact | None,
    lines: Sequence[Any],
    cache: _RunCache,
    reach: _Reach | None = None,
) -> Any:
    """The step's message for the outbox, on the first channel the customer can be reached by."""
    from accord.messaging.services import Outgoing

    reach = reach or _reach(company, contact)
    kind = step.template_kind or "payment_reminder"
    addresses = {"email": reach.email, "sms": reach.phone, "letter": reach.postal}
    channels = [c for c in CHANNEL_ORDER[step.action] if addresses[c]]
    if not channels:
        raise ValidationError(_("The customer has no e-mail address, phone number or postal address to write to."))
    for channel in channels:
        template = cache.template(kind, channel, reach.language)
        if template is None:
            continue
        with languages.writing_in(reach.language):
            money = cache.money(step.currency, reach.language)
            context = message_context(step, company, contact, lines, cache.seller_details(), money)
            rendered = cache.renderer.render(template, context)
        return Outgoing(
            channel=channel,
            to=addresses[channel],
            subject=rendered.subject or rendered.text[:60],
            body=rendered.text,
            body_html=rendered.html,
            idempotency_key=f"collections:{step.pk}",
            kind=kind,
            language=rendered.language,
            contact=contact,
            company=company,
            related=step,
        )
    raise ValidationError(_("No message template for %(kind)s.") % {"kind": kind})


class _Invoice(NamedTuple):
    """What a message prints of a step's invoice."""

    number: str
    due_date: datetime.date | None


@dataclass(frozen=True, slots=True)
class _Line:
    """A step's invoice before it is written: its ``CollectionStepInvoice`` row, and what the
    message prints of it (``message_context`` reads it as it reads a saved line)."""

    invoice_id: Any
    invoice: _Invoice
    position: int
    outstanding: decimal.Decimal
    interest: decimal.Decimal
    compensation: decimal.Decimal


LINE_COLUMNS = ["id", "step", "invoice", "position", "outstanding", "interest", "compensation"]


def _insert_lines(steps_lines: Sequence[tuple[CollectionStep, Sequence[_Line]]]) -> None:
    """The steps' lines in one statement (a line already taken breaks the unique constraint)."""
    rows = [
        (uuid7(), step.pk, line.invoice_id, line.position, line.outstanding, line.interest, line.compensation)
        for step, lines in steps_lines
        for line in lines
    ]
    if rows:
        bulk.insert_values(CollectionStepInvoice, LINE_COLUMNS, rows)


def _new_step(
    today: datetime.date,
    item: _Planned,
    company: Company | None,
    contact: Contact | None,
    payments: Mapping[Any, list[late_payment.Settlement]],
    cache: _RunCache,
) -> tuple[CollectionStep, list[_Line]]:
    """The step and its invoices' lines, not saved yet."""
    charges = {row["id"]: _charges(row, today, payments, cache) for row in item.rows}
    step = CollectionStep(
        company=company,
        contact=contact if company is None else None,
        level=item.level,
        position=item.level.position,
        action=item.level.action,
        template_kind=item.level.template_kind,
        day=today,
        state=CollectionStepState.AWAITING_APPROVAL if item.needs_approval else CollectionStepState.DONE,
        owed=sum((_outstanding(row) for row in item.rows), ZERO),
        interest=sum((charges[row["id"]][0] for row in item.rows), ZERO),
        compensation=sum((charges[row["id"]][1] for row in item.rows), ZERO),
        currency=item.rows[0]["currency"],
    )
    lines = [
        _Line(
            invoice_id=row["id"],
            invoice=_Invoice(row["number"], row["due_date"]),
            position=item.level.position,
            outstanding=_outstanding(row),
            interest=charges[row["id"]][0],
            compensation=charges[row["id"]][1],
        )
        for row in item.rows
    ]
    return step, lines


MESSAGE_ACTIONS = (CollectionActionKind.EMAIL, CollectionActionKind.SMS, CollectionActionKind.LETTER)


def _take_steps(
    today: datetime.date,
    planned: list[_Planned],
    payments: Mapping[Any, list[late_payment.Settlement]],
    cache: _RunCache,
    parties: _Parties | None = None,
) -> dict[CustomerKey, str]:
    """Write a chunk's steps together, inside the caller's transaction; returns the customers
    whose step could not be taken, with why (they are left out, the others are written)."""
    parties = parties or _Parties.read([item.key for item in planned])
    failed: dict[CustomerKey, str] = {}
    steps: list[tuple[CollectionStep, list[_Line]]] = []
    messaged: list[tuple[CustomerKey, CollectionStep, Any]] = []
    after: list[tuple[CollectionStep, Company | None, Contact | None]] = []
    for item in planned:
        company, contact = parties.customer(item.key)
        step, lines = _new_step(today, item, company, contact, payments, cache)
        if step.state == CollectionStepState.DONE and step.action in MESSAGE_ACTIONS:
            try:
                messaged.append(
                    (item.key, step, _outgoing(step, company, contact, lines, cache, parties.reach(item.key)))
                )
            except ValidationError as exc:
                failed[item.key] = "; ".join(exc.messages)
                continue
        else:
            after.append((step, company, contact))
        steps.append((step, lines))
    queued = _queue(messaged, failed)
    for step, message in queued:
        step.message_id = message.pk
    refused = {step.pk for _key, step, _outgoing in messaged} - {step.pk for step, _message in queued}
    written = [(step, lines) for step, lines in steps if step.pk not in refused]
    bulk.insert(CollectionStep, [step for step, _lines in written])
    _insert_lines(written)
    ids = changes.record_created_many(actor=None, objs=[step for step, _lines in written])
    for step, company, contact in after:
        if step.state == CollectionStepState.AWAITING_APPROVAL:
            _ask_for_approval(step, company, contact)
        else:
            _perform(step, company, contact, actor=None)
    if ids:
        emit(CollectionStepsTaken(count=len(ids), ids=ids))
    return failed


def _queue(
    messaged: list[tuple[CustomerKey, CollectionStep, Any]], failed: dict[CustomerKey, str]
) -> list[tuple[CollectionStep, Any]]:
    """Queue the steps' messages together; returns the steps queued, with their messages. A
    message the outbox refuses (a phone number it cannot use) fails its step, as it would taken
    alone, and the others are queued: the outbox checks every message before it writes any."""
    from accord.messaging import services as messaging

    while messaged:
        try:
            queued = messaging.queue_many(actor=None, items=[outgoing for _key, _step, outgoing in messaged])
        except ValidationError as exc:
            refused: dict[int, list[str]] = defaultdict(list)
            for name, problems in exc.message_dict.items():
                number = name.partition(".")[0]
                if not number.isdigit():
                    raise
                refused[int(number)].extend(problems)
            for position, problems in refused.items():
                failed[messaged[position][0]] = "; ".join(problems)
            messaged = [item for position, item in enumerate(messaged) if position not in refused]
        else:
            return [(step, message) for (_key, step, _outgoing), message in zip(messaged, queued, strict=True)]
    return []


def _customer(key: CustomerKey) -> tuple[Company | None, Contact | None]:
    companies, contacts = _parties([key])
    return companies.get(key[0]) if key[0] else None, contacts.get(key[1]) if key[1] else None


def _parties(keys: Sequence[CustomerKey]) -> tuple[dict[Any, Company], dict[Any, Contact]]:
    """The customers of ``keys`` with what messages to them need (owner, addresses, the company's
    people with their e-mail and phone)."""
    from accord.people.models import Address, ContactCompany

    addresses = Prefetch("addresses", queryset=Address.objects.order_by("position", "id"))
    people = Prefetch(
        "contact_links", queryset=ContactCompany.objects.select_related("contact").order_by("contact__created_at")
    )
    company_ids = [key[0] for key in keys if key[0]]
    contact_ids = [key[1] for key in keys if key[1]]
    companies = {
        c.pk: c
        for c in Company.objects.filter(pk__in=company_ids).select_related("owner").prefetch_related(addresses, people)
    }
    contacts = {
        c.pk: c for c in Contact.objects.filter(pk__in=contact_ids).select_related("owner").prefetch_related(addresses)
    }
    return companies, contacts


def _take_step(
    today: datetime.date,
    item: _Planned,
    payments: Mapping[Any, list[late_payment.Settlement]],
    cache: _RunCache,
) -> bool:
    """Write one step and do it, in one transaction; False when another run took it first."""
    company, contact = _customer(item.key)
    try:
        with transaction.atomic():
            step, lines = _new_step(today, item, company, contact, payments, cache)
            step.save()
            _insert_lines([(step, lines)])
            changes.record_create(actor=None, obj=step)
            if step.state == CollectionStepState.AWAITING_APPROVAL:
                _ask_for_approval(step, company, contact)
            else:
                _perform(step, company, contact, actor=None, lines=lines, cache=cache)
            emit(
                CollectionStepTaken(
                    action=step.action,
                    position=step.position,
                    state=step.state,
                    invoice_ids=[str(row["id"]) for row in item.rows],
                ),
                obj=step,
            )
    except IntegrityError:
        return False  # another run took this level for one of these invoices
    return True


def _owner(company: Company | None, contact: Contact | None) -> Any:
    party = company or contact
    return party.owner if party is not None else None


def _ask_for_approval(step: CollectionStep, company: Company | None, contact: Contact | None) -> None:
    from accord.messaging import services as messaging

    owner = _owner(company, contact)
    if owner is None or not owner.is_active:
        return
    with languages.writing_to_user(owner):
        messaging.notify(
            user=owner,
            subject=_("Approve a collection step: %(action)s for %(customer)s")
            % {"action": step.get_action_display(), "customer": company or contact},
            body=_("Owed %(amount)s.") % {"amount": format_money(step.owed, step.currency)},
            url=reverse("billing:collections-approvals"),
            idempotency_key=f"collections-approval:{step.pk}",
            related=step,
        )


def _perform(
    step: CollectionStep,
    company: Company | None,
    contact: Contact | None,
    *,
    actor: User | None,
    lines: Sequence[Any] | None = None,
    cache: _RunCache | None = None,
) -> None:
    """Do what the step says: queue its message, make its call task, or hand the customer over."""
    from accord.messaging import services as messaging

    if step.action in MESSAGE_ACTIONS:
        if lines is None:
            lines = list(step.invoices.select_related("invoice"))
        item = _outgoing(step, company, contact, lines, cache or _RunCache(rates=[]))
        message = messaging.queue_message(
            actor=actor,
            channel=item.channel,
            to=item.to,
            subject=item.subject,
            body=item.body,
            body_html=item.body_html,
            idempotency_key=item.idempotency_key,
            kind=item.kind,
            language=item.language,
            contact=contact,
            company=company,
            related=step,
        )
        step.message_id = message.pk
    elif step.action == CollectionActionKind.CALL:
        task = _call_task(step, company, contact, actor=actor)
        step.task_id = task.pk if task is not None else None
    elif step.action == CollectionActionKind.HANDOFF:
        hand_off(actor=actor, company=company, contact=contact, day=step.day, checked=True)
    step.save(update_fields=["message_id", "task_id", "updated_at"])


# --- calls ------------------------------------------------------------------------------------


def _call_task(step: CollectionStep, company: Company | None, contact: Contact | None, *, actor: User | None) -> Any:
    from accord.activities import services as activities

    owner = _owner(company, contact)
    with languages.writing_to_user(owner):
        title = _("Call about overdue invoices: %(amount)s") % {"amount": format_money(step.owed, step.currency)}
        numbers = ", ".join(step.invoices.values_list("invoice__number", flat=True).order_by("invoice__number"))
    due = timezone.make_aware(datetime.datetime.combine(step.day, datetime.time(12, 0)))
    return activities.create_task(
        actor=actor,
        data={
            "title": title[:200],
            "description": numbers,
            "due_at": due,
            "owner": owner,
            "company": company,
            "contact": contact,
            "priority": "high",
        },
        related=step,
    )


# --- hand-off, promises, disputes, pauses ------------------------------------------------------


def _profile(company: Company | None, contact: Contact | None) -> CollectionProfile:
    if company is not None:
        profile, _created = CollectionProfile.objects.get_or_create(company=company)
    else:
        profile, _created = CollectionProfile.objects.get_or_create(contact=contact)
    return profile


def _require(actor: User | None, company: Company | None, contact: Contact | None) -> None:
    party = company or contact
    if party is None:
        raise ValidationError({"company": [_("Choose the customer: a company or a contact.")]})
    if actor is not None:
        access.require(actor, Action.CHANGE, party)


@transaction.atomic
def hand_off(
    *,
    actor: User | None,
    company: Company | None = None,
    contact: Contact | None = None,
    agency: str = "",
    day: datetime.date | None = None,
    checked: bool = False,
) -> CollectionProfile:
    """Mark the customer as handed over to collection: the ladder stops for it."""
    if not checked:
        _require(actor, company, contact)
    profile = _profile(company, contact)
    if profile.in_collection_since:
        return profile
    before = changes.snapshot(profile)
    profile.in_collection_since = day or timezone.localdate()
    profile.collection_agency = (agency or profile.collection_agency)[:200]
    profile.save()
    changes.record_update(actor=actor, obj=profile, before=before)
    emit(
        CollectionHandedOff(
            company_id=str(company.pk) if company else None,
            contact_id=str(contact.pk) if contact else None,
            agency=profile.collection_agency,
        ),
        obj=profile,
        actor=actor,
    )
    return profile


@transaction.atomic
def record_promise(
    *,
    actor: User | None,
    promised_on: datetime.date,
    company: Company | None = None,
    contact: Contact | None = None,
    amount: Any = None,
    note: str = "",
    today: datetime.date | None = None,
) -> PromiseToPay:
    """The customer promised to pay by ``promised_on``: the ladder waits until that day passes."""
    _require(actor, company, contact)
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if promised_on < today:
        errors["promised_on"] = [_("A promise to pay needs a date from today on.")]
    elif promised_on > today + datetime.timedelta(days=366):
        errors["promised_on"] = [_("A promise to pay needs a date within a year.")]
    # The payments' own check: a positive amount the money columns hold, to the grosz.
    amount = clean_amount(amount, errors) if amount is not None and str(amount).strip() else None
    if errors:
        raise ValidationError(errors)
    promise = PromiseToPay.objects.create(
        company=company,
        contact=contact if company is None else None,
        promised_on=promised_on,
        amount=amount,
        note=note[:300],
        created_by=actor,
    )
    changes.record_create(actor=actor, obj=promise)
    return promise


@transaction.atomic
def open_dispute(*, actor: User | None, invoice: Invoice, reason: str) -> InvoiceDispute:
    """The customer disputes ``invoice``: it takes no collection step until the dispute is resolved."""
    if actor is not None:
        access.require(actor, Action.CHANGE, invoice)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say what the customer disputes.")]})
    if invoice.status not in UNPAID:
        raise ValidationError({"invoice": [_("Only an issued invoice that is not paid can be disputed.")]})
    existing = InvoiceDispute.objects.filter(invoice=invoice, resolved_at__isnull=True).first()
    if existing is not None:
        return existing
    dispute = InvoiceDispute.objects.create(invoice=invoice, reason=reason[:300], created_by=actor)
    changes.record_create(actor=actor, obj=dispute)
    return dispute


@transaction.atomic
def resolve_dispute(*, actor: User | None, dispute: InvoiceDispute, resolution: str = "") -> InvoiceDispute:
    if actor is not None:
        access.require(actor, Action.CHANGE, dispute.invoice)
    locked = InvoiceDispute.objects.select_for_update().get(pk=dispute.pk)
    if locked.resolved_at is not None:
        return locked
    before = changes.snapshot(locked)
    locked.resolved_at = timezone.now()
    locked.resolution = (resolution or "").strip()[:300]
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked


@transaction.atomic
def pause(
    *,
    actor: User | None,
    reason: str,
    company: Company | None = None,
    contact: Contact | None = None,
    source: str = "",
    until: datetime.date | None = None,
) -> CollectionPause:
    """Hold collections back for a customer (until ``until``, or until lifted). One open pause
    per ``source``: asked again, the same pause is returned."""
    if actor is not None:
        _require(actor, company, contact)
    if company is None and contact is None:
        raise ValidationError({"company": [_("Choose the customer: a company or a contact.")]})
    source = (source or "")[:120]
    if source:
        existing = CollectionPause.objects.filter(source=source, lifted_at__isnull=True).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            paused = CollectionPause.objects.create(
                company=company,
                contact=contact if company is None else None,
                reason=(reason or "").strip()[:300] or _("Paused"),
                source=source,
                until=until,
            )
    except IntegrityError:
        return CollectionPause.objects.get(source=source, lifted_at__isnull=True)
    changes.record_create(actor=actor, obj=paused)
    return paused


@transaction.atomic
def lift_pause(*, actor: User | None, source: str = "", paused: CollectionPause | None = None) -> int:
    """Lift the open pause of ``source`` (or the one given); returns how many were lifted."""
    queryset = CollectionPause.objects.filter(lifted_at__isnull=True)
    if paused is not None:
        if actor is not None:
            _require(actor, paused.company, paused.contact)
        queryset = queryset.filter(pk=paused.pk)
    elif source:
        queryset = queryset.filter(source=source)
    else:
        return 0
    return queryset.update(lifted_at=timezone.now(), updated_at=timezone.now())


# --- approval ---------------------------------------------------------------------------------


def _decide(actor: User, step: CollectionStep) -> tuple[CollectionStep, Company | None, Contact | None]:
    locked = CollectionStep.objects.select_for_update(of=("self",)).select_related("company", "contact").get(pk=step.pk)
    party = locked.company or locked.contact
    if party is None or not access.can_view(actor, party):
        raise Http404
    owner_id = getattr(party, "owner_id", None)
    role = getattr(actor, "role", None)
    if not (
        actor.is_superuser or (role is not None and role.is_admin) or owner_id == actor.id or access.sees_all(actor)
    ):
        raise AccessDenied(_("Only the customer's owner or an administrator decides this step."))
    if locked.state != CollectionStepState.AWAITING_APPROVAL:
        raise ValidationError({"state": [_("This step was already decided.")]})
    return locked, locked.company, locked.contact


@transaction.atomic
def approve_step(*, actor: User, step: CollectionStep) -> CollectionStep:
    """The owner lets a step that waited for approval happen now."""
    locked, company, contact = _decide(actor, step)
    before = changes.snapshot(locked)
    locked.state = CollectionStepState.DONE
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
    _perform(locked, company, contact, actor=actor)
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked


@transaction.atomic
def reject_step(*, actor: User, step: CollectionStep) -> CollectionStep:
    """The owner stops a step: it is not taken, and the invoices may climb on later."""
    locked, _company, _contact = _decide(actor, step)
    before = changes.snapshot(locked)
    locked.state = CollectionStepState.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked


# --- the collections call ---------------------------------------------------------------------


def _next_working_day(day: datetime.date) -> datetime.date:
    following = day + datetime.timedelta(days=1)
    while following.weekday() >= 5:
        following += datetime.timedelta(days=1)
    return following


@transaction.atomic
def log_call(
    *,
    actor: User,
    step: CollectionStep,
    result: str,
    note: str = "",
    promised_on: datetime.date | None = None,
    amount: Any = None,
    dispute_reason: str = "",
    today: datetime.date | None = None,
) -> Any:
    """The agent phoned the customer about a call step: the call goes on the timeline and its
    result acts on the ladder: a promise to pay holds it until the promised day, a dispute holds
    the step's invoices, no answer moves the call to the next working day; otherwise the call
    task is done."""
    from accord.activities import services as activities
    from accord.activities.models import CallOutcome, Direction, InteractionChannel, Task, TaskStatus

    today = today or timezone.localdate()
    locked = CollectionStep.objects.select_for_update(of=("self",)).select_related("company", "contact").get(pk=step.pk)
    company, contact = locked.company, locked.contact
    _require(actor, company, contact)
    if locked.action != CollectionActionKind.CALL:
        raise ValidationError({"step": [_("This step is not a call.")]})
    if result not in CallResult.values:
        raise ValidationError({"result": [_("Choose how the call went.")]})
    if result == CallResult.PROMISE:
        if promised_on is None:
            raise ValidationError({"promised_on": [_("Enter the date the customer promised to pay by.")]})
        record_promise(
            actor=actor,
            company=company,
            contact=contact,
            promised_on=promised_on,
            amount=amount,
            note=note,
            today=today,
        )
    elif result == CallResult.DISPUTE:
        reason = (dispute_reason or note).strip()
        if not reason:
            raise ValidationError({"dispute_reason": [_("Say what the customer disputes.")]})
        for line in locked.invoices.select_related("invoice"):
            if line.invoice.status in UNPAID:
                open_dispute(actor=actor, invoice=line.invoice, reason=reason)
    labels = dict(CallResult.choices)
    interaction = activities.log_interaction(
        actor=actor,
        data={
            "channel": InteractionChannel.PHONE,
            "direction": Direction.OUTBOUND,
            "outcome": CallOutcome.NO_ANSWER if result == CallResult.NO_ANSWER else CallOutcome.CONNECTED,
            "subject": str(_("Collections call: %(result)s") % {"result": labels[result]})[:200],
            "body": note,
            "company": company,
            "contact": contact,
        },
        related=locked,
    )
    task = Task.objects.filter(pk=locked.task_id).first() if locked.task_id else None
    if task is not None and task.status == TaskStatus.OPEN:
        if result == CallResult.NO_ANSWER:
            again = timezone.make_aware(datetime.datetime.combine(_next_working_day(today), datetime.time(10, 0)))
            activities.reschedule_task(actor=actor, task=task, due_at=again)
        else:
            activities.complete_task(actor=actor, task=task)
    return interaction


# --- settings: ladders, levels, interest rates, customer profiles ---------------------------


def _require_admin(actor: User | None) -> None:
    if actor is not None and not access.is_admin(actor):
        raise AccessDenied(_("Only an administrator changes the collections settings."))


def _level_rows(levels: Sequence[Mapping[str, Any]], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i, level in enumerate(levels):
        here = f"levels.{i}"
        try:
            days = int(str(level.get("days_after_due", "")).strip())
        except ValueError:
            errors[f"{here}.days_after_due"] = [_("Enter a whole number of days.")]
            continue
        if not 0 <= days <= 3650:
            errors[f"{here}.days_after_due"] = [_("Enter a number of days from 0 to %(max)s.") % {"max": 3650}]
            continue
        action = str(level.get("action", ""))
        if action not in CollectionActionKind.values:
            errors[f"{here}.action"] = [_("Choose an action.")]
            continue
        template = str(level.get("template_kind", "")).strip()[:40]
        if action in MESSAGE_ACTIONS and not template:
            errors[f"{here}.template_kind"] = [_("Name the message template this level sends.")]
            continue
        rows.append(
            {
                "days_after_due": days,
                "action": action,
                "template_kind": template,
                "needs_approval": bool(level.get("needs_approval")),
            }
        )
    if not errors:
        for i, (earlier, later) in enumerate(itertools.pairwise(rows), start=1):
            if later["days_after_due"] < earlier["days_after_due"]:
                errors[f"levels.{i}.days_after_due"] = [_("A level cannot come earlier than the one before it.")]
    return rows


@transaction.atomic
def save_ladder(
    *,
    actor: User | None,
    name: str,
    levels: Sequence[Mapping[str, Any]],
    ladder: CollectionLadder | None = None,
    min_days_between_steps: Any = 7,
    is_default: bool = False,
) -> CollectionLadder:
    """Create or change a ladder with its levels, in order (positions follow). Steps already
    taken keep their level's position; invoices climb the new levels from where they stand."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 80:
        errors["name"] = [_("Name the ladder (at most 80 characters).")]
    elif CollectionLadder.objects.filter(name=name).exclude(pk__in=[ladder.pk] if ladder else []).exists():
        errors["name"] = [_("A ladder with this name exists.")]
    try:
        gap = int(str(min_days_between_steps).strip())
        if not 0 <= gap <= 365:
            raise ValueError
    except ValueError:
        errors["min_days_between_steps"] = [_("Enter a number of days from 0 to %(max)s.") % {"max": 365}]
        gap = 7
    rows = _level_rows(levels, errors)
    if not rows and "levels" not in errors and not any(key.startswith("levels.") for key in errors):
        errors["levels"] = [_("Add at least one level.")]
    if errors:
        raise ValidationError(errors)
    if ladder is None:
        ladder = CollectionLadder(name=name)
        before = None
    else:
        ladder = CollectionLadder.objects.select_for_update().get(pk=ladder.pk)
        before = changes.snapshot(ladder, extra={"levels": _levels_snapshot(ladder)})
    if is_default:
        CollectionLadder.objects.filter(is_default=True).exclude(pk=ladder.pk).update(is_default=False)
    ladder.name = name
    ladder.min_days_between_steps = gap
    ladder.is_default = is_default or (ladder.is_default and before is not None)
    ladder.save()
    ladder.levels.all().delete()
    CollectionLevel.objects.bulk_create(
        CollectionLevel(ladder=ladder, position=i, **row) for i, row in enumerate(rows, start=1)
    )
    if before is None:
        changes.record_create(actor=actor, obj=ladder, extra={"levels": _levels_snapshot(ladder)})
    else:
        changes.record_update(actor=actor, obj=ladder, before=before, extra={"levels": _levels_snapshot(ladder)})
    return ladder


def _levels_snapshot(ladder: CollectionLadder) -> list[str]:
    found = []
    for level in ladder.levels.order_by("position"):
        mark = " (approval)" if level.needs_approval else ""
        found.append(f"{level.position}: +{level.days_after_due} {level.action} {level.template_kind}{mark}")
    return found


@transaction.atomic
def set_interest_rate(*, actor: User | None, valid_from: Any, annual_percent: Any) -> LatePaymentRate:
    """Add (or correct) the statutory late-payment interest rate in force from ``valid_from``."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    day: datetime.date | None = None
    try:
        day = (
            valid_from
            if isinstance(valid_from, datetime.date)
            else datetime.date.fromisoformat(str(valid_from).strip())
        )
    except ValueError:
        errors["valid_from"] = [_("Enter a date as YYYY-MM-DD.")]
    try:
        percent = decimal.Decimal(str(annual_percent).strip().replace(",", "."))
        if not percent.is_finite() or not 0 <= percent < 100 or percent != percent.quantize(decimal.Decimal("0.01")):
            raise decimal.InvalidOperation
    except decimal.InvalidOperation:
        errors["annual_percent"] = [_("Enter a rate from 0 to 99.99, with at most two decimal places.")]
        percent = ZERO
    if errors or day is None:
        raise ValidationError(errors)
    rate, _created = LatePaymentRate.objects.update_or_create(valid_from=day, defaults={"annual_percent": percent})
    return rate


@transaction.atomic
def save_profile(
    *,
    actor: User | None,
    company: Company | None = None,
    contact: Contact | None = None,
    ladder: CollectionLadder | None = None,
    key_account: bool = False,
) -> CollectionProfile:
    """Which ladder a customer climbs, and whether it is a key account (its letters and hand-off
    wait for its owner's approval)."""
    _require(actor, company, contact)
    profile = _profile(company, contact)
    before = changes.snapshot(profile)
    profile.ladder = ladder
    profile.key_account = key_account
    profile.save()
    changes.record_update(actor=actor, obj=profile, before=before)
    return profile
