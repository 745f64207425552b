"""Invoices and orders in the search service (registered from ``BillingConfig.ready``): found by
number, customer and tax id, scoped like their lists (by the customer they belong to)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.billing.models import Invoice, Order
from accord.billing.selectors.invoices import display_status, visible_invoices
from accord.billing.selectors.orders import visible_orders
from accord.core import global_search
from accord.core.global_search import TEXT, Searchable, Shown
from accord.core.money import format_money

CUSTOMER = _("customer")
TAX_ID = _("tax id")
OVERDUE = pgettext_lazy("invoice status", "Overdue")


def _amount(value: Any, currency: str) -> str:
    return format_money(value, currency, decimals=2)


def show_invoices(invoices: Sequence[Invoice]) -> dict[Any, Shown]:
    shown = {}
    for invoice in invoices:
        status = OVERDUE if display_status(invoice) == "overdue" else invoice.get_status_display()
        shown[invoice.pk] = Shown(
            title=str(invoice),
            subtitle=" · ".join(
                str(p) for p in (status, _amount(invoice.gross_total, invoice.currency), invoice.buyer_name) if p
            ),
            url=reverse("billing:invoice-detail", args=[invoice.pk]),
            fields=[
                ("", str(invoice), TEXT),
                (CUSTOMER, invoice.buyer_name, TEXT),
                (TAX_ID, invoice.buyer_tax_id, TEXT),
            ],
        )
    return shown


def show_orders(orders: Sequence[Order]) -> dict[Any, Shown]:
    return {
        order.pk: Shown(
            title=order.number,
            subtitle=" · ".join(
                p
                for p in (order.get_status_display(), _amount(order.gross_total, order.currency), order.customer_name)
                if p
            ),
            url=reverse("billing:order-detail", args=[order.pk]),
            fields=[
                ("", order.number, TEXT),
                (CUSTOMER, order.customer_name, TEXT),
                (TAX_ID, order.customer_tax_id, TEXT),
            ],
        )
        for order in orders
    }


def register() -> None:
    global_search.register(
        Searchable(
            kind="invoice",
            label=_("Invoices"),
            model=Invoice,
            visible=visible_invoices,
            names=lambda invoice: [invoice.number, invoice.buyer_name],
            show=show_invoices,
            columns=(
                "number",
                "kind",
                "status",
                "currency",
                "gross_total",
                "corrections_total",
                "paid_amount",
                "due_date",
                "buyer_name",
                "buyer_tax_id",
            ),
        )
    )
    global_search.register(
        Searchable(
            kind="order",
            label=_("Orders"),
            model=Order,
            visible=visible_orders,
            names=lambda order: [order.number, order.customer_name],
            show=show_orders,
            columns=("number", "status", "currency", "gross_total", "customer_name", "customer_tax_id"),
        )
    )
