"""Orders: made from an accepted quote (once per quote) or typed in, confirmed, fulfilled or
cancelled. A draft's lines may change; a confirmed order's are what the customer ordered."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.billing.events import OrderFromQuote
from accord.billing.models import Order, OrderLine, OrderStatus
from accord.billing.services import common
from accord.billing.services.lines import LineIn, clean_lines, line_fields, line_snapshot, summarize
from accord.core import access, changes, money, search
from accord.core.access import Action
from accord.core.events import emit
from accord.core.sequences import next_value
from accord.sales.models import Quote, QuoteStatus

if TYPE_CHECKING:
    from accord.identity.models import User

# Where an order may go from each status.
MOVES: dict[str, tuple[str, ...]] = {
    OrderStatus.DRAFT: (OrderStatus.CONFIRMED, OrderStatus.CANCELLED),
    OrderStatus.CONFIRMED: (OrderStatus.FULFILLED, OrderStatus.CANCELLED),
    OrderStatus.FULFILLED: (),
    OrderStatus.CANCELLED: (),
}


def order_number() -> str:
    """The next order number of the year: ZAM/2026/0001. Runs inside the caller's transaction."""
    year = timezone.localdate().year
    return f"ZAM/{year}/{next_value(f'order-{year}'):04d}"


def order_search_text(order: Order) -> str:
    """An order's ``search_text``: its number (also with spaces for its slashes), the customer
    and their tax id."""
    spaced = " ".join(part for part in re.split(r"[/\-_.]+", order.number or "") if part)
    return search.document(order.number, spaced, order.customer_name, order.customer_tax_id)


def _write_lines(order: Order, lines: Sequence[LineIn]) -> None:
    OrderLine.objects.filter(order=order).delete()
    OrderLine.objects.bulk_create(
        OrderLine(order=order, position=i, **line_fields(line)) for i, line in enumerate(lines)
    )
    summary = summarize([(line.vat_rate, line.net) for line in lines])
    order.net_total, order.vat_total, order.gross_total = summary.net, summary.vat, summary.gross


def _lines_snapshot(order: Order) -> list[dict[str, str]]:
    return [line_snapshot(line) for line in OrderLine.objects.filter(order=order)]


@transaction.atomic
def create_order(*, actor: User | None, data: Mapping[str, Any]) -> Order:
    """A new draft order typed in: ``company`` and/or ``contact``, ``currency``, ``lines`` (each:
    product optional, description, quantity, unit, unit_price, discount_percent, vat_rate,
    split_payment_goods), ``notes``; the customer block is the customer's unless given."""
    if actor is not None:
        access.require_create(actor)
    errors: dict[str, list[str]] = {}
    company, contact = data.get("company"), data.get("contact")
    common.check_parties(actor, company, contact, errors)
    currency = common.clean_currency(data.get("currency") or money.base_currency(), errors)
    notes = common.text(data, "notes", errors)
    lines, line_errors = clean_lines(data.get("lines") or [], currency=currency, company=company)
    errors.update(line_errors)
    if not data.get("lines"):
        errors["lines"] = [_("Add at least one line.")]
    block = common.customer_block(company, contact) if "company" not in errors and "contact" not in errors else {}
    name = common.text(data, "customer_name", errors, 200) or block.get("name", "")
    if not name and not errors:
        errors["customer_name"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    order = Order(
        number=order_number(),
        company=company,
        contact=contact,
        currency=currency,
        customer_name=name,
        customer_address=common.text(data, "customer_address", errors) or block.get("address", ""),
        customer_tax_id=(common.text(data, "customer_tax_id", errors) or block.get("tax_id", ""))[:30],
        notes=notes,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    order.search_text = order_search_text(order)
    order.save()
    _write_lines(order, lines)
    order.save(update_fields=["net_total", "vat_total", "gross_total"])
    changes.record_create(actor=actor, obj=order, extra={"lines": _lines_snapshot(order)})
    return order


@transaction.atomic
def create_from_quote(*, actor: User | None, quote: Quote) -> Order:
    """The order of an accepted quote, with its lines and customer block. A quote has one order:
    asking again gives the same order back."""
    existing = Order.objects.filter(quote=quote).first()
    if existing is not None:
        return existing
    locked = Quote.objects.select_for_update(of=("self",)).select_related("deal", "deal__company").get(pk=quote.pk)
    if actor is not None:
        access.require(actor, Action.VIEW, locked.deal)
        access.require_create(actor)
    existing = Order.objects.filter(quote=locked).first()
    if existing is not None:  # made while this request waited for the lock
        return existing
    if locked.status != QuoteStatus.ACCEPTED:
        raise ValidationError({"quote": [_("Only an accepted quote becomes an order.")]})
    from accord.sales.services.quotes import first_contact

    deal = locked.deal
    contact = first_contact(deal)
    order = Order(
        number=order_number(),
        quote=locked,
        company=deal.company,
        contact=contact,
        currency=locked.currency,
        customer_name=locked.customer_name or (deal.company.name if deal.company else str(contact or "")) or deal.name,
        customer_address=locked.customer_address,
        customer_tax_id=locked.customer_tax_id,
        notes=locked.terms,
        status=OrderStatus.CONFIRMED,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    order.search_text = order_search_text(order)
    order.save()
    products = {p.sku: p for p in _products([line.sku for line in locked.lines.all() if line.sku])}
    from accord.billing import countries
    from accord.billing.services.products import split_payment_products

    annex_15 = split_payment_products(products.values())

    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=products.get(line.sku),
            description=line.description,
            sku=line.sku,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            vat_rate=countries.rate_code(line.vat_rate),
            split_payment_goods=line.sku in products and products[line.sku].pk in annex_15,
            net=line.net,
            vat=line.vat,
            gross=line.gross,
            position=i,
        )
        for i, line in enumerate(locked.lines.all().order_by("position", "id"))
    )
    summary = summarize([(line.vat_rate, line.net) for line in OrderLine.objects.filter(order=order)])
    order.net_total, order.vat_total, order.gross_total = summary.net, summary.vat, summary.gross
    order.save(update_fields=["net_total", "vat_total", "gross_total"])
    changes.record_create(actor=actor, obj=order, extra={"lines": _lines_snapshot(order)})
    emit(OrderFromQuote(quote_id=locked.pk, number=order.number), obj=order, actor=actor)
    return order


def _products(skus: list[str]) -> list[Any]:
    from accord.sales.models import Product

    return list(Product.objects.filter(sku__in=skus)) if skus else []


@transaction.atomic
def update_order(
    *, actor: User | None, order: Order, data: Mapping[str, Any], expected_version: int | None = None
) -> Order:
    """Change a draft order's customer block, notes or lines; a confirmed order's notes only."""
    locked = common.lock(actor, Order, order.pk, expected_version)
    errors: dict[str, list[str]] = {}
    editable_draft = locked.status == OrderStatus.DRAFT
    before = changes.snapshot(locked, extra={"lines": _lines_snapshot(locked)})
    if not editable_draft and set(data) - {"notes"}:
        raise ValidationError(
            {
                "status": [
                    _("Only a draft order can be changed; this one is %(status)s.")
                    % {"status": locked.get_status_display()}
                ]
            }
        )
    limits = {"customer_name": 200, "customer_address": None, "customer_tax_id": 30, "notes": None}
    for name, limit in limits.items():
        if name in data:
            setattr(locked, name, common.text(data, name, errors, limit))
    if "customer_name" in data and not locked.customer_name:
        errors["customer_name"] = [_("This field is required.")]
    lines: list[LineIn] | None = None
    if "lines" in data:
        if not data["lines"]:
            errors["lines"] = [_("Add at least one line.")]
        else:
            lines, line_errors = clean_lines(data["lines"], currency=locked.currency, company=locked.company)
            errors.update(line_errors)
    if errors:
        raise ValidationError(errors)
    if lines is not None:
        _write_lines(locked, lines)
    if changes.snapshot(locked, extra={"lines": _lines_snapshot(locked)}) == before:
        return locked
    locked.version += 1
    locked.search_text = order_search_text(locked)
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before, extra={"lines": _lines_snapshot(locked)})
    return locked


@transaction.atomic
def set_status(*, actor: User | None, order: Order, status: str, expected_version: int | None = None) -> Order:
    """Move an order on: draft -> confirmed -> fulfilled, or cancelled before it is fulfilled."""
    locked = common.lock(actor, Order, order.pk, expected_version)
    if status not in OrderStatus.values:
        raise ValidationError(
            {"status": [_("Select a valid choice. That choice is not one of the available choices.")]}
        )
    if status == locked.status:
        return locked
    if status not in MOVES[locked.status]:
        raise ValidationError(
            {
                "status": [
                    _("An order that is %(current)s cannot become %(new)s.")
                    % {"current": locked.get_status_display(), "new": OrderStatus(status).label}
                ]
            }
        )
    if status == OrderStatus.CANCELLED and locked.invoices.exclude(status="draft").exists():
        raise ValidationError({"status": [_("This order was invoiced: correct the invoice instead of cancelling.")]})
    before = changes.snapshot(locked)
    locked.status = status
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked
