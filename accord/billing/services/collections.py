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
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
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
from accord.core import access, changes, languages
from accord.core.access import AccessDenied, Action
from accord.core.events import EventPayload, emit
from accord.core.models import ExchangeRate
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
    and from several workers at once: a step already taken is not taken again."""
    today = today or timezone.localdate()
    report = RunReport(today=today, dry_run=dry_run)
    ladders, levels = _ladders()
    known_rates = rates()
    for chunk in _chunks(today, customers):
        context = _read_context(today, chunk)
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
                    outstanding=row["gross_total"] + row["corrections_total"] - row["paid_amount"],
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
            for planned in plan.steps:
                level = levels[(ladder_key if ladder_key in ladders else "", planned.level.position)]
                step_rows = [by_id[invoice_id] for invoice_id in planned.invoice_ids]
                entry = StepReport(
                    customer=context.names.get(key) or str(key[0] or key[1]),
                    action=level.action,
                    position=level.position,
                    invoices=[row["number"] for row in step_rows],
                    owed=sum((_outstanding(row) for row in step_rows), ZERO),
                    currency=step_rows[0]["currency"],
                    needs_approval=planned.needs_approval,
                )
                if keep_steps:
                    report.steps.append(entry)
                if dry_run:
                    continue
                try:
                    entry.taken = _take_step(
                        today=today,
                        key=key,
                        level=level,
                        rows=step_rows,
                        needs_approval=planned.needs_approval,
                        payments=context.payments,
                        rates=known_rates,
                    )
                    report.taken += int(entry.taken)
                except Exception as exc:  # one customer's failure does not stop the run for the others
                    log.exception("collection step failed for %s", key)
                    report.errors.append(f"{key[0] or key[1]}: {exc}")
    return report


def _outstanding(row: Mapping[str, Any]) -> decimal.Decimal:
    return row["gross_total"] + row["corrections_total"] - row["paid_amount"]


def _euro_rate(day: datetime.date) -> decimal.Decimal | None:
    """PLN per euro from the last table published on or before ``day``."""
    if settings.DEFAULT_CURRENCY != "PLN":
        return None
    rate = ExchangeRate.objects.filter(currency="EUR", day__lte=day).order_by("-day").first()
    return rate.rate if rate else None


def _charges(
    row: Mapping[str, Any],
    today: datetime.date,
    payments: Mapping[Any, list[late_payment.Settlement]],
    known_rates: list[late_payment.InterestRate],
) -> tuple[decimal.Decimal, decimal.Decimal]:
    """Statutory interest to ``today`` and the recovery compensation, in the invoice's currency
    (compensation only for invoices in the base currency, where the law's bands apply)."""
    amount = row["gross_total"] + row["corrections_total"]
    try:
        interest = late_payment.interest(
            amount=amount,
            due_date=row["due_date"],
            until=today,
            rates=known_rates,
            payments=payments.get(row["id"], ()),
        ).total
    except late_payment.LatePaymentError:
        interest = ZERO
    compensation = ZERO
    if row["currency"] == settings.DEFAULT_CURRENCY:
        euro = _euro_rate(late_payment.compensation_rate_day(row["due_date"]))
        if euro is not None:
            compensation = late_payment.compensation(amount, euro)[1]
    return interest, compensation


def _customer(key: CustomerKey) -> tuple[Company | None, Contact | None]:
    company = Company.objects.filter(pk=key[0]).first() if key[0] else None
    contact = Contact.objects.filter(pk=key[1]).first() if key[1] else None
    return company, contact


def _take_step(
    *,
    today: datetime.date,
    key: CustomerKey,
    level: Any,
    rows: list[dict[str, Any]],
    needs_approval: bool,
    payments: Mapping[Any, list[late_payment.Settlement]],
    rates: list[late_payment.InterestRate],
) -> bool:
    """Write the step and do it, in one transaction; False when another run took it first."""
    company, contact = _customer(key)
    charges = {row["id"]: _charges(row, today, payments, rates) for row in rows}
    try:
        with transaction.atomic():
            step = CollectionStep.objects.create(
                company=company,
                contact=contact if company is None else None,
                level=level,
                position=level.position,
                action=level.action,
                template_kind=level.template_kind,
                day=today,
                state=CollectionStepState.AWAITING_APPROVAL if needs_approval else CollectionStepState.DONE,
                owed=sum((_outstanding(row) for row in rows), ZERO),
                interest=sum((charges[row["id"]][0] for row in rows), ZERO),
                compensation=sum((charges[row["id"]][1] for row in rows), ZERO),
                currency=rows[0]["currency"],
            )
            CollectionStepInvoice.objects.bulk_create(
                CollectionStepInvoice(
                    step=step,
                    invoice_id=row["id"],
                    position=level.position,
                    outstanding=_outstanding(row),
                    interest=charges[row["id"]][0],
                    compensation=charges[row["id"]][1],
                )
                for row in rows
            )
            changes.record_create(actor=None, obj=step)
            if needs_approval:
                _ask_for_approval(step, company, contact)
            else:
                _perform(step, company, contact, actor=None)
            emit(
                CollectionStepTaken(
                    action=step.action,
                    position=step.position,
                    state=step.state,
                    invoice_ids=[str(row["id"]) for row in rows],
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


def _perform(step: CollectionStep, company: Company | None, contact: Contact | None, *, actor: User | None) -> None:
    """Do what the step says: queue its message, make its call task, or hand the customer over."""
    if step.action in (CollectionActionKind.EMAIL, CollectionActionKind.SMS, CollectionActionKind.LETTER):
        message = _queue_message(step, company, contact, actor=actor)
        step.message_id = message.pk if message is not None else None
    elif step.action == CollectionActionKind.CALL:
        task = _call_task(step, company, contact, actor=actor)
        step.task_id = task.pk if task is not None else None
    elif step.action == CollectionActionKind.HANDOFF:
        hand_off(actor=actor, company=company, contact=contact, day=step.day, checked=True)
    step.save(update_fields=["message_id", "task_id", "updated_at"])


# --- messages ---------------------------------------------------------------------------------


def _channels(step: CollectionStep, company: Company | None, contact: Contact | None) -> list[tuple[str, str]]:
    """Where the step's message can go, the level's channel first: e-mail -> SMS -> letter."""
    from accord.billing.services.common import customer_block

    person = contact or (company.contacts.order_by("created_at").first() if company is not None else None)
    email = (person.primary_email if person else "") or (company.primary_email if company else "")
    phone = (person.primary_phone if person else "") or (company.primary_phone if company else "")
    block = customer_block(company, contact)
    postal = "\n".join(line for line in [block["name"], *block.get("address", "").splitlines()] if line.strip())
    has_address = bool(block.get("address", "").strip())
    options = {"email": email, "sms": phone, "letter": postal if has_address else ""}
    order = {"email": ["email", "sms", "letter"], "sms": ["sms", "email", "letter"], "letter": ["letter"]}
    return [(channel, options[channel]) for channel in order[step.action] if options[channel]]


def message_context(step: CollectionStep, company: Company | None, contact: Contact | None) -> dict[str, Any]:
    """The template variables of a collections message, written in the active language."""
    from accord.sales.services.quotes import seller_details

    seller = seller_details()
    lines = list(step.invoices.select_related("invoice").order_by("invoice__due_date", "invoice__number"))
    currency = step.currency
    invoices = [
        {
            "number": line.invoice.number,
            "due_date": line.invoice.due_date,
            "days_overdue": (step.day - line.invoice.due_date).days if line.invoice.due_date else 0,
            "outstanding": format_money(line.outstanding, currency),
            "interest": format_money(line.interest, currency) if line.interest else "",
            "compensation": format_money(line.compensation, currency) if line.compensation else "",
        }
        for line in lines
    ]
    return {
        "customer": str(company or contact or ""),
        "seller": seller.get("name") or settings.ACCORD_NAME,
        "account": seller.get("bank_account", ""),
        "numbers": ", ".join(line.invoice.number for line in lines),
        "total": format_money(step.owed, currency),
        "interest": format_money(step.interest, currency) if step.interest else "",
        "compensation": format_money(step.compensation, currency) if step.compensation else "",
        "to_pay": format_money(step.owed + step.interest + step.compensation, currency),
        "days": DEMAND_DAYS,
        "invoices": invoices,
    }


def _queue_message(
    step: CollectionStep, company: Company | None, contact: Contact | None, *, actor: User | None
) -> Any:
    from accord.messaging import services as messaging
    from accord.messaging.services.templates import TemplateMissing, render
    from accord.people.selectors import customer_language

    channels = _channels(step, company, contact)
    if not channels:
        raise ValidationError(_("The customer has no e-mail address, phone number or postal address to write to."))
    language = customer_language(contact=contact, company=company)
    kind = step.template_kind or "payment_reminder"
    for channel, address in channels:
        with languages.writing_in(language):
            try:
                rendered = render(kind, channel, language, message_context(step, company, contact))
            except TemplateMissing:
                continue
        return messaging.queue_message(
            actor=actor,
            channel=channel,
            to=address,
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
    amount: decimal.Decimal | None = None,
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
    if amount is not None and amount <= 0:
        errors["amount"] = [_("Enter an amount greater than zero.")]
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
    amount: decimal.Decimal | None = None,
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
