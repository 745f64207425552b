"""The invoice, order and payment lists: their columns, export and saved views (see core/lists.py).

No bulk changes: an invoice changes only through its own steps (issue, correct, pay), an order
and a payment on their pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accord.billing.selectors import invoices, orders, payments
from accord.core.lists import Column, ListScreen, register

INVOICES = register(
    ListScreen(
        key="invoice",
        spec=invoices.INVOICE_LIST,
        title=_("invoices"),
        list_url="billing:invoice-list",
        export_url="billing:invoice-export",
        detail_url="billing:invoice-detail",
        columns=[
            Column("invoice", _("Invoice"), fixed=True),
            Column("buyer", _("Buyer")),
            Column("status", _("Status")),
            Column("issue_date", _("Date of issue")),
            Column("sale_date", _("Date of sale"), default=False),
            Column("due_date", _("Due date")),
            Column("net", _("Net"), default=False),
            Column("gross", _("Gross")),
            Column("to_pay", _("To pay")),
        ],
        visible=invoices.visible_invoices,
        describe=lambda invoice: str(invoice),
    )
)

ORDERS = register(
    ListScreen(
        key="order",
        spec=orders.ORDER_LIST,
        title=_("orders"),
        list_url="billing:order-list",
        export_url="billing:order-export",
        detail_url="billing:order-detail",
        columns=[
            Column("order", _("Order"), fixed=True),
            Column("customer", _("Customer")),
            Column("status", _("Status")),
            Column("net", _("Net"), default=False),
            Column("gross", _("Gross")),
            Column("made", _("Made")),
        ],
        visible=orders.visible_orders,
        describe=lambda order: order.number,
    )
)

PAYMENTS = register(
    ListScreen(
        key="payment",
        spec=payments.PAYMENT_LIST,
        title=_("payments"),
        list_url="billing:payment-list",
        export_url="billing:payment-export",
        detail_url="billing:payment-detail",
        columns=[
            Column("date", _("Date"), fixed=True),
            Column("customer", _("Customer")),
            Column("method", _("Method"), default=False),
            Column("reference", _("Reference")),
            Column("amount", _("Amount")),
            Column("credit", _("Customer credit")),
        ],
        visible=payments.visible_payments,
        describe=lambda payment: f"{payment.received_on} {payment.amount} {payment.currency}",
    )
)
