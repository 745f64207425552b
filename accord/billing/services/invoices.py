"""Invoices: drafts made from an order or typed in, issued under a gap-free number, corrected by
credit and debit notes.

A draft may change or be deleted. Issuing gives it the next number of its series and year, in
the issuing transaction (``core.sequences``: a rolled-back issue gives the number back), takes the
exchange rate of a currency invoice, marks split payment and freezes it: an issued invoice is
never changed again, only corrected by a new document that carries the lines it changes as they
were and as they become, and its totals as differences.
"""

from __future__ import annotations

import datetime
import decimal
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.billing import countries, taxids
from accord.billing.events import InvoiceIssued
from accord.billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSeries,
    InvoiceStatus,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    SeriesKind,
)
from accord.billing.models.invoices import series_kind
from accord.billing.models.lines import line_net, line_vat
from accord.billing.services import common
from accord.billing.services.lines import LineIn, RateTotal, Summary, clean_lines, line_fields, line_snapshot, summarize
from accord.core import access, changes, exchange_rates, languages, money, search
from accord.core.events import emit
from accord.core.sequences import next_value
from accord.people import selectors as people_selectors

if TYPE_CHECKING:
    from accord.identity.models import User

ZERO = decimal.Decimal(0)
HUNDRED = decimal.Decimal(100)
MAX_TERMS_DAYS = 365
DEFAULT_SERIES = {
    SeriesKind.INVOICE: ("FV", "Faktury VAT"),
    SeriesKind.PROFORMA: ("PF", "Pro forma"),
    SeriesKind.CORRECTION: ("KOR", "Korekty"),
}
DRAFT_FIELDS = (
    "series",
    "language",
    "currency",
    "issue_date",
    "sale_date",
    "place_of_issue",
    "payment_method",
    "payment_terms_days",
    "bank_account",
    "buyer_name",
    "buyer_address",
    "buyer_country",
    "buyer_tax_id",
    "notes",
    "correction_reason",
    "exchange_rate_table",
    "lines",
)


# --- series and numbers ---------------------------------------------------------------------------


def check_pattern(pattern: str) -> str | None:
    """Why a number pattern cannot be used, or None."""
    if "{number" not in pattern:
        return _("The pattern must contain {number}.")
    try:
        sample = pattern.format(code="FV", year=2026, month="01", number=1)
    except (KeyError, IndexError, ValueError):
        return _("Use only {code}, {year}, {month} and {number} in the pattern.")
    if len(sample) > 30:
        return _("The pattern makes numbers longer than 30 characters.")
    return None


def default_series(kind: str) -> InvoiceSeries:
    """The series invoices of ``kind`` are numbered in by default (created on first use)."""
    wanted = series_kind(kind)
    found = InvoiceSeries.objects.filter(kind=wanted).order_by("-is_default", "code").first()
    if found is not None:
        return found
    code, name = DEFAULT_SERIES[SeriesKind(wanted)]
    series, _created = InvoiceSeries.objects.get_or_create(
        code=code,
        defaults={"name": name, "kind": wanted, "pattern": countries.current().number_pattern, "is_default": True},
    )
    return series


@transaction.atomic
def create_series(*, actor: User | None, code: str, name: str, kind: str, pattern: str = "") -> InvoiceSeries:
    """A new numbering series (administrators only)."""
    if actor is not None and not access.is_admin(actor):
        raise access.AccessDenied()
    errors: dict[str, list[str]] = {}
    code = (code or "").strip().upper()
    if not code or len(code) > 10:
        errors["code"] = [_("Enter a code of at most 10 characters.")]
    elif InvoiceSeries.objects.filter(code=code).exists():
        errors["code"] = [_("A series with this code exists.")]
    if kind not in SeriesKind.values:
        errors["kind"] = [_("Select a valid choice. That choice is not one of the available choices.")]
    pattern = (pattern or countries.current().number_pattern).strip()
    if problem := check_pattern(pattern):
        errors["pattern"] = [problem]
    if errors:
        raise ValidationError(errors)
    series = InvoiceSeries.objects.create(code=code, name=(name or code)[:80], kind=kind, pattern=pattern)
    changes.record_create(actor=actor, obj=series)
    return series


def next_number(series: InvoiceSeries, day: datetime.date) -> str:
    """The next number of ``series`` in the year of ``day``; inside the issuing transaction."""
    value = next_value(f"invoice:{series.code}:{day.year}")
    return series.pattern.format(code=series.code, year=day.year, month=f"{day.month:02d}", number=value)


# --- input ----------------------------------------------------------------------------------------


def _date(data: Mapping[str, Any], name: str, errors: dict[str, list[str]]) -> datetime.date | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        return None


def _apply(invoice: Invoice, data: Mapping[str, Any], errors: dict[str, list[str]]) -> list[LineIn] | None:
    """Put the given fields on the draft (checked; errors by field); returns the lines if given."""
    if "series" in data:
        series = data["series"]
        if not isinstance(series, InvoiceSeries) or series.kind != series_kind(invoice.kind):
            errors["series"] = [_("Choose a series for this kind of invoice.")]
        else:
            invoice.series = series
    if "currency" in data:
        invoice.currency = common.clean_currency(data["currency"], errors)
    if "language" in data:
        code = languages.supported(data["language"])
        if data["language"] and not code:
            errors["language"] = [_("Choose one of the languages Accord writes in.")]
        invoice.language = code or invoice.language
    for name in ("issue_date", "sale_date"):
        if name in data:
            setattr(invoice, name, _date(data, name, errors))
    for name, limit in (
        ("place_of_issue", 100),
        ("buyer_name", 200),
        ("correction_reason", 300),
        ("exchange_rate_table", 40),
    ):
        if name in data:
            setattr(invoice, name, common.text(data, name, errors, limit))
    for name in ("buyer_address", "notes"):
        if name in data:
            setattr(invoice, name, common.text(data, name, errors))
    if "payment_method" in data:
        if data["payment_method"] not in PaymentMethod.values:
            errors["payment_method"] = [_("Select a valid choice. That choice is not one of the available choices.")]
        else:
            invoice.payment_method = data["payment_method"]
    if "payment_terms_days" in data:
        try:
            days = int(str(data["payment_terms_days"]).strip())
        except (TypeError, ValueError):
            errors["payment_terms_days"] = [_("Enter a whole number.")]
        else:
            if not 0 <= days <= MAX_TERMS_DAYS:
                errors["payment_terms_days"] = [
                    _("Enter a number of days from 0 to %(max)s.") % {"max": MAX_TERMS_DAYS}
                ]
            else:
                invoice.payment_terms_days = days
    if "buyer_country" in data:
        country = str(data["buyer_country"] or "").strip().upper()
        if len(country) != 2 or not country.isalpha():
            errors["buyer_country"] = [_("Enter a two-letter country code (PL, DE).")]
        else:
            invoice.buyer_country = country
    if "buyer_tax_id" in data or "buyer_country" in data:
        try:
            invoice.buyer_tax_id = taxids.clean_tax_id(
                str(data.get("buyer_tax_id", invoice.buyer_tax_id) or ""), invoice.buyer_country
            )
        except ValueError as exc:
            errors["buyer_tax_id"] = [str(exc)]
    if "bank_account" in data:
        try:
            invoice.bank_account = taxids.clean_bank_account(str(data["bank_account"] or ""))
        except ValueError as exc:
            errors["bank_account"] = [str(exc)]
    if "lines" not in data:
        return None
    items = data["lines"] or []
    if not items and not invoice.is_correction:
        errors["lines"] = [_("Add at least one line.")]
        return None
    lines, line_errors = clean_lines(items, currency=invoice.currency, company=invoice.company)
    errors.update(line_errors)
    return lines


def _write_lines(invoice: Invoice, lines: Sequence[LineIn]) -> None:
    InvoiceLine.objects.filter(invoice=invoice).delete()
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, position=i, order_line=line.order_line, **line_fields(line))
        for i, line in enumerate(lines)
    )


def _lines_snapshot(invoice: Invoice) -> list[dict[str, str]]:
    return [line_snapshot(line) for line in InvoiceLine.objects.filter(invoice=invoice)]


def _seller() -> dict[str, str]:
    from accord.sales.services.quotes import seller_details

    return seller_details()


def _bank_account(seller: Mapping[str, str]) -> str:
    try:
        return taxids.clean_bank_account(seller.get("bank_account", ""))
    except ValueError:
        return str(seller.get("bank_account", ""))[:60]


# --- totals ---------------------------------------------------------------------------------------


def summary_of(invoice: Invoice) -> Summary:
    """VAT per rate of a draft or an issued invoice; of a correction, the differences per rate."""
    lines = list(InvoiceLine.objects.filter(invoice=invoice))
    if not invoice.is_correction:
        return summarize([(line.vat_rate, line.net) for line in lines])
    after = summarize([(line.vat_rate, line.net + (line.before_net or ZERO)) for line in lines])
    before = summarize([(line.before_vat_rate, line.before_net) for line in lines if line.before_net is not None])
    diff: dict[str, list[decimal.Decimal]] = {}
    for total in after.by_rate:
        diff.setdefault(total.rate, [ZERO, ZERO])
        diff[total.rate][0] += total.net
        diff[total.rate][1] += total.vat
    for total in before.by_rate:
        diff.setdefault(total.rate, [ZERO, ZERO])
        diff[total.rate][0] -= total.net
        diff[total.rate][1] -= total.vat
    return Summary(
        by_rate=[
            RateTotal(rate=rate, net=net, vat=vat)
            for rate, (net, vat) in sorted(diff.items(), key=lambda item: countries.rate_order(item[0]))
        ]
    )


def _store_totals(invoice: Invoice, summary: Summary, rate: decimal.Decimal | None) -> None:
    invoice.net_total, invoice.vat_total, invoice.gross_total = summary.net, summary.vat, summary.gross
    invoice.vat_summary = [
        {
            "rate": total.rate,
            "net": str(total.net),
            "vat": str(total.vat),
            "gross": str(total.gross),
            "vat_base": str(money.quantize(total.vat * rate)) if rate is not None else str(total.vat),
        }
        for total in summary.by_rate
    ]


def rate_before(currency: str, sale_date: datetime.date) -> tuple[decimal.Decimal, datetime.date]:
    """The exchange rate of the last working day before the date of sale (Polish VAT act, art.
    31a) and its day (``core.exchange_rates.rate_before``). A ValidationError names the currency
    and the date when none is known."""
    try:
        return exchange_rates.rate_before(currency, sale_date, stale_after=None)
    except exchange_rates.NoRate:
        raise ValidationError(
            {
                "currency": [
                    _("No %(currency)s exchange rate is known for a day before %(date)s: add it before issuing.")
                    % {"currency": currency, "date": sale_date.isoformat()}
                ]
            }
        ) from None


def _validate_draft(invoice: Invoice) -> None:
    errors: dict[str, list[str]] = {}
    if not invoice.buyer_name:
        errors["buyer_name"] = [_("This field is required.")]
    if not InvoiceLine.objects.filter(invoice=invoice).exists():
        errors["lines"] = [_("Add at least one line.")]
    if not (invoice.seller or {}).get("name"):
        errors["seller"] = [_("Enter the seller's details (Sales settings) before issuing invoices.")]
    elif invoice.kind != InvoiceKind.PROFORMA and not (invoice.seller or {}).get("tax_id"):
        errors["seller"] = [_("Enter the seller's tax id (Sales settings) before issuing invoices.")]
    if invoice.payment_method == PaymentMethod.TRANSFER and not invoice.is_correction and not invoice.bank_account:
        errors["bank_account"] = [_("Enter the bank account the customer pays to.")]
    if (
        invoice.sale_date
        and invoice.issue_date
        and invoice.sale_date > invoice.issue_date + datetime.timedelta(days=60)
    ):
        errors["sale_date"] = [_("The date of sale is more than 60 days after the date of issue.")]
    if errors:
        raise ValidationError(errors)


# --- drafts ---------------------------------------------------------------------------------------


def _new(actor: User | None, kind: str, company: Any, contact: Any, currency: str) -> Invoice:
    seller = _seller()
    block = common.customer_block(company, contact)
    return Invoice(
        kind=kind,
        series=default_series(kind),
        company=company,
        contact=contact,
        currency=currency,
        language=people_selectors.customer_language(contact=contact, company=company),
        seller=seller,
        bank_account=_bank_account(seller),
        buyer_name=block["name"],
        buyer_address=block["address"],
        buyer_country=block["country"] or "PL",
        buyer_tax_id=block["tax_id"],
        place_of_issue=str(getattr(settings, "ACCORD_INVOICE_PLACE", "") or ""),
        created_by=actor if getattr(actor, "pk", None) else None,
    )


@transaction.atomic
def create_invoice(*, actor: User | None, data: Mapping[str, Any]) -> Invoice:
    """A draft VAT invoice or pro-forma typed in. ``data``: ``kind`` ("vat", "proforma"),
    ``company``/``contact`` (the customer), ``currency``, ``lines`` and any of the draft's fields
    (``DRAFT_FIELDS``); buyer, seller, language and bank account default from the customer and
    the Sales settings."""
    if actor is not None:
        access.require_create(actor)
    errors: dict[str, list[str]] = {}
    kind = data.get("kind") or InvoiceKind.VAT
    if kind not in (InvoiceKind.VAT, InvoiceKind.PROFORMA):
        errors["kind"] = [_("Make a credit or debit note by correcting an issued invoice.")]
        kind = InvoiceKind.VAT
    company, contact = data.get("company"), data.get("contact")
    common.check_parties(actor, company, contact, errors)
    currency = common.clean_currency(data.get("currency") or money.base_currency(), errors)
    if "company" in errors or "contact" in errors or "currency" in errors:
        raise ValidationError(errors)
    invoice = _new(actor, kind, company, contact, currency)
    given = {k: v for k, v in data.items() if k in DRAFT_FIELDS and k != "currency"}
    given.setdefault("lines", [])
    lines = _apply(invoice, given, errors)
    if errors:
        raise ValidationError(errors)
    return _save_new(actor, invoice, lines or [])


def invoice_search_text(invoice: Invoice) -> str:
    """An invoice's ``search_text``: its number (also with spaces for its slashes, as people
    type it), the buyer and their tax id."""
    return search.document(invoice.number, _spaced(invoice.number), invoice.buyer_name, invoice.buyer_tax_id)


def _spaced(number: str) -> str:
    return " ".join(part for part in re.split(r"[/\-_.]+", number or "") if part)


def _save_new(actor: User | None, invoice: Invoice, lines: Sequence[LineIn]) -> Invoice:
    invoice.search_text = invoice_search_text(invoice)
    invoice.save()
    _write_lines(invoice, lines)
    _store_totals(invoice, summary_of(invoice), None)
    invoice.save()
    changes.record_create(actor=actor, obj=invoice, extra={"lines": _lines_snapshot(invoice)})
    return invoice


def invoiced_line_ids(order: Order) -> set[Any]:
    """The order's lines already on a VAT invoice (a draft or an issued one)."""
    return set(
        InvoiceLine.objects.filter(order_line__order=order, invoice__kind=InvoiceKind.VAT).values_list(
            "order_line_id", flat=True
        )
    )


@transaction.atomic
def create_from_order(
    *,
    actor: User | None,
    order: Order,
    kind: str = InvoiceKind.VAT,
    line_ids: Sequence[Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> Invoice:
    """A draft invoice of an order: of the lines ``line_ids``, else of every line not yet on a VAT
    invoice. A VAT invoice never invoices a line twice; a pro-forma may name lines already invoiced."""
    locked = common.lock(actor, Order, order.pk, None)
    if actor is not None:
        access.require_create(actor)
    if locked.status in (OrderStatus.CANCELLED, OrderStatus.DRAFT):
        raise ValidationError({"order": [_("Confirm the order before invoicing it.")]})
    if kind not in (InvoiceKind.VAT, InvoiceKind.PROFORMA):
        raise ValidationError({"kind": [_("Make a credit or debit note by correcting an issued invoice.")]})
    order_lines = list(OrderLine.objects.filter(order=locked).select_related("product"))
    done = invoiced_line_ids(locked)
    if line_ids is not None:
        wanted = {str(pk) for pk in line_ids}
        unknown = wanted - {str(line.pk) for line in order_lines}
        if unknown:
            raise ValidationError({"lines": [_("These lines are not the order's.")]})
        chosen = [line for line in order_lines if str(line.pk) in wanted]
        if kind == InvoiceKind.VAT and any(line.pk in done for line in chosen):
            raise ValidationError({"lines": [_("Some of these lines are already invoiced.")]})
    else:
        chosen = [line for line in order_lines if line.pk not in done]
    if not chosen:
        raise ValidationError({"lines": [_("Every line of this order is already invoiced.")]})
    invoice = _new(actor, kind, locked.company, locked.contact, locked.currency)
    invoice.order = locked
    invoice.buyer_name = locked.customer_name or invoice.buyer_name
    invoice.buyer_address = locked.customer_address or invoice.buyer_address
    errors: dict[str, list[str]] = {}
    try:
        invoice.buyer_tax_id = taxids.clean_tax_id(
            locked.customer_tax_id or invoice.buyer_tax_id, invoice.buyer_country
        )
    except ValueError as exc:
        errors["buyer_tax_id"] = [str(exc)]
    _apply(
        invoice, {k: v for k, v in (data or {}).items() if k in DRAFT_FIELDS and k not in ("lines", "currency")}, errors
    )
    if errors:
        raise ValidationError(errors)
    lines = [
        LineIn(
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            discount_percent=line.discount_percent,
            unit=line.unit,
            product=line.product,
            sku=line.sku,
            split_payment_goods=line.split_payment_goods,
            order_line=line,
        )
        for line in chosen
    ]
    return _save_new(actor, invoice, lines)


def _lock_draft(actor: User | None, invoice: Invoice, expected_version: int | None) -> Invoice:
    locked = common.lock(actor, Invoice, invoice.pk, expected_version)
    if locked.status != InvoiceStatus.DRAFT:
        raise ValidationError(
            {"status": [_("This invoice was issued and cannot be changed: correct it with a credit or debit note.")]}
        )
    return locked


@transaction.atomic
def update_draft(
    *, actor: User | None, invoice: Invoice, data: Mapping[str, Any], expected_version: int | None = None
) -> Invoice:
    """Change a draft; an issued invoice is refused (it is corrected, never changed)."""
    locked = _lock_draft(actor, invoice, expected_version)
    before = changes.snapshot(locked, extra={"lines": _lines_snapshot(locked)})
    errors: dict[str, list[str]] = {}
    given = {k: v for k, v in data.items() if k in DRAFT_FIELDS}
    if locked.is_correction:
        given.pop("lines", None)  # a correction's lines are set by correct()
    elif "lines" in given and locked.order_id is not None:
        # The lines say which of the order's lines are invoiced: typed anew, they would not.
        raise ValidationError(
            {"lines": [_("This draft was made from an order: delete it and invoice the order's lines you want.")]}
        )
    lines = _apply(locked, given, errors)
    if errors:
        raise ValidationError(errors)
    if lines is not None:
        _write_lines(locked, lines)
    _store_totals(locked, summary_of(locked), None)
    if changes.snapshot(locked, extra={"lines": _lines_snapshot(locked)}) == before:
        return locked
    locked.version += 1
    locked.search_text = invoice_search_text(locked)
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before, extra={"lines": _lines_snapshot(locked)})
    return locked


@transaction.atomic
def delete_draft(*, actor: User | None, invoice: Invoice, expected_version: int | None = None) -> None:
    """Throw a draft away; it never had a number, so nothing is missing from the series."""
    locked = _lock_draft(actor, invoice, expected_version)
    before = changes.snapshot(locked, extra={"lines": _lines_snapshot(locked)})
    InvoiceLine.objects.filter(invoice=locked).delete()
    changes.record_delete(actor=actor, obj=locked, before=before)
    locked.delete()


# --- issuing --------------------------------------------------------------------------------------


def _split_payment(invoice: Invoice, gross_base: decimal.Decimal) -> bool:
    threshold = countries.current().split_payment_threshold
    if threshold is None or invoice.kind == InvoiceKind.PROFORMA:
        return False
    if invoice.is_correction:
        return bool(invoice.corrects and invoice.corrects.split_payment)
    return gross_base >= threshold and InvoiceLine.objects.filter(invoice=invoice, split_payment_goods=True).exists()


@transaction.atomic
def issue(*, actor: User | None, invoice: Invoice, expected_version: int | None = None) -> Invoice:
    """Number and issue a draft: dates default to today, the due date follows the payment terms,
    a currency invoice takes the rate of the last working day before the date of sale, and the
    invoice is frozen. The number is taken last, inside this transaction."""
    locked = _lock_draft(actor, invoice, expected_version)
    before = changes.snapshot(locked)
    today = timezone.localdate()
    locked.issue_date = locked.issue_date or today
    locked.sale_date = locked.sale_date or locked.issue_date
    locked.seller = locked.seller if (locked.seller or {}).get("name") else _seller()
    _validate_draft(locked)
    rate: decimal.Decimal | None = None
    if locked.currency != money.base_currency():
        rate, rate_day = rate_before(locked.currency, locked.sale_date)
        locked.exchange_rate, locked.exchange_rate_day = rate, rate_day
    summary = summary_of(locked)
    _store_totals(locked, summary, rate)
    locked.vat_total_base = sum((decimal.Decimal(r["vat_base"]) for r in locked.vat_summary), ZERO)
    locked.gross_total_base = money.quantize(summary.gross * rate) if rate is not None else summary.gross
    if not money.fits(locked.gross_total_base) or not money.fits(locked.vat_total_base):
        raise ValidationError({"lines": [money.too_large_message()]})
    locked.split_payment = _split_payment(locked, abs(locked.gross_total_base))
    locked.due_date = (
        None if locked.is_correction else locked.issue_date + datetime.timedelta(days=locked.payment_terms_days)
    )
    locked.status = InvoiceStatus.ISSUED
    locked.issued_at = timezone.now()
    locked.number = next_number(locked.series, locked.issue_date)
    locked.search_text = invoice_search_text(locked)
    locked.version += 1
    locked.save()
    _keep_costs(locked)
    changes.record_update(actor=actor, obj=locked, before=before)
    if locked.is_correction and locked.corrects_id:
        original = Invoice.objects.select_for_update().get(pk=locked.corrects_id)
        original_before = changes.snapshot(original)
        original.corrections_total += locked.gross_total
        settle(original)
        original.version += 1
        original.save()
        changes.record_update(actor=actor, obj=original, before=original_before)
    emit(
        InvoiceIssued(
            number=locked.number,
            kind=locked.kind,
            currency=locked.currency,
            gross_total=locked.gross_total,
            corrects_id=locked.corrects_id,
        ),
        obj=locked,
        actor=actor,
    )
    return locked


def _keep_costs(invoice: Invoice) -> None:
    """Copy each product line's unit cost at the time of issue onto the line (profit and loss
    counts what the sale cost then, whatever the catalogue says later)."""
    from django.db.models import OuterRef, Subquery

    from accord.sales.models import Product

    product = Product.objects.filter(pk=OuterRef("product_id"))
    InvoiceLine.objects.filter(invoice=invoice, product__isnull=False).update(
        unit_cost=Subquery(product.values("unit_cost")[:1]),
        cost_currency=Subquery(product.values("cost_currency")[:1]),
    )


def settle(invoice: Invoice) -> None:
    """The payment status of an issued VAT invoice from what is due and what was paid (not saved)."""
    if invoice.kind != InvoiceKind.VAT or invoice.status == InvoiceStatus.DRAFT:
        return
    if invoice.paid_amount >= invoice.amount_due:
        invoice.status = InvoiceStatus.PAID
    elif invoice.paid_amount > 0:
        invoice.status = InvoiceStatus.PARTIALLY_PAID
    else:
        invoice.status = InvoiceStatus.ISSUED


# --- corrections ----------------------------------------------------------------------------------


def current_lines(invoice: Invoice) -> list[InvoiceLine]:
    """The invoice's lines as its issued corrections left them (each with ``corrects_line`` set to
    the original line), and the lines those corrections added."""
    result: dict[Any, InvoiceLine] = {line.pk: line for line in InvoiceLine.objects.filter(invoice=invoice)}
    corrections = InvoiceLine.objects.filter(invoice__corrects=invoice, invoice__status=InvoiceStatus.ISSUED).order_by(
        "invoice__issued_at", "position"
    )
    for line in corrections:
        result[line.corrects_line_id or line.pk] = line
    return list(result.values())


@transaction.atomic
def correct(
    *,
    actor: User | None,
    invoice: Invoice,
    lines: Sequence[Mapping[str, Any]],
    reason: str,
    data: Mapping[str, Any] | None = None,
) -> Invoice:
    """A draft correction of an issued VAT invoice. Each item of ``lines`` either names the line it
    changes (``line``: its id; the values it leaves out stay as they were; quantity 0 takes the
    line off) or is a new line. Whether it is a credit or a debit note follows from the sign of
    the change in the total; it is issued like any invoice."""
    original = common.lock(actor, Invoice, invoice.pk, None)
    if original.kind != InvoiceKind.VAT or original.status == InvoiceStatus.DRAFT:
        raise ValidationError({"invoice": [_("Only an issued VAT invoice can be corrected.")]})
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why the invoice is corrected.")]
    elif len(reason) > 300:
        errors["reason"] = [_("The text is too long (at most %(limit)s characters).") % {"limit": 300}]
    if not lines:
        errors["lines"] = [_("Change at least one line.")]
    now = {str(line.corrects_line_id or line.pk): line for line in current_lines(original)}
    items: list[dict[str, Any]] = []
    befores: list[InvoiceLine | None] = []
    for i, item in enumerate(lines or []):
        ref = item.get("line")
        if ref not in (None, ""):
            current = now.get(str(getattr(ref, "pk", ref)))
            if current is None:
                errors[f"lines.{i}.line"] = [_("This is not a line of the corrected invoice.")]
                continue
            merged: dict[str, Any] = {
                "description": current.description,
                "sku": current.sku,
                "quantity": current.quantity,
                "unit": current.unit,
                "unit_price": current.unit_price,
                "discount_percent": current.discount_percent,
                "vat_rate": current.vat_rate,
                "split_payment_goods": current.split_payment_goods,
                "product": current.product,
            }
            merged.update({k: v for k, v in item.items() if k != "line" and v is not None})
            items.append(merged)
            befores.append(current)
        else:
            items.append(dict(item))
            befores.append(None)
    # Quantity 0 takes a line off the invoice; a line the correction adds has a quantity.
    cleaned, line_errors = clean_lines(items, currency=original.currency, company=original.company, zero_quantity=True)
    errors.update(line_errors)
    for i, (item, before) in enumerate(zip(items, befores, strict=True)):
        if before is None and f"lines.{i}.quantity" not in errors:
            try:
                if decimal.Decimal(str(item.get("quantity", 1)).replace(",", ".")) <= 0:
                    errors[f"lines.{i}.quantity"] = [_("Must be at least %(min)s.") % {"min": "0.001"}]
            except decimal.InvalidOperation:
                pass
    if errors:
        raise ValidationError(errors)
    correction = Invoice(
        kind=InvoiceKind.CREDIT_NOTE,
        series=default_series(InvoiceKind.CREDIT_NOTE),
        corrects=original,
        correction_reason=reason,
        order=original.order,
        company=original.company,
        contact=original.contact,
        language=original.language,
        currency=original.currency,
        sale_date=original.sale_date,
        place_of_issue=original.place_of_issue,
        payment_method=original.payment_method,
        payment_terms_days=original.payment_terms_days,
        bank_account=original.bank_account,
        seller=original.seller,
        buyer_name=original.buyer_name,
        buyer_address=original.buyer_address,
        buyer_country=original.buyer_country,
        buyer_tax_id=original.buyer_tax_id,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    extra_errors: dict[str, list[str]] = {}
    _apply(
        correction,
        {k: v for k, v in (data or {}).items() if k in ("issue_date", "notes", "place_of_issue")},
        extra_errors,
    )
    if extra_errors:
        raise ValidationError(extra_errors)
    correction.search_text = invoice_search_text(correction)
    correction.save()
    rows = []
    for i, (line, before) in enumerate(zip(cleaned, befores, strict=True)):
        net_after = line_net(line.quantity, line.unit_price, line.discount_percent)
        vat_after = line_vat(net_after, line.vat_rate)
        row = InvoiceLine(invoice=correction, position=i, **line_fields(line))
        original_line_id = (before.corrects_line_id or before.pk) if before is not None else None
        row.corrects_line_id = original_line_id
        before_net = before_vat = ZERO
        if before is not None:
            row.before_quantity = before.quantity
            row.before_unit_price = before.unit_price
            row.before_discount_percent = before.discount_percent
            row.before_vat_rate = before.vat_rate
            before_net = line_net(before.quantity, before.unit_price, before.discount_percent)
            before_vat = line_vat(before_net, before.vat_rate)
            row.before_net, row.before_vat, row.before_gross = before_net, before_vat, before_net + before_vat
        row.net, row.vat = net_after - before_net, vat_after - before_vat
        row.gross = row.net + row.vat
        rows.append(row)
    InvoiceLine.objects.bulk_create(rows)
    summary = summary_of(correction)
    unchanged = all(
        before is not None and line_snapshot(row) == line_snapshot(before)
        for row, before in zip(rows, befores, strict=True)
    )
    if unchanged:
        raise ValidationError({"lines": [_("These lines are as the invoice has them: nothing to correct.")]})
    _store_totals(correction, summary, None)
    correction.kind = InvoiceKind.DEBIT_NOTE if summary.gross > 0 else InvoiceKind.CREDIT_NOTE
    correction.save()
    changes.record_create(actor=actor, obj=correction, extra={"lines": _lines_snapshot(correction)})
    return correction
