"""The collections run and the decisions people make about it.

``run`` walks the overdue invoices customer by customer (ordered, in chunks, so 50,000 customers
never sit in memory at once), asks the ladder (``accord.billing.ladder``) what each customer's
next step is, and takes it: a reminder e-mail or SMS or a printed letter through the outbox, a
call task for the customer's owner, or the hand-off to collection. Each step is written with one
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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
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
from accord.billing.services.common import customer_block
from accord.billing.services.payments import clean_amount
from accord.core import access, changes, languages, money
from accord.core.access import AccessDenied, Action
from accord.core.events import EventPayload, emit
from accord.core.money import format_money
from accord.people.models import Company, Contact

if TYPE_CHECKING:
    from accord.identity.models import User

log = logging.getLogger(__name__)
ZERO = decimal.Decimal("0.00")
CHUNK = 500  # customers planned per round of reads
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


def _overdue_rows(today: datetime.date, customers: Sequence[CustomerKey] | None = None) -> Iterator[dict[str, Any]]:
    queryset = Invoice.objects.filter(kind=InvoiceKind.VAT, status__in=UNPAID, due_date__lt=today)
    if customers is not None:
        q = Q(pk__in=[])
        for company_id, contact_id in customers:
            q |= Q(company_id=company_id) if company_id else Q(company__isnull=True, contact_id=contact_id)
        queryset = queryset.filter(q)
    rows = (
        queryset.order_by("company_id", "contact_id", "due_date", "id")
        .values(
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
        .iterator(chunk_size=2000)
    )
    return cast(Iterator[dict[str, Any]], rows)


def _key(row: Mapping[str, Any]) -> CustomerKey:
    return (row["company_id"], None) if row["company_id"] else (None, row["contact_id"])


def _chunks(
    today: datetime.date, customers: Sequence[CustomerKey] | None
) -> Iterator[list[tuple[CustomerKey, list[dict[str, Any]]]]]:
    grouped = itertools.groupby(_overdue_rows(today, customers), key=_key)
    while True:
        chunk = [(key, list(rows)) for key, rows in itertools.islice(grouped, CHUNK)]
        if not chunk:
            return
        yield chunk


@dataclass
class _Context:
    """What one chunk of customers needs, read in a handful of queries."""

    profiles: dict[CustomerKey, CollectionProfile]
    promises: dict[CustomerKey, datetime.date]
    pauses: dict[CustomerKey, datetime.date]
    disputed: set[Any]
    taken: dict[Any, list[planner.TakenStep]]
    awaiting: set[Any]
    payments: dict[Any, list[late_payment.Settlement]]
    names: dict[CustomerKey, str]


def _by_customer(rows: Any, value: str) -> dict[CustomerKey, Any]:
    found: dict[CustomerKey, Any] = {}
    for row in rows:
        key = (row["company_id"], None) if row["company_id"] else (None, row["contact_id"])
        found[key] = max(found.get(key) or row[value], row[value])
    return found


def _read_context(today: datetime.date, chunk: list[tuple[CustomerKey, list[dict[str, Any]]]]) -> _Context:
    company_ids = [key[0] for key, _rows in chunk if key[0]]
    contact_ids = [key[1] for key, _rows in chunk if key[1]]
    invoice_ids = [row["id"] for _key, rows in chunk for row in rows]
    party = Q(company_id__in=company_ids) | Q(contact_id__in=contact_ids)
    profiles = {
        ((p.company_id, None) if p.company_id else (None, p.contact_id)): p
        for p in CollectionProfile.objects.filter(party)
    }
    promises = _by_customer(
        PromiseToPay.objects.filter(party, promised_on__gte=today).values("company_id", "contact_id", "promised_on"),
        "promised_on",
    )
    open_pauses = CollectionPause.objects.filter(party, lifted_at__isnull=True).filter(
        Q(until__isnull=True) | Q(until__gte=today)
    )
    pauses: dict[CustomerKey, datetime.date] = {}
    for pause in open_pauses.values("company_id", "contact_id", "until"):
        key = (pause["company_id"], None) if pause["company_id"] else (None, pause["contact_id"])
        pauses[key] = max(pauses.get(key, today), pause["until"] or datetime.date.max)
    disputed = set(
        InvoiceDispute.objects.filter(invoice_id__in=invoice_ids, resolved_at__isnull=True).values_list(
            "invoice_id", flat=True
        )
    )
    taken: dict[Any, list[planner.TakenStep]] = defaultdict(list)
    awaiting: set[Any] = set()
    for row in CollectionStepInvoice.objects.filter(invoice_id__in=invoice_ids).values(
        "invoice_id", "position", "step__day", "step__state", "step__decided_at"
    ):
        day = row["step__day"]
        if row["step__state"] == CollectionStepState.AWAITING_APPROVAL:
            awaiting.add(row["invoice_id"])
        elif row["step__state"] == CollectionStepState.DONE and row["step__decided_at"] is not None:
            # Approved later than planned: the customer heard from us on the day it was approved.
            day = max(day, timezone.localdate(row["step__decided_at"]))
        taken[row["invoice_id"]].append(planner.TakenStep(row["position"], day))
    payments: dict[Any, list[late_payment.Settlement]] = defaultdict(list)
    for invoice_id, amount, received_on in PaymentAllocation.objects.filter(invoice_id__in=invoice_ids).values_list(
        "invoice_id", "amount", "payment__received_on"
    ):
        payments[invoice_id].append(late_payment.Settlement(received_on, amount))
    names: dict[CustomerKey, str] = {
        (pk, None): name for pk, name in Company.objects.filter(pk__in=company_ids).values_list("pk", "name")
    }
    for person in Contact.objects.filter(pk__in=contact_ids).only("first_name", "last_name"):
        names[(None, person.pk)] = str(person)
    return _Context(profiles, promises, pauses, disputed, dict(taken), awaiting, dict(payments), names)


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
) -> RunReport:
    """Take today's collection steps (or, with ``dry_run``, only say which). Safe to run again
    and from several workers at once: a step already taken is not taken again.

    A chunk of customers' steps is written together (their messages in one INSERT, their steps
    in another, in one transaction); if another run took one of them meanwhile, the chunk is
    taken again one step at a time, each skipping what is already taken."""
    today = today or timezone.localdate()
    report = RunReport(today=today, dry_run=dry_run)
    ladders, levels = _ladders()
    cache = _RunCache(rates=rates())
    for chunk in _chunks(today, customers):
        context = _read_context(today, chunk)
        planned: list[_Planned] = []
        for key, rows in chunk:
            report.customers += 1
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
                    customer=context.names.get(key) or str(key[0] or key[1]),
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
        if dry_run or not planned:
            continue
        try:
            with transaction.atomic():
                failed = _take_steps(today, planned, context.payments, cache)
        except IntegrityError:
            # Another run took some of these steps: take them one at a time, skipping those.
            failed = {}
            for item in planned:
                try:
                    item.entry.taken = _take_step(today, item, context.payments, cache)
                except Exception as exc:  # one customer's failure does not stop the others
                    log.exception("collection step failed for %s", item.key)
                    failed[item.key] = str(exc)
        else:
            for item in planned:
                item.entry.taken = item.key not in failed
        report.taken += sum(1 for item in planned if item.entry.taken)
        report.errors.extend(f"{key[0] or key[1]}: {problem}" for key, problem in failed.items())
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
    """What a run reads once: the interest rates, the euro rate of each day asked, the seller,
    the message templates."""

    rates: list[late_payment.InterestRate]
    euro: dict[datetime.date, decimal.Decimal | None] = field(default_factory=dict)
    seller: dict[str, str] | None = None
    templates: dict[tuple[str, str, str], Any] = field(default_factory=dict)

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
    payments: dict[Any, list[late_payment.Settlement]] = defaultdict(list)
    for invoice_id, amount, received_on in PaymentAllocation.objects.filter(invoice__in=invoices).values_list(
        "invoice_id", "amount", "payment__received_on"
    ):
        payments[invoice_id].append(late_payment.Settlement(received_on, amount))
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


def _parties(keys: Sequence[CustomerKey]) -> tuple[dict[Any, Company], dict[Any, Contact]]:
    """The customers of ``keys`` with what messages to them need (owner, addresses, the company's
    people with their e-mail and phone), in four queries whatever their number."""
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


@dataclass(frozen=True)
class _Reach:
    """Where a customer can be written to."""

    email: str
    phone: str
    postal: str  # the name and the address lines, as the envelope's window shows them
    language: str


def _reach(company: Company | None, contact: Contact | None) -> _Reach:
    from accord.people.selectors import customer_language

    person = contact
    if person is None and company is not None:
        links = list(company.contact_links.all())
        person = links[0].contact if links else None
    email = (person.primary_email if person else "") or (company.primary_email if company else "")
    phone = (person.primary_phone if person else "") or (company.primary_phone if company else "")
    block = customer_block(company, contact)
    postal = "\n".join([block["name"], block["address"]]) if block["address"] else ""
    return _Reach(email, phone, postal, customer_language(contact=contact, company=company))


CHANNEL_ORDER = {"email": ["email", "sms", "letter"], "sms": ["sms", "email", "letter"], "letter": ["letter"]}


def message_context(
    step: CollectionStep,
    company: Company | None,
    contact: Contact | None,
    lines: Sequence[Any],
    seller: Mapping[str, str],
) -> dict[str, Any]:
    """The template variables of a collections message (``lines``: the step's invoices, each
    with its ``invoice``), written in the active language."""
    currency = step.currency
    ordered = sorted(lines, key=lambda line: (line.invoice.due_date or step.day, line.invoice.number))
    invoices = [
        {
            "number": line.invoice.number,
            "due_date": line.invoice.due_date,
            "days_overdue": (step.day - line.invoice.due_date).days if line.invoice.due_date else 0,
            "outstanding": format_money(line.outstanding, currency),
            "interest": format_money(line.interest, currency) if line.interest else "",
            "compensation": format_money(line.compensation, currency) if line.compensation else "",
        }
        for line in ordered
    ]
    return {
        "customer": str(company or contact or ""),
        "seller": seller.get("name") or settings.ACCORD_NAME,
        "account": seller.get("bank_account", ""),
        "numbers": ", ".join(line.invoice.number for line in ordered),
        "total": format_money(step.owed, currency),
        "interest": format_money(step.interest, currency) if step.interest else "",
        "compensation": format_money(step.compensation, currency) if step.compensation else "",
        "to_pay": format_money(step.owed + step.interest + step.compensation, currency),
        "days": DEMAND_DAYS,
        "invoices": invoices,
    }


def _outgoing(
    step: CollectionStep,
    company: Company | None,
    contact: Contact | None,
    lines: Sequence[Any],
    cache: _RunCache,
) -> Any:
    """The step's message for the outbox, on the first channel the customer can be reached by."""
    from accord.messaging.services import Outgoing
    from accord.messaging.services.templates import render_template

    reach = _reach(company, contact)
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
            rendered = render_template(template, message_context(step, company, contact, lines, cache.seller_details()))
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


def _new_step(
    today: datetime.date,
    item: _Planned,
    company: Company | None,
    contact: Contact | None,
    payments: Mapping[Any, list[late_payment.Settlement]],
    cache: _RunCache,
) -> tuple[CollectionStep, list[CollectionStepInvoice]]:
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
    lines = []
    for row in item.rows:
        line = CollectionStepInvoice(
            step=step,
            invoice_id=row["id"],
            position=item.level.position,
            outstanding=_outstanding(row),
            interest=charges[row["id"]][0],
            compensation=charges[row["id"]][1],
        )
        # What the message prints of the invoice, without reading it again.
        line.invoice = Invoice(pk=row["id"], number=row["number"], due_date=row["due_date"])
        lines.append(line)
    return step, lines


MESSAGE_ACTIONS = (CollectionActionKind.EMAIL, CollectionActionKind.SMS, CollectionActionKind.LETTER)


def _take_steps(
    today: datetime.date,
    planned: list[_Planned],
    payments: Mapping[Any, list[late_payment.Settlement]],
    cache: _RunCache,
) -> dict[CustomerKey, str]:
    """Write a chunk's steps together, inside the caller's transaction; returns the customers
    whose step could not be taken, with why (they are left out, the others are written)."""
    from accord.messaging import services as messaging

    companies, contacts = _parties([item.key for item in planned])
    failed: dict[CustomerKey, str] = {}
    steps: list[CollectionStep] = []
    lines: list[CollectionStepInvoice] = []
    outgoing: list[Any] = []
    messaged: list[CollectionStep] = []
    after: list[tuple[CollectionStep, Company | None, Contact | None]] = []
    for item in planned:
        company = companies.get(item.key[0]) if item.key[0] else None
        contact = contacts.get(item.key[1]) if item.key[1] else None
        step, step_lines = _new_step(today, item, company, contact, payments, cache)
        if step.state == CollectionStepState.DONE and step.action in MESSAGE_ACTIONS:
            try:
                outgoing.append(_outgoing(step, company, contact, step_lines, cache))
            except ValidationError as exc:
                failed[item.key] = "; ".join(exc.messages)
                continue
            messaged.append(step)
        else:
            after.append((step, company, contact))
        steps.append(step)
        lines.extend(step_lines)
    for step, message in zip(messaged, messaging.queue_many(actor=None, items=outgoing), strict=True):
        step.message_id = message.pk
    CollectionStep.objects.bulk_create(steps)
    CollectionStepInvoice.objects.bulk_create(lines)
    ids = changes.record_created_many(actor=None, objs=steps)
    for step, company, contact in after:
        if step.state == CollectionStepState.AWAITING_APPROVAL:
            _ask_for_approval(step, company, contact)
        else:
            _perform(step, company, contact, actor=None)
    if ids:
        emit(CollectionStepsTaken(count=len(ids), ids=ids))
    return failed


def _customer(key: CustomerKey) -> tuple[Company | None, Contact | None]:
    companies, contacts = _parties([key])
    return companies.get(key[0]) if key[0] else None, contacts.get(key[1]) if key[1] else None


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
            CollectionStepInvoice.objects.bulk_create(lines)
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
